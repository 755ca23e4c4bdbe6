#pragma once
// Seed changing (patent Fig. 17, 18) in synchronized mode: both agents derive the seed of
// each epoch from the one before. Unlike the patent's PRNG re-seed, the step is one way
// (HKDF), and the previous seed is wiped, so a seed that leaks today does not reveal
// yesterday's keys.

#include <cstdint>

#include "agentcast/crypto/secret.h"

namespace agentcast::crypto {

class SeedChain {
 public:
  explicit SeedChain(Secret initial_seed, std::uint32_t first_epoch = 0) noexcept
      : seed_(std::move(initial_seed)), epoch_(first_epoch) {}

  std::uint32_t epoch() const noexcept { return epoch_; }
  const Secret& seed() const noexcept { return seed_; }

  // Moves to the next epoch and wipes the seed of the current one. False (and no change)
  // if OpenSSL fails or the epoch counter would wrap.
  bool advance() noexcept;

 private:
  Secret seed_;
  std::uint32_t epoch_;
};

}  // namespace agentcast::crypto
