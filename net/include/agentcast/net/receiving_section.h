#pragma once
// The receiving section (patent Fig. 13, 14): checks the header, finds the epoch keys and
// the unit for the packet's sequence number, opens it, and rejects replays. Because the
// unit and key are a pure function of (epoch seed, sequence number), a lost packet's
// keystream is simply never asked for (Fig. 14A) and reordering cannot desynchronise
// (Fig. 14B). In instructed selection (Fig. 5) the unit comes from the instructions the
// sender posted ahead of use instead of from a schedule computed here.
// Single-threaded: one instance belongs to the stream's network-receive thread.

#include <array>
#include <cstdint>
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
};
inline constexpr std::size_t kOpenStatusCount = 14;

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

  // Opens `packet` into `out`, which needs packet.size() - kPacketOverhead bytes and may
  // be packet.data() + kHeaderSize (opened in place). Never throws; every outcome is
  // counted in stats().
  OpenResult open(Bytes packet, MutableBytes out) noexcept;

  // Distributed mode: the seed of a coming epoch, delivered ahead of use. Keys are held
  // for at most the previous, current and next epochs; a seed for the epoch after next
  // (sent while this end still trails the sender) waits underived until it is next.
  // False if `epoch` is neither current + 1 nor current + 2.
  bool provide_seed(std::uint32_t epoch, const crypto::Secret& seed) noexcept;

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

  std::uint32_t current_epoch() const noexcept { return current_->epoch(); }
  std::optional<std::uint64_t> highest_sequence() const noexcept;
  const ReceivingStats& stats() const noexcept { return stats_; }

 private:
  OpenResult finish(OpenResult result) noexcept;
  crypto::EpochKeys* keys_for(std::uint32_t epoch, OpenStatus& status) noexcept;
  void rotate_to_next() noexcept;
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
  std::unique_ptr<crypto::EpochKeys> previous_;
  std::unique_ptr<crypto::EpochKeys> current_;
  std::unique_ptr<crypto::EpochKeys> next_;
  std::optional<crypto::SeedChain> chain_;         // synchronized mode: positioned at next_'s epoch
  std::optional<crypto::Secret> seed_after_next_;  // distributed mode
  ReplayWindow window_;
  std::optional<std::uint32_t> unit_at_highest_;
  // Instructed selection only (null otherwise): allocated once, at construction.
  std::unique_ptr<InstructedBlocks> instructed_;
  ReceivingStats stats_;
};

}  // namespace agentcast::net
