// The statistics overlay's lines from two snapshots of Viewer::stats_json().

#include <gtest/gtest.h>

#include <QtCore/QJsonObject>

#include "stats_summary.h"
#include "viewer_test_support.h"

namespace agentcast::viewer_ui {
namespace {

QJsonObject snapshot(double bytes, double received, double lost) {
  QJsonObject stats;
  stats["bytes_received"] = bytes;
  stats["packets_received"] = received;
  stats["packets_lost"] = lost;
  stats["jitter_ms"] = 2.24;
  stats["video_jitter"] = QJsonObject{{"frames_buffered", 2}, {"fragments_late", 5}};
  stats["latency_ms"] = QJsonObject{{"p50", 41.6}, {"p95", 58.2}, {"p99", 70.0}, {"samples", 90}};
  stats["unit"] = "aes-256-gcm";
  stats["epoch"] = 3;
  stats["agent"] = QJsonObject{{"kind", "full"}, {"hash", "0123456789abcdef0123"}};
  return stats;
}

TEST(ViewerStatsSummary, RatesOverTheInterval) {
  const QStringList lines =
      summarize_stats(snapshot(1'250'000, 1900, 100), snapshot(1'000'000, 1000, 0), 1.0);
  ASSERT_EQ(lines.size(), 6);
  EXPECT_EQ(test::text(lines[0]), "bitrate  2.00 Mbit/s");        // 250 kB in one second
  EXPECT_EQ(test::text(lines[1]), "loss     10.0 % (100 lost)");  // 100 of 1000 expected
  EXPECT_EQ(test::text(lines[2]), "jitter   2.2 ms · 2 frames held · 5 late");
  EXPECT_EQ(test::text(lines[3]), "latency  p50 42 ms · p95 58 ms");
  EXPECT_EQ(test::text(lines[4]), "unit     aes-256-gcm · epoch 3");
  EXPECT_EQ(test::text(lines[5]), "agent    full · 0123456789ab");
}

TEST(ViewerStatsSummary, SlowStreamsInKilobits) {
  const QStringList lines = summarize_stats(snapshot(25'000, 100, 0), snapshot(0, 0, 0), 2.0);
  EXPECT_EQ(test::text(lines[0]), "bitrate  100 kbit/s");
  EXPECT_EQ(test::text(lines[1]), "loss     0.0 % (0 lost)");
}

TEST(ViewerStatsSummary, FirstSnapshotHasNoRateYet) {
  const QStringList lines = summarize_stats(snapshot(5000, 90, 10), QJsonObject(), 0);
  EXPECT_EQ(test::text(lines[0]), "bitrate  –");
  EXPECT_EQ(test::text(lines[1]), "loss     10.0 % (10 lost)");  // since the start
}

TEST(ViewerStatsSummary, BeforeJoining) {
  const QStringList lines = summarize_stats(QJsonObject(), QJsonObject(), 0);
  ASSERT_EQ(lines.size(), 6);
  EXPECT_EQ(test::text(lines[0]), "bitrate  –");
  EXPECT_EQ(test::text(lines[3]), "latency  –");
  EXPECT_EQ(test::text(lines[4]), "unit     – · epoch –");
  EXPECT_EQ(test::text(lines[5]), "agent    –");
}

}  // namespace
}  // namespace agentcast::viewer_ui
