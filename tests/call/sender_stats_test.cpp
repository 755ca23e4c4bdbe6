// The sender's statistics under a flood of ended sessions stay bounded and keep the keys
// docs/STATS.md names.
#include "sender_stats.h"

#include <gtest/gtest.h>

#include <QtCore/QJsonArray>

namespace agentcast::app {
namespace {

TEST(SessionEndLog, KeepsTheLatestSessionsAndCountsEveryOne) {
  SessionEndLog log;
  for (int i = 0; i < 1000; ++i) {
    log.add({static_cast<std::uint16_t>(i % 256), "v" + std::to_string(i), "127.0.0.1:1",
             i % 3 == 0 ? "flooding" : "silent", "detail"});
  }
  const QJsonArray kept = log.to_json();
  ASSERT_EQ(kept.size(), static_cast<qsizetype>(SessionEndLog::kKept));
  EXPECT_EQ(kept.last().toObject()["name"].toString(), "v999");
  EXPECT_EQ(kept.first().toObject()["name"].toString(),
            QString("v%1").arg(1000 - SessionEndLog::kKept));
  const QJsonObject by_reason = log.by_reason().to_json();
  EXPECT_EQ(by_reason["flooding"].toInteger(), 334);
  EXPECT_EQ(by_reason["silent"].toInteger(), 666);
  EXPECT_EQ(log.by_reason().total(), 1000u);
}

TEST(SenderStats, AnEndedSessionHasTheKeysTheStatsDocumentNames) {
  const QJsonObject json = EndedSession{3, "eve", "127.0.0.2:5000", "stalled", "why"}.to_json();
  for (const char* key : {"slot", "name", "address", "reason", "detail"})
    EXPECT_TRUE(json.contains(key)) << key;
  const QJsonObject control = ControlStats{}.to_json();
  for (const char* key :
       {"connections_accepted", "connections_evicted", "handshakes_failed", "greetings_timed_out",
        "unfinished_connections", "unfinished_connections_peak"})
    EXPECT_TRUE(control.contains(key)) << key;
  const QJsonObject paths = PathStats{}.to_json();
  for (const char* key : {"challenges_sent", "validated", "responses_unmatched"})
    EXPECT_TRUE(paths.contains(key)) << key;
}

}  // namespace
}  // namespace agentcast::app
