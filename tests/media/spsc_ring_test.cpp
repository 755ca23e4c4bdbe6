// SpscRing: single-thread semantics, then a producer and a consumer thread moving millions
// of items through a small ring.

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#include "agentcast/media/spsc_ring.h"

namespace agentcast::media {
namespace {

TEST(SpscRing, CapacityRoundsUpToAPowerOfTwo) {
  EXPECT_EQ(SpscRing<int>(1).capacity(), 1u);
  EXPECT_EQ(SpscRing<int>(2).capacity(), 2u);
  EXPECT_EQ(SpscRing<int>(3).capacity(), 4u);
  EXPECT_EQ(SpscRing<int>(5).capacity(), 8u);
  EXPECT_EQ(SpscRing<int>(1000).capacity(), 1024u);
  EXPECT_EQ(SpscRing<int>(1024).capacity(), 1024u);
  EXPECT_EQ(SpscRing<int>(1025).capacity(), 2048u);
}

TEST(SpscRing, RejectsZeroAndUnrepresentableCapacities) {
  EXPECT_THROW(SpscRing<int>(0), std::invalid_argument);
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
  constexpr std::size_t kLargest = kMax / 2 + 1;  // the largest power of two
  EXPECT_EQ(detail::ring_capacity_for(kLargest), kLargest);
  EXPECT_THROW(detail::ring_capacity_for(kLargest + 1), std::length_error);
  EXPECT_THROW(detail::ring_capacity_for(kMax), std::length_error);
}

TEST(SpscRing, PopsInPushOrder) {
  SpscRing<int> ring(4);
  EXPECT_TRUE(ring.empty());
  for (int i = 1; i <= 4; ++i)
    ASSERT_TRUE(ring.push(i));
  EXPECT_EQ(ring.size(), 4u);
  for (int i = 1; i <= 4; ++i) {
    int out = 0;
    ASSERT_TRUE(ring.pop(out));
    EXPECT_EQ(out, i);
  }
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRing, PopOnEmptyFailsAndLeavesOutputAlone) {
  SpscRing<int> ring(2);
  int out = 42;
  EXPECT_FALSE(ring.pop(out));
  EXPECT_EQ(out, 42);
  std::array<int, 3> many{7, 7, 7};
  EXPECT_EQ(ring.read(many), 0u);
  EXPECT_EQ(many, (std::array<int, 3>{7, 7, 7}));
}

TEST(SpscRing, PushOnFullFailsAndCountsAnOverrun) {
  SpscRing<int> ring(2);
  EXPECT_TRUE(ring.push(1));
  EXPECT_TRUE(ring.push(2));
  EXPECT_FALSE(ring.push(3));
  EXPECT_FALSE(ring.push(4));
  EXPECT_EQ(ring.overruns(), 2u);
  int out = 0;
  ASSERT_TRUE(ring.pop(out));
  EXPECT_EQ(out, 1);  // the items already queued are kept, the new ones refused
  EXPECT_TRUE(ring.push(5));
  EXPECT_EQ(ring.overruns(), 2u);
}

TEST(SpscRing, PartialBulkWriteAndReadAndOverrunInItems) {
  SpscRing<std::int16_t> ring(8);
  const std::array<std::int16_t, 5> first{1, 2, 3, 4, 5};
  const std::array<std::int16_t, 5> second{6, 7, 8, 9, 10};
  EXPECT_EQ(ring.write(first), 5u);
  EXPECT_EQ(ring.write(second), 3u);  // only 6, 7, 8 fit
  EXPECT_EQ(ring.overruns(), 2u);
  EXPECT_EQ(ring.write(std::span<const std::int16_t>()), 0u);  // nothing offered: no overrun
  EXPECT_EQ(ring.overruns(), 2u);
  EXPECT_EQ(ring.write(first), 0u);
  EXPECT_EQ(ring.overruns(), 7u);

  std::array<std::int16_t, 3> small{};
  EXPECT_EQ(ring.read(small), 3u);
  EXPECT_EQ(small, (std::array<std::int16_t, 3>{1, 2, 3}));
  std::array<std::int16_t, 10> big{};
  EXPECT_EQ(ring.read(big), 5u);  // partial: only 5 left
  EXPECT_EQ((std::array<std::int16_t, 5>{big[0], big[1], big[2], big[3], big[4]}),
            (std::array<std::int16_t, 5>{4, 5, 6, 7, 8}));
  EXPECT_EQ(big[5], 0);  // untouched beyond the count
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRing, WrapsAroundManyTimesWithUnevenChunks) {
  SpscRing<std::uint32_t> ring(8);
  std::uint32_t next_in = 0;
  std::uint32_t next_out = 0;
  std::vector<std::uint32_t> chunk;
  std::vector<std::uint32_t> out;
  for (std::size_t round = 0; round < 20'000; ++round) {
    const std::size_t in_size = 1 + round % 7;       // 1..7
    const std::size_t out_size = 1 + round * 3 % 8;  // 1..8
    chunk.resize(in_size);
    std::iota(chunk.begin(), chunk.end(), next_in);
    next_in += static_cast<std::uint32_t>(ring.write(chunk));
    out.assign(out_size, 0);
    const std::size_t got = ring.read(out);
    for (std::size_t i = 0; i < got; ++i)
      ASSERT_EQ(out[i], next_out++) << "round " << round;
    ASSERT_EQ(ring.size(), next_in - next_out);
  }
  EXPECT_GT(next_out, 50'000u);  // thousands of laps around 8 slots
}

TEST(SpscRing, HoldsTriviallyCopyableStructs) {
  struct Stereo {
    float left;
    float right;
  };
  SpscRing<Stereo> ring(3);
  const std::array<Stereo, 4> in{{{1, -1}, {2, -2}, {3, -3}, {4, -4}}};
  EXPECT_EQ(ring.write(in), 4u);
  std::array<Stereo, 4> out{};
  EXPECT_EQ(ring.read(out), 4u);
  EXPECT_EQ(out[3].left, 4.0f);
  EXPECT_EQ(out[3].right, -4.0f);
}

// Producer and consumer threads move `total` consecutive integers through a 64-slot ring
// in uneven chunks (or one at a time); the consumer checks every value. Nothing sleeps;
// a side that makes no progress past the deadline gives up, so a bug fails the test.
struct StressResult {
  std::uint64_t received = 0;
  std::uint64_t first_bad_index = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t refused = 0;  // items the producer offered that did not fit
  bool timed_out = false;
};

StressResult run_stress(std::uint64_t total, bool bulk) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(120);
  SpscRing<std::uint64_t> ring(64);
  std::atomic<bool> give_up{false};
  StressResult result;

  std::thread producer([&] {
    std::array<std::uint64_t, 37> chunk{};
    std::uint64_t next = 0;
    std::size_t turn = 0;
    while (next < total && !give_up.load(std::memory_order_relaxed)) {
      const std::size_t want = bulk ? 1 + turn++ % chunk.size() : 1;
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(want, total - next));
      for (std::size_t i = 0; i < n; ++i)
        chunk[i] = next + i;
      const std::size_t sent = bulk ? ring.write(std::span(chunk).first(n))
                                    : static_cast<std::size_t>(ring.push(chunk[0]));
      next += sent;
      result.refused += n - sent;
      if (sent == 0) {
        if (Clock::now() > deadline) give_up = true;
        std::this_thread::yield();
      }
    }
  });

