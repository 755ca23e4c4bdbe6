#pragma once
// The sending section (patent Fig. 5, 12A): numbers each payload, picks the unit for that
// number, seals the payload with the header as associated data, and changes epoch keys.
// Single-threaded: one instance belongs to the stream's network-send thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/seed_chain.h"
#include "agentcast/net/section_config.h"

namespace agentcast::net {

enum class SealStatus : std::uint8_t {
  kOk,
  kPayloadTooLarge,    // more than max_payload() bytes
  kBufferTooSmall,     // out cannot hold payload + kPacketOverhead
  kSequenceExhausted,  // the 48-bit sequence space is used up: a new session is needed
  kCipherFailure,      // OpenSSL failed
  kUnknownStream,      // (agent) no outgoing stream with that id
};

std::string_view to_string(SealStatus status) noexcept;

struct SealResult {
  SealStatus status = SealStatus::kOk;
  std::size_t size = 0;  // bytes of `out` that form the packet
};

struct SendingStats {
  std::uint64_t packets_sealed = 0;
  std::uint64_t bytes_sealed = 0;  // on the wire, header and tag included
  std::uint64_t unit_switches = 0;
  std::uint64_t epochs = 0;                 // epoch changes since the first epoch
  std::uint64_t epoch_changes_delayed = 0;  // distributed mode: next seed not there in time
};

struct SendingConfig : SectionConfig {
  std::uint64_t packets_per_epoch = std::uint64_t{1} << 20;
  std::uint64_t first_sequence = 0;
};

class SendingSection {
 public:
  // Throws std::invalid_argument for a bad configuration and std::runtime_error if the
  // first epoch's keys cannot be derived.
  SendingSection(const SendingConfig& config, crypto::Secret initial_seed);

  std::size_t max_payload() const noexcept { return config_.mtu - kPacketOverhead; }

  // Seals `payload` into `out`. The payload may already sit at out.data() + kHeaderSize
  // (sealed in place); it must not otherwise overlap `out`. Allocates nothing except at
  // an epoch change.
  SealResult seal(Bytes payload, MutableBytes out) noexcept;

  // Distributed mode: the seed of the epoch after the current one. Returns false if
  // `epoch` is not current + 1.
  bool set_next_seed(std::uint32_t epoch, const crypto::Secret& seed) noexcept;
  // Whether the next epoch's seed is held: when it is not, the seed generating section
  // owes this stream one before the epoch's quota runs out.
  bool has_next_seed() const noexcept { return next_seed_.has_value(); }

  std::uint32_t epoch() const noexcept { return keys_->epoch(); }
  // The seed of the current epoch: what a viewer joining now needs (with epoch()).
  const crypto::Secret& current_seed() const noexcept { return chain_.seed(); }
  std::uint64_t next_sequence() const noexcept { return next_sequence_; }
  const SendingStats& stats() const noexcept { return stats_; }

 private:
  void maybe_change_epoch() noexcept;

  SendingConfig config_;
  // The current epoch's seed: derived forward (synchronized) or replaced by the delivered
  // seed (distributed).
  crypto::SeedChain chain_;
  std::unique_ptr<crypto::EpochKeys> keys_;
  std::optional<crypto::Secret> next_seed_;  // distributed mode
  std::uint64_t next_sequence_;
  std::uint64_t packets_in_epoch_ = 0;
  std::optional<std::uint32_t> last_unit_;
  SendingStats stats_;
};

}  // namespace agentcast::net
