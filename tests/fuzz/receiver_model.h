#pragma once
// The receiving-section fuzzer's reference model of the receiver's rules (docs/PROTOCOL.md
// §8): which sequence numbers and epochs a receiving section must refuse, from a state of
// its own that the fuzzer moves only with what the section accepted. The checks of the
// header, size, stream and origin tag that come before it are prefix_status() in
// receiving_section_fuzzer.cpp.

#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "agentcast/crypto/selection.h"
#include "agentcast/net/packet.h"
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/replay_window.h"

namespace agentcast::fuzz {

// The receiver's rules (PROTOCOL.md §8) as a model: the replay window as a set, and
// which epochs' keys are held.
class ReceiverModel {
 public:
  ReceiverModel(bool synchronized, bool instructed, std::uint64_t first_sequence)
      : synchronized_(synchronized), instructed_(instructed), first_sequence_(first_sequence) {}

  // The status for a packet whose header, size, stream and buffer passed, or nullopt if
  // the receiver must try to open it.
  std::optional<net::OpenStatus> predict(const net::PacketHeader& header) const {
    if (header.sequence < first_sequence_) return net::OpenStatus::kBeforeStart;
    const std::uint64_t newest = highest_ ? *highest_ : first_sequence_;
    if (header.sequence > newest &&
        header.sequence - newest > net::ReceivingSection::kMaxForwardJump) {
      return net::OpenStatus::kTooFarAhead;
    }
    if (highest_ && header.sequence <= *highest_) {
      if (*highest_ - header.sequence >= net::ReplayWindow::kSize) return net::OpenStatus::kTooOld;
      if (accepted_.count(header.sequence) != 0) return net::OpenStatus::kReplay;
    }
    const std::uint64_t epoch = header.epoch;
    if (epoch < oldest_) return net::OpenStatus::kStaleEpoch;
    if (epoch > current_ + kFuture) return net::OpenStatus::kUnknownEpoch;
    // Synchronized: every epoch in reach is derived (by trial ahead). Distributed: only
    // those whose seed was provided.
    if (!synchronized_ && seeded_.count(epoch) == 0) return net::OpenStatus::kUnknownEpoch;
    if (instructed_ && blocks_.count(header.sequence / kBlockPackets) == 0) {
      return net::OpenStatus::kNoInstruction;
    }
    return std::nullopt;
  }

  // ReceivingSection::provide_instructions with well-formed runs, the same as any held
  // for the block.
  bool provide_instructions(std::uint64_t block) {
    if (!instructed_ || block > crypto::kMaxSequence / kBlockPackets) return false;
    const std::uint64_t last = block * kBlockPackets + kBlockPackets - 1;
    if (highest_ && *highest_ > last && *highest_ - last >= net::ReplayWindow::kSize) {
      return false;
    }
    if (blocks_.count(block) != 0) return true;
    if (blocks_.size() == net::ReceivingSection::kInstructedBlocks) {
      if (block < *blocks_.begin()) return false;
      blocks_.erase(blocks_.begin());
    }
    blocks_.insert(block);
    return true;
  }
  bool holds_instructions(std::uint64_t block) const { return blocks_.count(block) != 0; }

  void accept(const net::PacketHeader& header) {
    if (!highest_ || header.sequence > *highest_) highest_ = header.sequence;
    accepted_.insert(header.sequence);
    while (*highest_ - *accepted_.begin() >= net::ReplayWindow::kSize)
      accepted_.erase(accepted_.begin());
    if (header.epoch > current_) {
      current_ = header.epoch;
      if (current_ - oldest_ > kMaxPast) oldest_ = current_ - kMaxPast;
    }
    auto [lowest, inserted] = lowest_accepted_.try_emplace(header.epoch, header.sequence);
    if (!inserted) lowest->second = std::min(lowest->second, header.sequence);
    // An epoch goes once a later epoch's lowest accepted packet is behind the window.
    if (*highest_ >= net::ReplayWindow::kSize) {
      const std::uint64_t too_old_below = *highest_ - net::ReplayWindow::kSize + 1;
      for (const auto& [later, sequence] : lowest_accepted_) {
        if (later > oldest_ && sequence <= too_old_below) oldest_ = std::min(later, current_);
      }
    }
    while (!lowest_accepted_.empty() && lowest_accepted_.begin()->first < oldest_)
      lowest_accepted_.erase(lowest_accepted_.begin());
    while (!seeded_.empty() && *seeded_.begin() < oldest_)
      seeded_.erase(seeded_.begin());
  }

  // ReceivingSection::rekey with a well-formed seed, of an epoch after the current one:
  // that epoch's seed is replaced (synchronized: and every later one, derived from it).
  bool rekey(std::uint64_t epoch) {
    if (epoch > current_ + kFuture || epoch < oldest_) return false;
    if (synchronized_) seeded_.erase(seeded_.lower_bound(epoch), seeded_.end());
    seeded_.insert(epoch);
    return true;
  }

  // ReceivingSection::provide_seed with a well-formed seed.
  bool provide_seed(std::uint64_t epoch) {
    if (synchronized_ || epoch > current_ + kFuture || epoch < oldest_) return false;
    seeded_.insert(epoch);
    return true;
  }

  std::uint64_t current() const { return current_; }
  std::optional<std::uint64_t> highest() const { return highest_; }

 private:
  static constexpr std::uint64_t kBlockPackets = crypto::kScheduleBlockPackets;

  static constexpr std::uint64_t kMaxPast = net::ReceivingSection::kMaxPastEpochs;
  static constexpr std::uint64_t kFuture = net::ReceivingSection::kFutureEpochs;

  bool synchronized_;
  bool instructed_;
  std::uint64_t first_sequence_;
  std::set<std::uint64_t> blocks_;  // instructed selection: the blocks held
  std::uint64_t current_ = 0;
  std::uint64_t oldest_ = 0;                                // epochs below are stale
  std::map<std::uint64_t, std::uint64_t> lowest_accepted_;  // by epoch: sequence number
  std::set<std::uint64_t> seeded_{0};  // distributed: the epochs whose seed is held
  std::set<std::uint64_t> accepted_;   // within the window
  std::optional<std::uint64_t> highest_;
};

}  // namespace agentcast::fuzz
