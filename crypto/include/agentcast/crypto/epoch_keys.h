#pragma once
// Everything one epoch of one stream needs: a keyed instance of each of the session's
// units and, for synchronized selection (Fig. 6), the selection schedule that picks among
// them. Built once per epoch change, then used per packet without allocation.

#include <cstdint>
#include <memory>
#include <optional>
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
    CipherUnit* unit = nullptr;  // null if OpenSSL failed or there is no such unit
    std::uint32_t index = 0;     // into UnitSet::units
  };

  // kEpoch: the epoch's own selection schedule decides the unit of each packet
  // (synchronized selection, Fig. 6). kNone: someone else names the unit by index
  // (instructed selection, Fig. 5), so neither the selection key nor the schedule's
  // buffers are made.
  enum class Schedule : std::uint8_t { kEpoch, kNone };

  // Derives the epoch's unit keys and, with Schedule::kEpoch, its selection key from its
  // seed. `units` must have passed validate(). Returns null if OpenSSL fails.
  static std::unique_ptr<EpochKeys> derive(const Secret& epoch_seed, const StreamLabel& label,
                                           std::uint32_t epoch, const UnitSet& units,
                                           Schedule schedule = Schedule::kEpoch);

  std::uint32_t epoch() const noexcept { return epoch_; }
  std::uint32_t unit_count() const noexcept { return static_cast<std::uint32_t>(units_.size()); }
  bool has_schedule() const noexcept { return schedule_.has_value(); }

  // The unit the epoch's schedule picks for `sequence`. A null unit if OpenSSL fails or
  // the keys were derived with Schedule::kNone.
  Selection select(std::uint64_t sequence) noexcept;

  // The unit at `index` into UnitSet::units; a null unit for an index out of range (an
  // instruction is input, so it is checked here too, not only where it was received).
  Selection unit(std::uint32_t index) noexcept {
    if (index >= units_.size()) return {};
    return {units_[index].get(), index};
  }

 private:
  explicit EpochKeys(std::uint32_t epoch) : epoch_(epoch) {}

  std::uint32_t epoch_;
  std::optional<SelectionSchedule> schedule_;
  std::vector<std::unique_ptr<CipherUnit>> units_;
};

}  // namespace agentcast::crypto
