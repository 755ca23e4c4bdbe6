// Attack 3: half a message. An admitted full-agent viewer (it keeps its UDP feedback
// going, so it is not `silent`) writes two of the four bytes of a control message's
// length prefix and then waits, holding the connection open.
//
// What the user sees once the control plane is fixed: the viewer already watching keeps
// playing without a freeze over a second; the half message's session ends `stalled`
// within 5 s of it ("viewer N left: ... [stalled]", and in `sessions_ended`), and its
// connection is closed.
//
// Today: the sender's control thread reads a message whole once its first byte arrives,
// holding the lock the media path needs to find its viewers; so every viewer's picture
// freezes for the 10 s that read waits, and the attacker then ends as a plain "left".

#include <gtest/gtest.h>

#include <iostream>

#include "adversarial/attacker.h"
#include "adversarial/harness.h"

namespace agentcast::test::adversarial {
namespace {

constexpr double kStalledWithinS = 5 + 3;  // the contract's 5 s and some slack
constexpr auto kWaitForEnd = 15s;

struct PartialPrefixRun {
  std::unique_ptr<Stage> stage;
  std::optional<int> slot;
  std::optional<SessionEnd> end;
  double half_to_end_s = -1;
  bool closed = false;
  double rss_growth_mb = -1;
  QJsonObject watcher;
};

class PartialPrefix : public Scene<PartialPrefix, PartialPrefixRun> {
 public:
  static void run(PartialPrefixRun& r) {
    r.stage = std::make_unique<Stage>("partial-prefix");
    Stage& stage = *r.stage;
    stage.start_sender({}, 4);
    ViewerProcess& watcher = stage.start_viewer("watcher");
    ASSERT_TRUE(watcher.wait_playing(20s)) << watcher.err();

    auto client = TlsClient::connect(stage.invitation(), TcpOptions{}, 5s);
    JoinRequest request;
    request.name = "half-prefix";
    request.cache_dir = stage.dir() + "/attacker-agents";
    Admission admitted = join_as_viewer(*client, stage.invitation(), request, 20s);
    Presence presence(admitted, stage.invitation().sender());
    r.slot = stage.wait_joined(request.name, 10s);
    ASSERT_TRUE(r.slot) << stage.sender_err();
    const auto joined = Clock::now();
    wait_until([&] { return Clock::now() >= joined + 1s; }, 2s);

    RssSampler rss(stage.sender_pid());
    const std::uint8_t half[] = {0x00, 0x00};
    ASSERT_TRUE(client->write_raw(half, 2s));
    const auto written = Clock::now();
    r.end = stage.wait_session_end(request.name, kWaitForEnd);
    if (r.end) r.half_to_end_s = seconds_since(written);
    r.closed = client->drain_until_closed(3s);
    // The watcher's statistics after the stall would have ended, refreshed.
    const auto after = Clock::now() + 2s;
    wait_until([&] { return Clock::now() >= after; }, 3s);
    r.rss_growth_mb = rss.growth_mb();
    stage.finish();
    r.watcher = watcher.stats();

    std::cout << "PartialPrefix: session end " << r.half_to_end_s << " s after half a prefix"
              << (r.end ? " (\"" + r.end->line + "\")" : " (none)") << "; closed: " << r.closed
              << "; watcher gap " << number(r.watcher, "longest_video_gap_ms")
              << " ms; sender RSS +" << r.rss_growth_mb << " MB\n";
  }
};

TEST_F(PartialPrefix, TheHalfMessageEndsItsSessionAsStalled) {
  ASSERT_TRUE(run_->end) << run_->stage->final_sender_err();
  EXPECT_EQ(run_->end->reason, reason::kStalled) << run_->end->line;
  EXPECT_LE(run_->half_to_end_s, kStalledWithinS);
  const auto ended = ended_session(run_->stage->final_sender_stats(), "half-prefix");
  ASSERT_TRUE(ended) << "no sessions_ended entry";
  EXPECT_EQ((*ended)["reason"].toString().toStdString(), reason::kStalled);
  EXPECT_EQ(
      count_in(run_->stage->final_sender_stats(), key::kSessionsEndedByReason, reason::kStalled),
      1);
  EXPECT_TRUE(run_->closed) << "the sender closed the connection";
}

TEST_F(PartialPrefix, TheWatcherKeepsPlaying) {
  EXPECT_GT(number(run_->watcher, "frames_decoded"), 0);
  EXPECT_LE(number(run_->watcher, "longest_video_gap_ms"), kMaxVideoGapMs);
  EXPECT_EQ(number(run_->watcher, "decrypt_failures"), 0);
  EXPECT_LE(run_->rss_growth_mb, kMaxRssGrowthMb);
}

}  // namespace
}  // namespace agentcast::test::adversarial
