#include "keyframe_throttle.h"

#include <utility>

namespace agentcast::app {

KeyframeThrottle::KeyframeThrottle(std::function<void()> force, std::int64_t gap_us)
    : force_(std::move(force)), gap_us_(gap_us) {}

bool KeyframeThrottle::take(std::int64_t now_us, bool is_request) {
  std::lock_guard lock(mutex_);
  if (now_us - last_forced_us_ < gap_us_) {
    if (is_request) {
      folded_pending_ = true;
      folded_.fetch_add(1, std::memory_order_relaxed);
    }
    return false;
  }
  if (!is_request && !folded_pending_) return false;
  last_forced_us_ = now_us;
  folded_pending_ = false;
  return true;
}

void KeyframeThrottle::request(std::int64_t now_us) {
  if (!take(now_us, true)) return;
  forced_.fetch_add(1, std::memory_order_relaxed);
  force_();
}

void KeyframeThrottle::poll(std::int64_t now_us) {
  if (!take(now_us, false)) return;
  forced_.fetch_add(1, std::memory_order_relaxed);
  force_();
}

}  // namespace agentcast::app
