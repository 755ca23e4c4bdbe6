#pragma once
// The frame buffer between capture and the video encoder (DESIGN.md, "The pipeline"): it
// absorbs the difference between the capture rate and the encoding rate.
//
// It is bounded, and when it is full a push drops the OLDEST queued frame rather than the
// new one or blocking the capture thread: for live video, freshness beats completeness. A
// late frame is worth less than the one just captured, and a stalled camera callback would
// only turn encoder slowness into capture jitter. Every drop is counted so that it shows in
// the stats.
//
// Any number of threads may push and pop (in the pipeline: one capture thread, one encoder
// thread). Frames are moved, never copied; an evicted frame is destroyed outside the
// lock. Slots are allocated once, in the constructor.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>
#include <vector>

namespace agentcast::media {

// A consistent snapshot of a FrameBuffer's counters: pushed == popped + dropped + queued.
struct FrameBufferStats {
  std::uint64_t pushed = 0;   // frames accepted by push()
  std::uint64_t popped = 0;   // frames handed to a consumer
  std::uint64_t dropped = 0;  // oldest frames evicted by a push into a full buffer
  std::size_t queued = 0;     // frames waiting now

  friend bool operator==(const FrameBufferStats&, const FrameBufferStats&) = default;
};

namespace detail {
// Returns `capacity`, or throws std::invalid_argument if it is 0.
std::size_t checked_frame_capacity(std::size_t capacity);
}  // namespace detail

template <typename Frame>
class FrameBuffer {
  static_assert(std::is_nothrow_move_constructible_v<Frame>,
                "frames are moved through the buffer; their move must not throw");
  static_assert(std::is_nothrow_destructible_v<Frame>);

 public:
  using Clock = std::chrono::steady_clock;

  // Holds up to `capacity` frames; throws std::invalid_argument for 0.
  explicit FrameBuffer(std::size_t capacity)
      : capacity_(detail::checked_frame_capacity(capacity)), slots_(capacity_) {}

  FrameBuffer(const FrameBuffer&) = delete;
  FrameBuffer& operator=(const FrameBuffer&) = delete;

  // Queues `frame` without ever blocking on a consumer; if the buffer is full the oldest
  // queued frame is dropped (and counted) to make room. Returns false, leaving `frame`
  // untouched, once the buffer is closed.
  bool push(Frame&& frame) {
    std::optional<Frame> evicted;  // declared first: destroyed after the lock is released
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      if (count_ == capacity_) {
        evicted = take_locked();
        dropped_.fetch_add(1, std::memory_order_relaxed);
      }
      slots_[(head_ + count_) % capacity_].emplace(std::move(frame));
      ++count_;
      pushed_.fetch_add(1, std::memory_order_relaxed);
    }
    ready_.notify_one();
    return true;
  }

  // Takes the oldest frame if there is one, without waiting.
  std::optional<Frame> try_pop() {
    std::lock_guard lock(mutex_);
    return pop_locked();
  }

  // Waits for the oldest frame. Empty once the buffer is closed and drained, or when
  // `stop` is requested while nothing is queued.
  std::optional<Frame> pop(std::stop_token stop = {}) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, stop, [this] { return count_ > 0 || closed_; });
    return pop_locked();
  }

  // As pop(), but also gives up (empty) when `deadline` passes with nothing queued.
  std::optional<Frame> pop_until(Clock::time_point deadline, std::stop_token stop = {}) {
    std::unique_lock lock(mutex_);
    ready_.wait_until(lock, stop, deadline, [this] { return count_ > 0 || closed_; });
    return pop_locked();
  }

  // As pop(), but also gives up (empty) after `timeout` with nothing queued.
  template <typename Rep, typename Period>
  std::optional<Frame> pop_for(std::chrono::duration<Rep, Period> timeout,
                               std::stop_token stop = {}) {
    const Clock::time_point now = Clock::now();
    // Compared in floating point: a huge timeout (say hours::max()) must not overflow.
    using Seconds = std::chrono::duration<double>;
    if (Seconds(timeout) >= Seconds(Clock::time_point::max() - now)) return pop(std::move(stop));
    return pop_until(now + std::chrono::ceil<Clock::duration>(timeout), std::move(stop));
  }

  // Refuses further pushes and wakes every waiting consumer; frames already queued can
  // still be popped, after which pops return empty at once. Idempotent.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  std::size_t capacity() const noexcept { return capacity_; }

  // Counters, readable from any thread without the lock (each individually up to date;
  // use stats() when they must agree with each other).
  std::uint64_t pushed() const noexcept { return pushed_.load(std::memory_order_relaxed); }
  std::uint64_t popped() const noexcept { return popped_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

  FrameBufferStats stats() const {
    std::lock_guard lock(mutex_);
    return {pushed(), popped(), dropped(), count_};
  }

 private:
  // Requires the lock and count_ > 0: removes the oldest frame.
  std::optional<Frame> take_locked() noexcept {
    std::optional<Frame> frame = std::move(slots_[head_]);
    slots_[head_].reset();
    head_ = (head_ + 1) % capacity_;
    --count_;
    return frame;
  }
  // Requires the lock: removes the oldest frame for a consumer, if any.
  std::optional<Frame> pop_locked() noexcept {
    if (count_ == 0) return std::nullopt;
    popped_.fetch_add(1, std::memory_order_relaxed);
    return take_locked();
  }

  const std::size_t capacity_;

  // Guarded by mutex_ (any thread).
  mutable std::mutex mutex_;
  std::condition_variable_any ready_;        // signalled on push and on close
  std::vector<std::optional<Frame>> slots_;  // a ring: count_ frames from head_
  std::size_t head_ = 0;                     // slot of the oldest frame
  std::size_t count_ = 0;
  bool closed_ = false;

  // Written under mutex_, read from any thread without it.
  std::atomic<std::uint64_t> pushed_{0};
  std::atomic<std::uint64_t> popped_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace agentcast::media
