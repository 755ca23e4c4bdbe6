// FrameBuffer: drop-oldest, exact counters, timeouts, close() and stop tokens waking a
// blocked consumer, and move-only frames crossing threads.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <type_traits>

#include "agentcast/media/frame_buffer.h"

namespace agentcast::media {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A frame's pixels stand-in: counts live instances, so that leaked or duplicated frames
// show up, and remembers its own address, so that a frame that arrives is the very object
// that was pushed.
struct Payload {
  static inline std::atomic<int> live{0};
  explicit Payload(std::uint64_t n) : index(n), origin(this) { ++live; }
  Payload(const Payload&) = delete;
  Payload& operator=(const Payload&) = delete;
  ~Payload() { --live; }
  std::uint64_t index;
  const Payload* origin;
};
using Frame = std::unique_ptr<Payload>;
static_assert(!std::is_copy_constructible_v<Frame>, "frames must be move-only here");

Frame make_frame(std::uint64_t index) {
  return std::make_unique<Payload>(index);
}

class FrameBufferTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(Payload::live.load(), 0); }
  void TearDown() override { EXPECT_EQ(Payload::live.load(), 0) << "frames leaked"; }
};

TEST_F(FrameBufferTest, RejectsZeroCapacity) {
  EXPECT_THROW(FrameBuffer<Frame>(0), std::invalid_argument);
}

TEST_F(FrameBufferTest, PopsInPushOrderBelowCapacity) {
  FrameBuffer<Frame> buffer(4);
  for (std::uint64_t i = 0; i < 3; ++i)
    ASSERT_TRUE(buffer.push(make_frame(i)));
  EXPECT_EQ(buffer.size(), 3u);
  for (std::uint64_t i = 0; i < 3; ++i) {
    std::optional<Frame> frame = buffer.try_pop();
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ((*frame)->index, i);
  }
  EXPECT_FALSE(buffer.try_pop().has_value());
  EXPECT_EQ(buffer.stats(), (FrameBufferStats{3, 3, 0, 0}));
}

TEST_F(FrameBufferTest, WhenFullDropsTheOldestAndKeepsTheNewestN) {
  FrameBuffer<Frame> buffer(3);
  for (std::uint64_t i = 0; i < 10; ++i)
    ASSERT_TRUE(buffer.push(make_frame(i)));
  EXPECT_EQ(buffer.dropped(), 7u);
  EXPECT_EQ(buffer.pushed(), 10u);
  EXPECT_EQ(buffer.size(), 3u);
  EXPECT_EQ(Payload::live.load(), 3);  // the dropped frames were destroyed
  for (std::uint64_t i = 7; i < 10; ++i) {
    std::optional<Frame> frame = buffer.try_pop();
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ((*frame)->index, i);
  }
  EXPECT_EQ(buffer.stats(), (FrameBufferStats{10, 3, 7, 0}));
}

TEST_F(FrameBufferTest, CapacityOneAlwaysHoldsTheLatestFrame) {
  FrameBuffer<Frame> buffer(1);
  for (std::uint64_t i = 0; i < 100; ++i) {
    ASSERT_TRUE(buffer.push(make_frame(i)));
    if (i % 10 == 9) {
      std::optional<Frame> frame = buffer.try_pop();
      ASSERT_TRUE(frame.has_value());
      EXPECT_EQ((*frame)->index, i);
    }
  }
  EXPECT_EQ(buffer.stats(), (FrameBufferStats{100, 10, 90, 0}));
}

TEST_F(FrameBufferTest, CountersAddUpAcrossInterleavedPushesAndPops) {
  FrameBuffer<Frame> buffer(5);
  std::uint64_t expected_drops = 0;
  std::size_t queued = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    if (queued == 5)
      ++expected_drops;
    else
      ++queued;
    ASSERT_TRUE(buffer.push(make_frame(i)));
    if (i % 3 == 0 && buffer.try_pop().has_value()) --queued;
  }
  const FrameBufferStats stats = buffer.stats();
  EXPECT_EQ(stats.dropped, expected_drops);
  EXPECT_EQ(stats.queued, queued);
  EXPECT_EQ(stats.pushed, stats.popped + stats.dropped + stats.queued);
}

TEST_F(FrameBufferTest, PopForTimesOutOnEmptyWithinItsDeadline) {
  FrameBuffer<Frame> buffer(2);
  const Clock::time_point start = Clock::now();
  EXPECT_FALSE(buffer.pop_for(50ms).has_value());
  const Clock::duration waited = Clock::now() - start;
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 5s);  // generous: a loaded machine may wake us late, never this late
  EXPECT_FALSE(buffer.pop_until(Clock::now() - 1s).has_value());  // past deadline: no wait
}

TEST_F(FrameBufferTest, PopForReturnsAQueuedFrameAtOnceEvenWithAHugeTimeout) {
  FrameBuffer<Frame> buffer(2);
  ASSERT_TRUE(buffer.push(make_frame(1)));
  std::optional<Frame> frame = buffer.pop_for(std::chrono::hours::max());  // no overflow
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ((*frame)->index, 1u);
}

