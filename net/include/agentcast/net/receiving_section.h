#pragma once
// The receiving section (patent Fig. 13, 14): checks the header, finds the epoch keys and
// the unit for the packet's sequence number, opens it, and rejects replays. Because the
// unit and key are a pure function of (epoch seed, sequence number), a lost packet's
// keystream is simply never asked for (Fig. 14A) and reordering cannot desynchronise
// (Fig. 14B). In instructed selection (Fig. 5) the unit comes from the instructions the
// sender posted ahead of use instead of from a schedule computed here.
//
// Epochs: the keys of a past epoch are held while any of its packets could still be
// accepted, that is until a later epoch's packets have fallen behind the replay window
// (and at most kMaxPastEpochs behind the newest epoch, whatever the window). Ahead of the
// newest epoch a packet authenticated under, a stream that lost one or more whole epochs
// resynchronises on its next packet, up to kFutureEpochs ahead: synchronized seeds are
// derived by trial, the section moves to the new epoch only after a packet's tag
// verified under its keys, and since every seed ahead is derived once and kept, forged
// packets naming future epochs cost at most kFutureEpochs derivations before the stream
// moves on.
// Sequence numbers: nothing below the stream's first sequence number is accepted (a late
// joiner refuses what was sealed before its join), and no packet more than
// kMaxForwardJump ahead of the newest accepted one (one packet cannot push the replay
// window out to the end of the sequence space).
// Origin: on an origin-tagged stream (SectionConfig::origin_tagged) a packet is first
// checked against this receiver's own origin key, before any other state is looked at;
// whatever a member of the group forges is refused there (kWrongOrigin).
// Single-threaded: one instance belongs to the stream's network-receive thread.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/seed_chain.h"
#include "agentcast/net/replay_window.h"
#include "agentcast/net/section_config.h"

namespace agentcast::net {

enum class OpenStatus : std::uint8_t {
  kOk,
  kTruncated,       // shorter than header + tag
  kOversized,       // longer than the MTU
  kBadVersion,      // unknown protocol version
  kBadFlags,        // reserved flag bits set, or not exactly one kind
  kWrongStream,     // another stream's id or kind
  kUnknownEpoch,    // an epoch whose keys are not (yet) held
  kStaleEpoch,      // an epoch older than the previous one: its keys are wiped
  kReplay,          // sequence number already accepted
  kTooOld,          // behind the replay window
  kForged,          // tag did not verify
  kBufferTooSmall,  // caller's output buffer
  kCipherFailure,   // OpenSSL failed
  kNoInstruction,   // instructed selection: the instructions of the packet's block are not held
  kBeforeStart,     // numbered below the stream's first sequence number (before the join)
  kTooFarAhead,     // more than kMaxForwardJump ahead of the newest accepted packet
  kWrongOrigin,     // origin tag missing or not this receiver's (not sent it by the sender)
};
inline constexpr std::size_t kOpenStatusCount = 17;

std::string_view to_string(OpenStatus status) noexcept;

struct OpenResult {
  OpenStatus status = OpenStatus::kOk;
  PacketHeader header;   // valid when the header parsed
  std::size_t size = 0;  // plaintext bytes written to `out`
};

struct ReceivingStats {
  std::uint64_t packets_reordered = 0;  // accepted after a higher sequence number
  std::uint64_t unit_switches = 0;      // run boundaries crossed by the highest sequence
  std::uint64_t epochs = 0;             // epoch changes since the first epoch
  std::uint64_t rekeys = 0;             // re-keys taken (rekey())
  std::int32_t current_unit = -1;       // the unit of the highest accepted packet; -1: none yet
  std::array<std::uint64_t, kOpenStatusCount> by_status{};  // every packet, counted once

  std::uint64_t count(OpenStatus status) const noexcept {
    return by_status[static_cast<std::size_t>(status)];
  }
  std::uint64_t accepted() const noexcept { return count(OpenStatus::kOk); }
};

class ReceivingSection {
 public:
  // Throws std::invalid_argument for a bad configuration and std::runtime_error if the
  // first epoch's keys cannot be derived.
  ReceivingSection(const SectionConfig& config, crypto::Secret initial_seed);

  // Opens `packet` into `out`, which needs packet.size() - config.overhead() bytes and may
  // be packet.data() + kHeaderSize (opened in place). Never throws; every outcome is
  // counted in stats().
  OpenResult open(Bytes packet, MutableBytes out) noexcept;

  static constexpr std::uint32_t kMaxPastEpochs = 1024;
  static constexpr std::uint32_t kFutureEpochs = 32;
  static constexpr std::uint64_t kMaxForwardJump = std::uint64_t{1} << 16;

