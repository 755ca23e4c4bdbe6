#pragma once
// The sending section (patent Fig. 5, 12A): numbers each payload, picks the unit for that
// number, seals the payload with the header as associated data, and changes epoch keys.
// In instructed selection it is the only selection control of the stream: it tells the
// receivers the units through instructions() (Fig. 5, claims 3-4).
// Single-threaded: one instance belongs to the stream's network-send thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

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
  std::uint64_t rekeys = 0;                 // epochs entered with a re-key's fresh seed
  // The unit (index into the session's UnitSet) of the newest packet; -1 before the first.
  std::int32_t current_unit = -1;
};

struct SendingConfig : SectionConfig {
  std::uint64_t packets_per_epoch = std::uint64_t{1} << 20;
};

class SendingSection {
 public:
  // Throws std::invalid_argument for a bad configuration and std::runtime_error if the
  // first epoch's keys cannot be derived.
  SendingSection(const SendingConfig& config, crypto::Secret initial_seed);

  // On an origin-tagged stream room is left for the tag that the caller appends to each
  // viewer's copy; the packet seal() returns ends at the AEAD tag.
  std::size_t max_payload() const noexcept { return config_.mtu - config_.overhead(); }

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

  // Re-key (a viewer was removed), in both seed modes: `seed`, fresh random bytes that
  // only the remaining receivers are given, becomes the seed of the epoch after the
  // current one, replacing whatever this stream held or would have derived for it (in
  // synchronized mode every later seed is derived from it). The stream does not enter
  // that epoch until commit_rekey(): the receivers need the seed first. Meanwhile it
  // keeps sealing in the current epoch whatever its quota (counted as delayed), and
  // set_next_seed() is refused. Staging again before the commit replaces the seed.
  // Returns the re-key epoch; empty at the last epoch or for a seed of the wrong size.
  std::optional<std::uint32_t> prepare_rekey(const crypto::Secret& seed) noexcept;
  // The staged re-key of `epoch` takes effect at once: epoch() and current_seed() are the
  // re-key's, and the next packet is sealed in it. False if no re-key of that epoch is
  // staged.
  bool commit_rekey(std::uint32_t epoch) noexcept;

  // Instructed selection: the runs of schedule block `block` (the sequence numbers
  // block * crypto::kScheduleBlockPackets onwards), which the sender posts to the
  // receivers over the control channel. The sender must post block b + 1 no later than
  // when it starts sealing block b (and blocks first and first + 1 before its first
  // packet): a packet whose block has not arrived is refused as kNoInstruction, and a
  // whole block ahead covers any control-channel delay shorter than 4096 packets.
  // Empty in synchronized selection, for a block past the 48-bit sequence space, or if
  // OpenSSL fails. Touches nothing seal() uses but the immutable key, so it may be called
  // for any block, in any order, however far ahead.
  std::vector<crypto::UnitRun> instructions(std::uint64_t block) const;

  std::uint32_t epoch() const noexcept { return keys_->epoch(); }
  // The seed of the current epoch: what a viewer joining now needs (with epoch()).
  const crypto::Secret& current_seed() const noexcept { return chain_.seed(); }
  std::uint64_t next_sequence() const noexcept { return next_sequence_; }
  const SendingStats& stats() const noexcept { return stats_; }

 private:
  void maybe_change_epoch() noexcept;
  crypto::EpochKeys::Schedule epoch_schedule() const noexcept;

  SendingConfig config_;
  // The current epoch's seed: derived forward (synchronized) or replaced by the delivered
  // seed (distributed).
  crypto::SeedChain chain_;
  std::unique_ptr<crypto::EpochKeys> keys_;
  std::optional<crypto::Secret> next_seed_;  // distributed mode, or a staged re-key
  // A re-key's seed is in next_seed_: the epoch changes only once committed, then at once.
  bool rekey_staged_ = false;
  bool rekey_committed_ = false;
  std::uint64_t next_sequence_;
  std::uint64_t packets_in_epoch_ = 0;
  std::optional<std::uint32_t> last_unit_;
  // Instructed selection: the sender's own schedule, keyed once per stream with random
  // bytes rather than from an epoch seed, so that a block can be posted however far
  // ahead, even before the seed of the epoch it will fall in exists (distributed seeds).
  // Behind a pointer so that the section stays movable.
  crypto::Secret instruction_key_;
  std::unique_ptr<crypto::SelectionSchedule> instructed_;
  SendingStats stats_;
};

}  // namespace agentcast::net
