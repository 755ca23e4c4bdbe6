#include "agentcast/net/replay_window.h"

namespace agentcast::net {

ReplayWindow::Verdict ReplayWindow::check(std::uint64_t sequence) const noexcept {
  if (empty_ || sequence > highest_) return Verdict::kFresh;
  if (highest_ - sequence >= kSize) return Verdict::kTooOld;
  return test(sequence) ? Verdict::kDuplicate : Verdict::kFresh;
}

void ReplayWindow::commit(std::uint64_t sequence) noexcept {
  if (empty_) {
    empty_ = false;
    highest_ = sequence;
  } else if (sequence > highest_) {
    const std::uint64_t advance = sequence - highest_;
    if (advance >= kSize) {
      bits_.fill(0);
    } else {
      // Slots that now stand for new, unseen sequence numbers start clear.
      for (std::uint64_t s = highest_ + 1; s < sequence; ++s)
        set(s, false);
    }
    highest_ = sequence;
  }
  set(sequence, true);
}

bool ReplayWindow::test(std::uint64_t sequence) const noexcept {
  const std::uint64_t slot = sequence % kSize;
  return (bits_[slot / 64] >> (slot % 64)) & 1U;
}

void ReplayWindow::set(std::uint64_t sequence, bool value) noexcept {
  const std::uint64_t slot = sequence % kSize;
  const std::uint64_t mask = std::uint64_t{1} << (slot % 64);
  if (value) {
    bits_[slot / 64] |= mask;
  } else {
    bits_[slot / 64] &= ~mask;
  }
}

}  // namespace agentcast::net
