#pragma once
// One keyframe answers every viewer that needs one. Whatever asks for it — a viewer's
// request, a joiner, a viewer whose media moved — asks here: a request within `gap` of the
// last forced keyframe is folded into the next one, forced once the gap has passed, so no
// number of viewers (struggling or hostile) or probes forces more than one per gap
// (about 12 a second at 80 ms), and no request is lost.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

namespace agentcast::app {

class KeyframeThrottle {
 public:
  KeyframeThrottle(std::function<void()> force, std::int64_t gap_us = 80'000);

  // Any thread. Forces a keyframe now if the gap has passed, else folds the request in.
  void request(std::int64_t now_us);
  // Forces a folded request once its gap has passed; call at least every 20 ms.
  void poll(std::int64_t now_us);

  std::uint64_t forced() const noexcept { return forced_.load(std::memory_order_relaxed); }
  std::uint64_t folded() const noexcept { return folded_.load(std::memory_order_relaxed); }

 private:
  bool take(std::int64_t now_us, bool is_request);

  const std::function<void()> force_;
  const std::int64_t gap_us_;
  std::mutex mutex_;  // guards the two below; `force_` runs outside it
  std::int64_t last_forced_us_ = INT64_MIN / 2;
  bool folded_pending_ = false;
  std::atomic<std::uint64_t> forced_{0}, folded_{0};
};

}  // namespace agentcast::app
