#pragma once
// Lock-free single-producer/single-consumer ring buffer: the ADC and DAC rings of the
// pipeline (DESIGN.md, Fig. 20). One side is a PortAudio callback, which must never lock,
// allocate or log; so push/pop/write/read below do none of these, never block, and report
// how much they moved instead. Storage is allocated (and zeroed, so its pages are touched)
// once, in the constructor, which is the only member that may throw.
//
// Exactly one thread may call the producer functions (push, write) and exactly one thread
// the consumer functions (pop, read) at a time; size(), capacity() and overruns() may be
// called from any thread.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

namespace agentcast::media {

namespace detail {
// The smallest power of two >= `requested`. Throws std::invalid_argument for 0 and
// std::length_error when no such size_t exists.
std::size_t ring_capacity_for(std::size_t requested);
}  // namespace detail

// Cache line size used to keep the producer's and the consumer's fields apart. A constant
// rather than std::hardware_destructive_interference_size, whose value may differ between
// compilers (GCC warns about it in headers); 64 bytes is right for x86-64 and most ARM cores.
inline constexpr std::size_t kCacheLineSize = 64;

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>,
                "SpscRing moves items with plain copies; T must be trivially copyable");
  static_assert(std::is_default_constructible_v<T>, "SpscRing preallocates its slots");
  static_assert(std::atomic<std::size_t>::is_always_lock_free);
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

 public:
  // Holds at least `min_capacity` items (rounded up to a power of two). Throws
  // std::invalid_argument for 0, std::length_error or std::bad_alloc if too large.
  explicit SpscRing(std::size_t min_capacity)
      : capacity_(detail::ring_capacity_for(min_capacity)),
        mask_(capacity_ - 1),
        slots_(std::make_unique<T[]>(capacity_)) {}

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer. Appends one item; false (and one overrun counted) if the ring is full.
  bool push(const T& item) noexcept { return write(std::span<const T>(&item, 1)) == 1; }

  // Producer. Appends as many leading items of `items` as fit and returns how many; the
  // rest do not fit and are counted as overruns.
  std::size_t write(std::span<const T> items) noexcept {
    const std::size_t head = head_.load(std::memory_order_relaxed);  // only we write it
    std::size_t room = capacity_ - (head - cached_tail_);
    if (room < items.size()) {
      // Acquire: the consumer's reads of the slots it released happen before our writes.
      cached_tail_ = tail_.load(std::memory_order_acquire);
      room = capacity_ - (head - cached_tail_);
    }
    const std::size_t count = items.size() < room ? items.size() : room;
    if (count < items.size()) {
      // Only the producer writes the counter, so a plain load + store is enough.
      overruns_.store(overruns_.load(std::memory_order_relaxed) + (items.size() - count),
                      std::memory_order_relaxed);
    }
    if (count == 0) return 0;
    copy_in(head & mask_, items.first(count));
    head_.store(head + count, std::memory_order_release);  // publishes the slots
    return count;
  }

  // Consumer. Takes the oldest item into `out`; false (and `out` untouched) if empty.
  bool pop(T& out) noexcept { return read(std::span<T>(&out, 1)) == 1; }

  // Consumer. Fills the front of `out` with the oldest items and returns how many.
  std::size_t read(std::span<T> out) noexcept {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);  // only we write it
    std::size_t available = cached_head_ - tail;
    if (available < out.size()) {
      // Acquire: the producer's writes to the slots happen before our reads.
      cached_head_ = head_.load(std::memory_order_acquire);
      available = cached_head_ - tail;
    }
    const std::size_t count = out.size() < available ? out.size() : available;
    if (count == 0) return 0;
    copy_out(tail & mask_, out.first(count));
    tail_.store(tail + count, std::memory_order_release);  // hands the slots back
    return count;
  }

  // Any thread. Items queued right now: exact on the producer or consumer thread between
  // their own calls, a snapshot in [0, capacity()] anywhere else.
  std::size_t size() const noexcept {
    const std::size_t tail = tail_.load(std::memory_order_acquire);
    const std::size_t head = head_.load(std::memory_order_acquire);
    const std::size_t used = head - tail;  // tail read first, so head >= tail
    return used < capacity_ ? used : capacity_;
  }
  bool empty() const noexcept { return size() == 0; }
  std::size_t capacity() const noexcept { return capacity_; }

  // Any thread. Items the producer offered that did not fit, since construction.
  std::uint64_t overruns() const noexcept { return overruns_.load(std::memory_order_relaxed); }

 private:
  void copy_in(std::size_t index, std::span<const T> items) noexcept {
    const std::size_t first = items.size() < capacity_ - index ? items.size() : capacity_ - index;
    std::copy_n(items.data(), first, slots_.get() + index);
    std::copy_n(items.data() + first, items.size() - first, slots_.get());
  }
  void copy_out(std::size_t index, std::span<T> out) const noexcept {
    const std::size_t first = out.size() < capacity_ - index ? out.size() : capacity_ - index;
    std::copy_n(slots_.get() + index, first, out.data());
    std::copy_n(slots_.get(), out.size() - first, out.data() + first);
  }

  // Indices count items since construction and are reduced with `mask_` on access; size_t
  // wrap-around is harmless because the capacity is a power of two.

  // Immutable after construction; read by both threads.
  const std::size_t capacity_;
  const std::size_t mask_;
  const std::unique_ptr<T[]> slots_;  // slot i is written only by the producer while it
                                      // is free and read only by the consumer while full

  // Producer's cache line: head_ written by the producer (release), read by the consumer
  // (acquire); cached_tail_ and overruns_ written only by the producer.
  alignas(kCacheLineSize) std::atomic<std::size_t> head_{0};
  std::size_t cached_tail_ = 0;  // producer only: last tail_ seen, refreshed when short
  std::atomic<std::uint64_t> overruns_{0};

  // Consumer's cache line: tail_ written by the consumer (release), read by the producer
  // (acquire); cached_head_ written and read only by the consumer.
  alignas(kCacheLineSize) std::atomic<std::size_t> tail_{0};
  std::size_t cached_head_ = 0;  // consumer only: last head_ seen, refreshed when short
};

}  // namespace agentcast::media