  // Distributed mode: the seed of an epoch, delivered ahead of use (or again, when this
  // end asked for one it lacked). Accepted for an epoch within kFutureEpochs ahead of the
  // current one, or behind it but not yet dropped (oldest_epoch()); a seed for an epoch
  // already held is ignored (true: the sender sends each epoch's seed unchanged).
  // False, and nothing stored, otherwise.
  bool provide_seed(std::uint32_t epoch, const crypto::Secret& seed) noexcept;
  // Re-key, both seed modes (the sender removed a viewer): `seed` is the seed of `epoch`,
  // fresh bytes the removed viewer never had. Every seed and key held for `epoch` and
  // later is wiped and replaced by it; in synchronized mode the chain continues from it,
  // so later seeds are derived from it by trial as usual. Packets of `epoch` onwards
  // sealed under the old seeds are then refused as forged. A re-key of an epoch this end
  // already moved into (only a packet forged by a holder of the old keys could have taken
  // it there) makes `epoch` current again. False, and nothing changed, for an epoch
  // already dropped (below oldest_epoch()), more than kFutureEpochs ahead, or a seed of
  // the wrong size.
  bool rekey(std::uint32_t epoch, const crypto::Secret& seed) noexcept;

  // Distributed mode: the newest epoch of the packets refused because its seed was not
  // held, while that epoch is still within reach; what this end should ask the sender
  // for again (the sender can answer for its current and next epochs). Empty once that
  // seed arrived or the stream moved past it.
  std::optional<std::uint32_t> missing_seed() const noexcept;

  // Instructed selection: the runs of schedule block `block`, as the sender's
  // instructions() gave them. At most kInstructedBlocks blocks are held; a new block
  // evicts the lowest. False, and nothing stored, when this section is not in instructed
  // selection, when the runs are malformed (empty, a unit index out of the unit list, a
  // length outside 1-92, lengths not summing to exactly crypto::kScheduleBlockPackets),
  // for a block past the 48-bit sequence space or wholly behind the replay window, for a
  // block lower than every held one when all slots are taken, and for runs that differ
  // from those already held for the block (the same runs again are accepted).
  bool provide_instructions(std::uint64_t block, std::span<const crypto::UnitRun> runs) noexcept;
  static constexpr std::size_t kInstructedBlocks = 4;

  std::uint32_t current_epoch() const noexcept { return current_epoch_; }
  // The oldest epoch whose packets may still be accepted; older ones are stale.
  std::uint32_t oldest_epoch() const noexcept { return oldest_epoch_; }
  std::optional<std::uint64_t> highest_sequence() const noexcept;
  const ReceivingStats& stats() const noexcept { return stats_; }

 private:
  // An epoch whose keys may be needed: its seed until the keys are derived (lazily, on
  // its first packet), then the keys alone.
  struct HeldEpoch {
    std::optional<crypto::Secret> seed;
    std::unique_ptr<crypto::EpochKeys> keys;
    std::optional<std::uint64_t> lowest_accepted;  // sequence number
  };

  OpenResult finish(OpenResult result) noexcept;
  crypto::EpochKeys* keys_for(std::uint32_t epoch, OpenStatus& status) noexcept;
  bool derive_keys(std::uint32_t epoch, HeldEpoch& held) noexcept;
  void move_to_epoch(std::uint32_t epoch) noexcept;
  void drop_epochs_behind_window() noexcept;
  void drop_epochs_below(std::uint32_t epoch) noexcept;
  crypto::EpochKeys::Schedule epoch_schedule() const noexcept;

  // One block of posted instructions, unpacked to a unit index per packet so that open()
  // looks a packet's unit up in one step. An index fits a byte: a session has at most 255
  // units.
  struct InstructedBlock {
    std::uint64_t index = 0;
    bool held = false;
    std::array<std::uint8_t, crypto::kScheduleBlockPackets> units{};
  };
  using InstructedBlocks = std::array<InstructedBlock, kInstructedBlocks>;
  const InstructedBlock* instructed_block(std::uint64_t block) const noexcept;

  SectionConfig config_;
  std::optional<crypto::OriginTag> origin_;  // origin-tagged streams
  std::uint32_t current_epoch_;
  std::uint32_t oldest_epoch_;
  // Epochs from oldest_epoch_ to current + kFutureEpochs, those that are held.
  std::map<std::uint32_t, HeldEpoch> epochs_;
  // Synchronized mode: positioned at the highest epoch in epochs_.
  std::optional<crypto::SeedChain> chain_;
  std::optional<std::uint32_t> missing_seed_;  // distributed mode
  ReplayWindow window_;
  std::optional<std::uint32_t> unit_at_highest_;
  // Instructed selection only (null otherwise): allocated once, at construction.
  std::unique_ptr<InstructedBlocks> instructed_;
  ReceivingStats stats_;
};

}  // namespace agentcast::net
