#pragma once
// Everything one epoch of one stream needs: a keyed instance of each of the session's
// units and the selection schedule that picks among them. Built once per epoch change,
// then used per packet without allocation.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "agentcast/crypto/cipher_unit.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/selection.h"

namespace agentcast::crypto {

// The cipher units a session hops between, in an order both ends agree on.
struct UnitSet {
  std::vector<UnitId> units;
  ReferenceUnits reference_policy = ReferenceUnits::kRefuse;

  // All modern units; with `insecure_reference` the patent's LFSR units too.
  static UnitSet standard(bool insecure_reference = false);
  // Throws std::invalid_argument naming the problem: empty, duplicated, unknown, too many,
  // or a reference unit without kAllowInsecure.
  void validate() const;
};

class EpochKeys {
 public:
  struct Selection {
    CipherUnit* unit = nullptr;  // null only if OpenSSL failed
    std::uint32_t index = 0;     // into UnitSet::units
  };

  // Derives the epoch's unit keys and selection key from its seed. `units` must have
  // passed validate(). Returns null if OpenSSL fails.
  static std::unique_ptr<EpochKeys> derive(const Secret& epoch_seed, const StreamLabel& label,
                                           std::uint32_t epoch, const UnitSet& units);

  std::uint32_t epoch() const noexcept { return epoch_; }
  Selection select(std::uint64_t sequence) noexcept;

 private:
  EpochKeys(std::uint32_t epoch, const Secret& selection_key, std::uint32_t unit_count)
      : epoch_(epoch), schedule_(selection_key, unit_count) {}

  std::uint32_t epoch_;
  SelectionSchedule schedule_;
  std::vector<std::unique_ptr<CipherUnit>> units_;
};

}  // namespace agentcast::crypto
