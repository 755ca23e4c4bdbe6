#pragma once
// What the viewer's control side and receive thread count (docs/STATS.md), beside the
// receiving pipeline's figures: atomics written by the thread that counts, one to_json().

#include <atomic>
#include <cstdint>

#include <QtCore/QJsonObject>

namespace agentcast::app {

struct ViewerCounters {
  using Counter = std::atomic<std::uint64_t>;
  Counter instructions_received{0};
  Counter instructions_refused{0};
  Counter feedback_dropped{0};
  Counter packets_from_strangers{0};
  Counter path_challenges_answered{0};

  static void count(Counter& counter) noexcept { counter.fetch_add(1, std::memory_order_relaxed); }
  QJsonObject to_json() const {
    auto n = [](const Counter& c) {
      return static_cast<qint64>(c.load(std::memory_order_relaxed));
    };
    QJsonObject json;
    json["instructions_received"] = n(instructions_received);
    json["instructions_refused"] = n(instructions_refused);
    json["feedback_dropped"] = n(feedback_dropped);
    json["packets_from_strangers"] = n(packets_from_strangers);
    json["path_challenges_answered"] = n(path_challenges_answered);
    return json;
  }
};

}  // namespace agentcast::app
