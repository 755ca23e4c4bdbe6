// Attack 4: a flood of control messages. An admitted viewer with a receive-only agent
// (whose feedback legitimately travels on the control channel) sends well-formed
// `feedback` messages carrying receiver reports as fast as it can, in batches of two
// hundred per write, for up to ten seconds.
//
// What the user sees once the control plane is fixed: the viewer already watching keeps
// playing without a freeze over a second; the sender's memory grows by less than 50 MB;
// the flooder's session ends `flooding` (more than about 100 messages a second sustained,
// with a burst of 200) within a few seconds, and its connection is closed.
//
// Today: the sender's control thread reads every message that is waiting, while holding
// the lock the media path needs, and queues their feedback without a bound: the flood
// freezes every viewer's picture and the sender's memory grows with it.

#include <gtest/gtest.h>

#include <iostream>

#include "adversarial/attacker.h"
#include "adversarial/harness.h"

namespace agentcast::test::adversarial {
namespace {

constexpr auto kFloodFor = 10s;
constexpr int kBatch = 200;  // messages per write
constexpr double kFloodingWithinS = 5;

struct ControlFloodRun {
  std::unique_ptr<Stage> stage;
  std::optional<int> slot;
  std::uint64_t messages_sent = 0;
  double flood_s = 0;
  bool write_failed = false;  // the sender closed the connection (or stopped reading)
  std::optional<SessionEnd> end;
  double flood_to_end_s = -1;
  double rss_growth_mb = -1;
  long rss_baseline_mb = 0;
  QJsonObject watcher;
};

class ControlFlood : public Scene<ControlFlood, ControlFloodRun> {
 public:
  static void run(ControlFloodRun& r) {
    r.stage = std::make_unique<Stage>("control-flood");
    Stage& stage = *r.stage;
    stage.start_sender({}, 4);
    ViewerProcess& watcher = stage.start_viewer("watcher");
    ASSERT_TRUE(watcher.wait_playing(20s)) << watcher.err();

    // A receive-only viewer sends no UDP: its media port is one it never reads.
    net::UdpSocket media_sink(net::Endpoint::resolve("127.0.0.1:0"));
    auto client = TlsClient::connect(stage.invitation(), TcpOptions{}, 5s);
    JoinRequest request;
    request.name = "flooder";
    request.agent = "receive-only";
    request.media_port = media_sink.local_endpoint().port();
    request.cache_dir = stage.dir() + "/attacker-agents";
    Admission admitted = join_as_viewer(*client, stage.invitation(), request, 20s);
    r.slot = stage.wait_joined(request.name, 10s);
    ASSERT_TRUE(r.slot) << stage.sender_err();

    Buffer batch;
    const Buffer one = frame(feedback_message(net::ReceiverReport{1000, 0, 30, 20'000, 40'000}));
    for (int i = 0; i < kBatch; ++i)
      batch.insert(batch.end(), one.begin(), one.end());

    RssSampler rss(stage.sender_pid());
    r.rss_baseline_mb = rss.baseline_kib() / 1024;
    const auto start = Clock::now();
    // Bounded by time and by count (a million batches is far beyond ten seconds' worth).
    auto next_look = start;
    for (int batches = 0; batches < 1'000'000 && Clock::now() < start + kFloodFor; ++batches) {
      if (!client->write_raw(batch, 1s)) {
        r.write_failed = true;
        break;
      }
      r.messages_sent += kBatch;
      if (Clock::now() >= next_look) {  // the sender's verdict, four times a second
        next_look = Clock::now() + 250ms;
        const auto ends = session_ends_of(stage.sender_err(), request.name);
        if (!ends.empty() && !r.end) {
          r.end = ends.front();
          r.flood_to_end_s = seconds_since(start);
        }
      }
    }
    r.flood_s = seconds_since(start);
    if (!r.end) {
      r.end = stage.wait_session_end(request.name, 10s);
      if (r.end) r.flood_to_end_s = seconds_since(start);
    }
    const auto after = Clock::now() + 2s;
    wait_until([&] { return Clock::now() >= after; }, 3s);
    r.rss_growth_mb = rss.growth_mb();
    stage.finish();
    r.watcher = watcher.stats();

    std::cout << "ControlFlood: " << r.messages_sent << " messages in " << r.flood_s << " s ("
              << static_cast<double>(r.messages_sent) / std::max(0.001, r.flood_s) << "/s), write "
              << (r.write_failed ? "failed" : "never failed") << "; session end seen "
              << r.flood_to_end_s << " s after the flood began"
              << (r.end ? " (\"" + r.end->line + "\")" : " (none)") << "; watcher gap "
              << number(r.watcher, "longest_video_gap_ms") << " ms; sender RSS "
              << r.rss_baseline_mb << " MB +" << r.rss_growth_mb << " MB\n";
  }
};

TEST_F(ControlFlood, TheFloodEndsItsSessionAsFlooding) {
  ASSERT_TRUE(run_->end) << run_->stage->final_sender_err();
  EXPECT_EQ(run_->end->reason, reason::kFlooding) << run_->end->line;
  EXPECT_LE(run_->flood_to_end_s, kFloodingWithinS);
  const auto ended = ended_session(run_->stage->final_sender_stats(), "flooder");
  ASSERT_TRUE(ended) << "no sessions_ended entry";
  EXPECT_EQ((*ended)["reason"].toString().toStdString(), reason::kFlooding);
  EXPECT_EQ(
      count_in(run_->stage->final_sender_stats(), key::kSessionsEndedByReason, reason::kFlooding),
      1);
  EXPECT_TRUE(run_->write_failed) << "the sender closed the flooder's connection";
}

TEST_F(ControlFlood, TheWatcherKeepsPlaying) {
  EXPECT_GT(number(run_->watcher, "frames_decoded"), 0);
  EXPECT_LE(number(run_->watcher, "longest_video_gap_ms"), kMaxVideoGapMs);
  EXPECT_EQ(number(run_->watcher, "decrypt_failures"), 0);
}

TEST_F(ControlFlood, TheSendersMemoryGrowsByLessThan50MB) {
  EXPECT_LE(run_->rss_growth_mb, kMaxRssGrowthMb);
  EXPECT_GE(run_->rss_growth_mb, 0) << "sampled";
}

}  // namespace
}  // namespace agentcast::test::adversarial
