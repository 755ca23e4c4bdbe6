#include "sender_stats.h"

namespace agentcast::app {
namespace {

qint64 value(const Counter& counter) {
  return static_cast<qint64>(counter.load(std::memory_order_relaxed));
}

}  // namespace

void ReasonTally::add(std::string_view reason) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(reason);
  if (it == counts_.end()) it = counts_.emplace(std::string(reason), 0).first;
  ++it->second;
}

std::uint64_t ReasonTally::total() const {
  std::lock_guard lock(mutex_);
  std::uint64_t sum = 0;
  for (const auto& [reason, n] : counts_)
    sum += n;
  return sum;
}

QJsonObject ReasonTally::to_json() const {
  std::lock_guard lock(mutex_);
  QJsonObject json;
  for (const auto& [reason, n] : counts_)
    json[QString::fromStdString(reason)] = static_cast<qint64>(n);
  return json;
}

QJsonObject ControlStats::to_json() const {
  QJsonObject json;
  json["connections_accepted"] = value(connections_accepted);
  json["connections_evicted"] = value(connections_evicted);
  json["handshakes_failed"] = value(handshakes_failed);
  json["greetings_timed_out"] = value(greetings_timed_out);
  json["agent_bytes_sent"] = value(agent_bytes_sent);
  json["sessions_sent"] = value(sessions_sent);
  json["unfinished_connections"] = static_cast<qint64>(unfinished_connections.load());
  json["unfinished_connections_peak"] = static_cast<qint64>(unfinished_connections_peak.load());
  return json;
}

QJsonObject PathStats::to_json() const {
  QJsonObject json;
  json["challenges_sent"] = value(challenges_sent);
  json["validated"] = value(validated);
  json["responses_unmatched"] = value(responses_unmatched);
  return json;
}

QJsonObject EndedSession::to_json() const {
  QJsonObject json;
  json["slot"] = slot;
  json["name"] = QString::fromStdString(name);
  json["address"] = QString::fromStdString(address);
  json["reason"] = QString::fromStdString(reason);
  json["detail"] = QString::fromStdString(detail);
  return json;
}

void SessionEndLog::add(EndedSession ended) {
  by_reason_.add(ended.reason);
  std::lock_guard lock(mutex_);
  if (ended_.size() == kKept) ended_.pop_front();
  ended_.push_back(std::move(ended));
}

QJsonArray SessionEndLog::to_json() const {
  std::lock_guard lock(mutex_);
  QJsonArray json;
  for (const EndedSession& ended : ended_)
    json.append(ended.to_json());
  return json;
}

QJsonObject to_json(const RosterEntry& viewer) {
  QJsonObject json;
  json["slot"] = viewer.slot;
  json["name"] = QString::fromStdString(viewer.name);
  json["address"] = QString::fromStdString(viewer.address);
  json["media_address"] =
      viewer.media.empty() ? QString() : QString::fromStdString(viewer.media.to_string());
  json["agent"] = QString::fromStdString(viewer.agent);
  json["agent_transferred"] = viewer.agent_transferred;
  json["send_back"] = viewer.send_back;
  json["packets_lost"] = static_cast<qint64>(viewer.report.packets_lost);
  json["latency_p50_ms"] = viewer.report.latency_p50_us / 1000.0;
  return json;
}

QJsonObject SenderCounters::to_json() const {
  QJsonObject json;
  json["keyframe_requests"] = value(keyframe_requests);
  json["feedback_rejected"] = value(feedback_rejected);
  json["instruction_blocks_posted"] = value(instruction_blocks_posted);
  json["instructions_refused"] = value(instructions_refused);
  json["seed_requests_answered"] = value(seed_requests_answered);
  json["seed_requests_ignored"] = value(seed_requests_ignored);
  json["agents_transferred"] = value(agents_transferred);
  json["agents_from_cache"] = value(agents_from_cache);
  json["viewers_refused"] = static_cast<qint64>(refused.total());
  json["viewers_refused_by_reason"] = refused.to_json();
  json["sessions_ended"] = sessions.to_json();
  json["sessions_ended_by_reason"] = sessions.by_reason().to_json();
  json["control"] = control.to_json();
  json["paths"] = paths.to_json();
  return json;
}

}  // namespace agentcast::app
