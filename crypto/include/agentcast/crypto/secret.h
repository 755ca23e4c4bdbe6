#pragma once
// Fixed-capacity secret storage that never allocates and wipes itself with OPENSSL_cleanse.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace agentcast::crypto {

using Bytes = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

// Largest secret the project handles: a 64-byte key of an encrypt-then-MAC unit.
inline constexpr std::size_t kMaxSecretSize = 64;

class Secret {
 public:
  Secret() noexcept = default;
  // Copies `bytes` (at most kMaxSecretSize; longer input is a programming error and aborts).
  explicit Secret(Bytes bytes) noexcept;
  Secret(const Secret& other) noexcept;
  Secret& operator=(const Secret& other) noexcept;
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  // A secret of `size` bytes from the OS CSPRNG (RAND_bytes). Throws std::runtime_error
  // when the CSPRNG fails: that is a setup error, never silently a weak seed.
  static Secret random(std::size_t size);

  Bytes bytes() const noexcept { return {data_.data(), size_}; }
  MutableBytes writable(std::size_t size) noexcept;  // resizes to `size` and exposes it
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  void wipe() noexcept;

  friend bool operator==(const Secret& a, const Secret& b) noexcept;  // constant time

 private:
  std::array<std::uint8_t, kMaxSecretSize> data_{};
  std::size_t size_ = 0;
};

}  // namespace agentcast::crypto
