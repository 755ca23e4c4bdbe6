#pragma once
// Selection control (patent Fig. 11): a deterministic generator, keyed from the epoch
// seed, decides which cipher unit protects each packet and for how many packets in a row.
//
// The patent draws (unit, run length) pairs one after another from a PRNG; a receiver
// then has to replay the whole history to find the unit of a late packet. Here the
// sequence space is cut into blocks of kScheduleBlockPackets and each block's runs are
// drawn from its own DRBG stream, so the unit of any sequence number is a pure function
// of (selection key, sequence number) that costs at most one block's draws to compute.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "agentcast/crypto/secret.h"

struct evp_cipher_ctx_st;

namespace agentcast::crypto {

inline constexpr std::uint32_t kMinRunLength = 1;
inline constexpr std::uint32_t kMaxRunLength = 92;  // the patent's range, 1 to 92 packets
inline constexpr std::uint64_t kScheduleBlockPackets = 4096;

// ChaCha20 keystream (OpenSSL) used as a deterministic random bit generator.
class SelectionDrbg {
 public:
  SelectionDrbg();
  ~SelectionDrbg();
  SelectionDrbg(const SelectionDrbg&) = delete;
  SelectionDrbg& operator=(const SelectionDrbg&) = delete;

  // Starts the stream `stream_index` of the 32-byte key. False if OpenSSL fails.
  bool reset(Bytes key, std::uint64_t stream_index) noexcept;
  std::uint32_t next_u32() noexcept;
  // Uniform in [0, bound) by rejection, without the bias of a plain modulo. bound >= 1.
  std::uint32_t uniform(std::uint32_t bound) noexcept;
  bool ok() const noexcept { return ok_; }

 private:
  void refill() noexcept;

  evp_cipher_ctx_st* ctx_ = nullptr;
  std::array<std::uint8_t, 256> buffer_{};
  std::size_t position_ = buffer_.size();
  bool ok_ = false;
};

struct UnitRun {
  std::uint32_t unit_index;
  std::uint32_t length;
};

class SelectionSchedule {
 public:
  // unit_count >= 1 (std::invalid_argument otherwise); the key is 32 bytes.
  SelectionSchedule(const Secret& selection_key, std::uint32_t unit_count);

  // The index, into the session's unit list, of the unit that protects `sequence`.
  // Near-monotonic lookups hit a cached block; empty only if OpenSSL fails.
  std::optional<std::uint32_t> unit_index(std::uint64_t sequence) noexcept;

  // The runs of one block, in order (their lengths sum to kScheduleBlockPackets).
  std::vector<UnitRun> block_runs(std::uint64_t block);

  std::uint32_t unit_count() const noexcept { return unit_count_; }

 private:
  struct Block {
    std::uint64_t index = UINT64_MAX;
    std::vector<std::uint16_t> run_ends;  // exclusive end offset of each run within the block
    std::vector<std::uint8_t> run_units;
    std::size_t cursor = 0;  // the run of the last lookup
  };

  bool fill(Block& block, std::uint64_t index) noexcept;

  Secret key_;
  std::uint32_t unit_count_;
  SelectionDrbg drbg_;
  std::array<Block, 2> blocks_;  // the two most recent blocks: reordering spans a boundary
  std::size_t most_recent_ = 0;
};

}  // namespace agentcast::crypto
