#pragma once
// Sliding replay window over 48-bit sequence numbers (RFC 4303 §3.4.3 style, as a ring
// bitmap). A sequence number is committed only after its packet authenticated, so a
// forged packet cannot move the window.

#include <array>
#include <cstdint>

namespace agentcast::net {

class ReplayWindow {
 public:
  static constexpr std::uint64_t kSize = 2048;  // packets; DESIGN.md asks for >= 1024

  enum class Verdict : std::uint8_t { kFresh, kDuplicate, kTooOld };

  Verdict check(std::uint64_t sequence) const noexcept;
  // Records `sequence`, which check() called fresh.
  void commit(std::uint64_t sequence) noexcept;

  bool empty() const noexcept { return empty_; }
  std::uint64_t highest() const noexcept { return highest_; }

 private:
  bool test(std::uint64_t sequence) const noexcept;
  void set(std::uint64_t sequence, bool value) noexcept;

  std::array<std::uint64_t, kSize / 64> bits_{};
  std::uint64_t highest_ = 0;
  bool empty_ = true;
};

}  // namespace agentcast::net
