// Attack 1: a viewer that freezes. A real `agentcast view` watches a call next to another
// one; mid-call it is stopped (SIGSTOP: a laptop lid closed, a debugger, a process the OS
// froze) and, later, killed (SIGKILL). It sends nothing more, reads nothing more, and
// never says bye.
//
// What the user sees once the control plane is fixed: the other viewer keeps playing
// without a freeze over a second; the sender's list shows the frozen viewer gone about
// ten seconds after it froze, with "viewer N left: ... [silent]" on its standard error
// and `silent` in its statistics; the kill that follows changes nothing more (no second
// "left", no crash); the sender's memory stays where it was.
//
// Today: nothing notices a frozen viewer. Its session lives on until the kill closes its
// TCP connection, which is reported as a plain "viewer N left" with no reason.

#include <gtest/gtest.h>

#include <QtCore/QJsonArray>
#include <iostream>

#include "adversarial/harness.h"

namespace agentcast::test::adversarial {
namespace {

constexpr auto kSilentWithin = 15s;      // 10 s without feedback, and some slack
constexpr double kSilentNotBeforeS = 5;  // a short pause is not a departure
constexpr auto kAfterKill = 3s;

struct StoppedRun {
  std::unique_ptr<Stage> stage;
  std::optional<int> victim_slot;
  std::optional<SessionEnd> end_before_kill;
  double stop_to_end_s = -1;
  std::optional<SessionEnd> end_after_kill;  // today's "left", when there was none before
  double kill_to_end_s = -1;
  bool sender_alive_after_kill = false;
  double watcher_frames_while_stopped = -1;
  double stopped_for_s = 0;
  double rss_growth_mb = -1;
  QJsonObject watcher;
};

class StoppedViewer : public Scene<StoppedViewer, StoppedRun> {
 public:
  static void run(StoppedRun& r) {
    r.stage = std::make_unique<Stage>("stopped-viewer");
    Stage& stage = *r.stage;
    stage.start_sender({}, 4);
    ViewerProcess& watcher = stage.start_viewer("watcher");
    ViewerProcess& victim = stage.start_viewer("victim");
    r.victim_slot = stage.wait_joined("victim", 20s);
    ASSERT_TRUE(r.victim_slot) << stage.sender_err();
    ASSERT_TRUE(watcher.wait_playing(15s)) << watcher.err();
    ASSERT_TRUE(victim.wait_playing(15s)) << victim.err();
    const auto playing = Clock::now();
    wait_until([&] { return Clock::now() >= playing + 2s; }, 5s);

    RssSampler rss(stage.sender_pid());
    const double frames_before = number(watcher.stats(), "frames_decoded");
    victim.process().signal(SIGSTOP);
    const auto stopped = Clock::now();
    r.end_before_kill = stage.wait_session_end("victim", kSilentWithin);
    if (r.end_before_kill) r.stop_to_end_s = seconds_since(stopped);
    // The watcher's statistics are refreshed every second.
    const auto refreshed = Clock::now() + 1200ms;
    wait_until([&] { return Clock::now() >= refreshed; }, 2s);
    r.stopped_for_s = seconds_since(stopped);
    r.watcher_frames_while_stopped = number(watcher.stats(), "frames_decoded") - frames_before;

    victim.process().signal(SIGKILL);
    const auto killed = Clock::now();
    victim.process().wait_for(10s);
    if (!r.end_before_kill) {
      r.end_after_kill = stage.wait_session_end("victim", 5s);
      if (r.end_after_kill) r.kill_to_end_s = seconds_since(killed);
    }
    wait_until([&] { return Clock::now() >= killed + kAfterKill; }, kAfterKill + 1s);
    r.sender_alive_after_kill = stage.sender_running();
    r.rss_growth_mb = rss.growth_mb();
    stage.finish();
    r.watcher = watcher.stats();

    std::cout << "StoppedViewer: session end " << r.stop_to_end_s << " s after SIGSTOP"
              << (r.end_before_kill ? " [" + r.end_before_kill->reason + "]" : " (none)")
              << "; after SIGKILL: " << r.kill_to_end_s << " s"
              << (r.end_after_kill ? " (\"" + r.end_after_kill->line + "\")" : "")
              << "; watcher gap " << number(r.watcher, "longest_video_gap_ms") << " ms, decoded "
              << r.watcher_frames_while_stopped << " frames in the " << r.stopped_for_s
              << " s the victim was stopped; sender RSS +" << r.rss_growth_mb << " MB\n";
  }
};

TEST_F(StoppedViewer, TheFrozenViewerIsEndedAsSilentBeforeItIsKilled) {
  ASSERT_TRUE(run_->victim_slot);
  ASSERT_TRUE(run_->end_before_kill)
      << "no session end within " << kSilentWithin.count() << " s of SIGSTOP; after SIGKILL: "
      << (run_->end_after_kill ? run_->end_after_kill->line : "none") << "\n"
      << run_->stage->final_sender_err();
  EXPECT_EQ(run_->end_before_kill->reason, reason::kSilent) << run_->end_before_kill->line;
  EXPECT_GE(run_->stop_to_end_s, kSilentNotBeforeS) << "ended too early for a frozen viewer";
  EXPECT_LE(run_->stop_to_end_s, std::chrono::duration<double>(kSilentWithin).count());
  const QJsonObject& sender = run_->stage->final_sender_stats();
  const auto ended = ended_session(sender, "victim");
  ASSERT_TRUE(ended) << "no sessions_ended entry for the victim";
  EXPECT_EQ((*ended)["reason"].toString().toStdString(), reason::kSilent);
  EXPECT_EQ((*ended)["slot"].toInt(), *run_->victim_slot);
  EXPECT_EQ(count_in(sender, key::kSessionsEndedByReason, reason::kSilent), 1);
}

TEST_F(StoppedViewer, TheKillChangesNothingMore) {
  ASSERT_TRUE(run_->victim_slot);
  EXPECT_TRUE(run_->sender_alive_after_kill);
  EXPECT_EQ(run_->stage->sender_exit(), 0) << run_->stage->final_sender_err();
  EXPECT_EQ(session_ends_of(run_->stage->final_sender_err(), "victim").size(), 1U)
      << "one end per session:\n"
      << run_->stage->final_sender_err();
  const QJsonArray ended = run_->stage->final_sender_stats()[key::kSessionsEnded].toArray();
  int victim_entries = 0;
  for (const auto& entry : ended)
    victim_entries += entry.toObject()["name"].toString() == "victim" ? 1 : 0;
  EXPECT_EQ(victim_entries, 1);
}

TEST_F(StoppedViewer, TheOtherViewerKeepsPlaying) {
  const QJsonObject& w = run_->watcher;
  EXPECT_LE(number(w, "longest_video_gap_ms"), kMaxVideoGapMs);
  EXPECT_GT(number(w, "longest_video_gap_ms"), 0) << "it played";
  EXPECT_EQ(number(w, "decrypt_failures"), 0);
  // Both readings of its statistics may be up to a second old.
  EXPECT_GE(run_->watcher_frames_while_stopped, 0.7 * kFps * (run_->stopped_for_s - 1))
      << "frames decoded in the " << run_->stopped_for_s << " s the other viewer was frozen";
}

TEST_F(StoppedViewer, TheSendersMemoryStaysPut) {
  EXPECT_LE(run_->rss_growth_mb, kMaxRssGrowthMb);
  EXPECT_GE(run_->rss_growth_mb, 0) << "sampled";
}

}  // namespace
}  // namespace agentcast::test::adversarial