  std::array<std::uint64_t, 29> out{};
  std::size_t turn = 0;
  while (result.received < total && !give_up.load(std::memory_order_relaxed)) {
    const std::size_t got = bulk ? ring.read(std::span(out).first(1 + turn++ % out.size()))
                                 : static_cast<std::size_t>(ring.pop(out[0]));
    for (std::size_t i = 0; i < got; ++i, ++result.received) {
      if (out[i] != result.received) {
        result.first_bad_index = result.received;
        give_up = true;
        break;
      }
    }
    if (got == 0) {
      if (Clock::now() > deadline) give_up = true;
      std::this_thread::yield();
    }
  }
  producer.join();
  result.timed_out = Clock::now() > deadline;
  EXPECT_EQ(ring.overruns(), result.refused);  // read after join: the producer is done
  EXPECT_TRUE(ring.empty());
  return result;
}

TEST(SpscRingThreads, FiveMillionIntegersInBulkArriveInOrder) {
  constexpr std::uint64_t kTotal = 5'000'000;
  const StressResult result = run_stress(kTotal, /*bulk=*/true);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.first_bad_index, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(result.received, kTotal);
}

TEST(SpscRingThreads, OneMillionSingleItemsArriveInOrder) {
  constexpr std::uint64_t kTotal = 1'000'000;
  const StressResult result = run_stress(kTotal, /*bulk=*/false);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.first_bad_index, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(result.received, kTotal);
}

}  // namespace
}  // namespace agentcast::media
