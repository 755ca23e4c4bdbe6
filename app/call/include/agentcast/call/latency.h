#pragma once
// Percentiles of latency samples. Bounded: keeps the most recent kCapacity samples, enough
// for minutes of 30 fps video; older samples are overwritten.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace agentcast::app {

class LatencyRecorder {
 public:
  static constexpr std::size_t kCapacity = 1 << 16;

  void add(std::int64_t microseconds) {
    if (samples_.size() < kCapacity) {
      samples_.push_back(microseconds);
    } else {
      samples_[next_] = microseconds;
    }
    next_ = (next_ + 1) % kCapacity;
  }
  std::size_t count() const { return samples_.size(); }
  // The p-th percentile (0..100) in milliseconds; 0 with no samples.
  double percentile_ms(double p) const {
    if (samples_.empty()) return 0;
    std::vector<std::int64_t> sorted(samples_);
    const auto rank =
        static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(rank), sorted.end());
    return static_cast<double>(sorted[rank]) / 1000.0;
  }

 private:
  std::vector<std::int64_t> samples_;
  std::size_t next_ = 0;
};

}  // namespace agentcast::app
