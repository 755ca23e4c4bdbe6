#include "agentcast/crypto/selection.h"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

#include "openssl_util.h"

namespace agentcast::crypto {

SelectionDrbg::SelectionDrbg() : ctx_(EVP_CIPHER_CTX_new()) {}

SelectionDrbg::~SelectionDrbg() {
  EVP_CIPHER_CTX_free(ctx_);
}

bool SelectionDrbg::reset(Bytes key, std::uint64_t stream_index) noexcept {
  const EVP_CIPHER* chacha = detail::cipher("ChaCha20");
  // OpenSSL's ChaCha20 IV: 32-bit little-endian block counter, then a 96-bit nonce.
  // The nonce is 0^32 || stream_index (big-endian).
  unsigned char iv[16] = {};
  for (int i = 0; i < 8; ++i)
    iv[15 - i] = static_cast<unsigned char>(stream_index >> (8 * i));
  ok_ = ctx_ != nullptr && chacha != nullptr && key.size() == 32 &&
        EVP_EncryptInit_ex2(ctx_, chacha, key.data(), iv, nullptr) == 1;
  position_ = buffer_.size();
  return ok_;
}

void SelectionDrbg::refill() noexcept {
  // The keystream is the encryption of zeros.
  std::fill(buffer_.begin(), buffer_.end(), 0);
  int len = 0;
  if (!ok_ || EVP_EncryptUpdate(ctx_, buffer_.data(), &len, buffer_.data(),
                                static_cast<int>(buffer_.size())) != 1) {
    ok_ = false;
  }
  position_ = 0;
}

std::uint32_t SelectionDrbg::next_u32() noexcept {
  if (position_ + 4 > buffer_.size()) refill();
  std::uint32_t v = std::uint32_t{buffer_[position_]} << 24 |
                    std::uint32_t{buffer_[position_ + 1]} << 16 |
                    std::uint32_t{buffer_[position_ + 2]} << 8 | buffer_[position_ + 3];
  position_ += 4;
  return v;
}

std::uint32_t SelectionDrbg::uniform(std::uint32_t bound) noexcept {
  if (bound <= 1) return 0;
  // Reject the lowest (2^32 mod bound) values so that every residue is equally likely.
  const std::uint32_t threshold = static_cast<std::uint32_t>(-bound) % bound;
  for (;;) {
    std::uint32_t v = next_u32();
    if (v >= threshold || !ok_) return v % bound;
  }
}

SelectionSchedule::SelectionSchedule(const Secret& selection_key, std::uint32_t unit_count)
    : key_(selection_key), unit_count_(unit_count) {
  if (unit_count == 0 || unit_count > 255) {
    throw std::invalid_argument("selection control needs between 1 and 255 units");
  }
  if (selection_key.size() != 32) throw std::invalid_argument("selection key must be 32 bytes");
  for (Block& block : blocks_) {
    block.run_ends.reserve(kScheduleBlockPackets);
    block.run_units.reserve(kScheduleBlockPackets);
  }
}

bool SelectionSchedule::fill(Block& block, std::uint64_t index) noexcept {
  block.index = UINT64_MAX;
  block.cursor = 0;
  block.run_ends.clear();
  block.run_units.clear();
  if (!drbg_.reset(key_.bytes(), index)) return false;
  std::uint64_t end = 0;
  while (end < kScheduleBlockPackets) {
    // Draw order is part of the protocol: unit first, then run length.
    const std::uint32_t unit = drbg_.uniform(unit_count_);
    const std::uint32_t length = kMinRunLength + drbg_.uniform(kMaxRunLength - kMinRunLength + 1);
    end = std::min<std::uint64_t>(end + length, kScheduleBlockPackets);
    block.run_ends.push_back(static_cast<std::uint16_t>(end));
    block.run_units.push_back(static_cast<std::uint8_t>(unit));
  }
  if (!drbg_.ok()) return false;
  block.index = index;
  return true;
}

std::optional<std::uint32_t> SelectionSchedule::unit_index(std::uint64_t sequence) noexcept {
  const std::uint64_t index = sequence / kScheduleBlockPackets;
  const auto offset = static_cast<std::uint16_t>(sequence % kScheduleBlockPackets);
  std::size_t slot = 0;
  while (slot < blocks_.size() && blocks_[slot].index != index)
    ++slot;
  if (slot == blocks_.size()) {
    slot = 1 - most_recent_;  // evict the block used less recently
    if (!fill(blocks_[slot], index)) return std::nullopt;
  }
  most_recent_ = slot;
  Block& block = blocks_[slot];
  // Sequence numbers mostly arrive in order: try the run of the last lookup and the one
  // after it before searching.
  auto covers = [&](std::size_t run) {
    return run < block.run_ends.size() && offset < block.run_ends[run] &&
           (run == 0 || offset >= block.run_ends[run - 1]);
  };
  if (!covers(block.cursor)) {
    if (covers(block.cursor + 1)) {
      ++block.cursor;
    } else {
      auto it = std::upper_bound(block.run_ends.begin(), block.run_ends.end(), offset);
      block.cursor = static_cast<std::size_t>(it - block.run_ends.begin());
    }
  }
  return block.run_units[block.cursor];
}

std::vector<UnitRun> SelectionSchedule::block_runs(std::uint64_t block_index) {
  Block block;
  std::vector<UnitRun> runs;
  if (!fill(block, block_index)) return runs;
  std::uint16_t start = 0;
  for (std::size_t i = 0; i < block.run_ends.size(); ++i) {
    runs.push_back({block.run_units[i], static_cast<std::uint32_t>(block.run_ends[i] - start)});
    start = block.run_ends[i];
  }
  return runs;
}

}  // namespace agentcast::crypto
