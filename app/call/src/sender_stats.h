#pragma once
// The sender's own statistics (docs/STATS.md), as typed structs, each with one to_json()
// that names its keys. Counters are atomics, written by the thread that counts and read
// by any thread; the reason tallies and the log of ended sessions take a small mutex.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>

#include "roster.h"

namespace agentcast::app {

using Counter = std::atomic<std::uint64_t>;

inline void count(Counter& counter, std::uint64_t n = 1) noexcept {
  counter.fetch_add(n, std::memory_order_relaxed);
}

// Counts by a reason's name: {"silent": 2, ...}.
class ReasonTally {
 public:
  void add(std::string_view reason);
  std::uint64_t total() const;
  QJsonObject to_json() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> counts_;
};

// `control`: the greeting of connections that are not viewers yet.
struct ControlStats {
  Counter connections_accepted{0};
  Counter connections_evicted{0};  // dropped to make room under the unfinished limits
  Counter handshakes_failed{0};
  Counter greetings_timed_out{0};
  // What left before admission: agent bundle bytes queued to greetings, and session
  // messages (the call's parameters) sent to admitted viewers.
  Counter agent_bytes_sent{0};
  Counter sessions_sent{0};
  std::atomic<std::size_t> unfinished_connections{0};
  std::atomic<std::size_t> unfinished_connections_peak{0};
  QJsonObject to_json() const;
};

// `paths`: address validation (docs/PROTOCOL.md §12).
struct PathStats {
  Counter challenges_sent{0};
  Counter validated{0};
  Counter responses_unmatched{0};
  QJsonObject to_json() const;
};

struct EndedSession {
  std::uint16_t slot = 0;
  std::string name, address, reason, detail;
  QJsonObject to_json() const;
};

// `sessions_ended` (the last 64) and `sessions_ended_by_reason` (all).
class SessionEndLog {
 public:
  static constexpr std::size_t kKept = 64;
  void add(EndedSession ended);
  QJsonArray to_json() const;
  const ReasonTally& by_reason() const noexcept { return by_reason_; }

 private:
  mutable std::mutex mutex_;
  std::deque<EndedSession> ended_;
  ReasonTally by_reason_;
};

// One entry of `viewers`.
QJsonObject to_json(const RosterEntry& viewer);

// What the sender's control side counts; the media pipelines keep their own.
struct SenderCounters {
  Counter keyframe_requests{0};
  Counter feedback_rejected{0};
  Counter instruction_blocks_posted{0};
  Counter instructions_refused{0};  // viewers' blocks for their own streams
  Counter seed_requests_answered{0};
  Counter seed_requests_ignored{0};  // not a stream of ours, or too soon after the last
  Counter agents_transferred{0};
  Counter agents_from_cache{0};
  ReasonTally refused;  // viewers_refused{,_by_reason}
  ControlStats control;
  PathStats paths;
  SessionEndLog sessions;
  // keyframe_requests ... agents_from_cache, viewers_refused{,_by_reason},
  // sessions_ended{,_by_reason}, control, paths.
  QJsonObject to_json() const;
};

}  // namespace agentcast::app