TEST_F(FrameBufferTest, CloseDrainsQueuedFramesThenPopsReturnEmptyAtOnce) {
  FrameBuffer<Frame> buffer(4);
  ASSERT_TRUE(buffer.push(make_frame(1)));
  ASSERT_TRUE(buffer.push(make_frame(2)));
  buffer.close();
  EXPECT_TRUE(buffer.closed());
  Frame refused = make_frame(3);
  EXPECT_FALSE(buffer.push(std::move(refused)));
  ASSERT_NE(refused, nullptr);  // a refused frame stays with the caller
  EXPECT_EQ(refused->index, 3u);
  EXPECT_EQ((*buffer.pop())->index, 1u);
  EXPECT_EQ((*buffer.pop_for(std::chrono::hours::max()))->index, 2u);
  const Clock::time_point start = Clock::now();
  EXPECT_FALSE(buffer.pop().has_value());
  EXPECT_FALSE(buffer.pop_for(std::chrono::hours(1)).has_value());
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(buffer.stats(), (FrameBufferStats{2, 2, 0, 0}));
}

// The consumer blocks with a long deadline; close() must wake it well before that. The
// main thread waits for it with a bounded wait_for, so a missed wake-up fails rather than
// hangs (the join afterwards is bounded by the consumer's own deadline).
TEST_F(FrameBufferTest, CloseWakesABlockedConsumer) {
  FrameBuffer<Frame> buffer(2);
  std::promise<void> about_to_wait;
  std::promise<bool> got_frame;
  std::future<bool> result = got_frame.get_future();
  std::thread consumer([&] {
    about_to_wait.set_value();
    got_frame.set_value(buffer.pop_for(30s).has_value());
  });
  about_to_wait.get_future().wait();
  buffer.close();
  const bool woken = result.wait_for(10s) == std::future_status::ready;
  consumer.join();
  ASSERT_TRUE(woken) << "close() did not wake the consumer";
  EXPECT_FALSE(result.get());
}

TEST_F(FrameBufferTest, PushWakesABlockedConsumer) {
  FrameBuffer<Frame> buffer(2);
  std::promise<void> about_to_wait;
  std::promise<std::uint64_t> got_frame;
  std::future<std::uint64_t> result = got_frame.get_future();
  std::thread consumer([&] {
    about_to_wait.set_value();
    std::optional<Frame> frame = buffer.pop_for(30s);
    got_frame.set_value(frame ? (*frame)->index : 0);
  });
  about_to_wait.get_future().wait();
  ASSERT_TRUE(buffer.push(make_frame(42)));
  const bool woken = result.wait_for(10s) == std::future_status::ready;
  if (!woken) buffer.close();  // release the consumer before joining
  consumer.join();
  ASSERT_TRUE(woken) << "push() did not wake the consumer";
  EXPECT_EQ(result.get(), 42u);
}

TEST_F(FrameBufferTest, StopRequestWakesAConsumerBlockedInPop) {
  FrameBuffer<Frame> buffer(2);
  std::promise<void> about_to_wait;
  std::promise<bool> got_frame;
  std::future<bool> result = got_frame.get_future();
  std::jthread consumer([&](std::stop_token stop) {
    about_to_wait.set_value();
    got_frame.set_value(buffer.pop(stop).has_value());
  });
  about_to_wait.get_future().wait();
  consumer.request_stop();
  const bool woken = result.wait_for(10s) == std::future_status::ready;
  if (!woken) buffer.close();  // release the consumer before the jthread joins
  consumer.join();
  ASSERT_TRUE(woken) << "request_stop() did not wake the consumer";
  EXPECT_FALSE(result.get());
  EXPECT_FALSE(buffer.closed());  // stopping a consumer does not close the buffer
}

// A capture thread and an encoder thread: every frame either reaches the consumer, in
// order and as the very object that was pushed, or is counted as dropped.
TEST_F(FrameBufferTest, MoveOnlyFramesCrossThreadsInOrderAndAllAreAccountedFor) {
  constexpr std::uint64_t kFrames = 200'000;
  FrameBuffer<Frame> buffer(4);
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kFrames; ++i) {
      if (!buffer.push(make_frame(i))) return;
    }
    buffer.close();
  });

  std::uint64_t received = 0;
  std::uint64_t last = 0;
  bool in_order = true;
  bool same_objects = true;
  while (std::optional<Frame> frame = buffer.pop_for(30s)) {
    if (received > 0 && (*frame)->index <= last) in_order = false;
    if ((*frame)->origin != frame->get()) same_objects = false;
    last = (*frame)->index;
    ++received;
  }
  const bool closed_normally = buffer.closed();
  if (!closed_normally) buffer.close();  // timed out: stop the producer before joining
  producer.join();

  EXPECT_TRUE(closed_normally) << "consumer timed out";
  EXPECT_TRUE(in_order);
  EXPECT_TRUE(same_objects);
  EXPECT_EQ(last, kFrames - 1);  // the newest frame is never dropped
  const FrameBufferStats stats = buffer.stats();
  EXPECT_EQ(stats, (FrameBufferStats{kFrames, received, kFrames - received, 0}));
}

}  // namespace
}  // namespace agentcast::media
