// Attack 7: media from a stranger. A real `agentcast view` watches through a relay of
// ours (stranger_relay.h): its call code names the relay's port, TCP goes through
// untouched, UDP both ways; but every datagram the sender sends it is first sent to the
// viewer from a stranger's socket (in turn the relay's address at another port, and
// 127.0.0.2 at the relay's port), and only then from the relay's own socket, the address
// the viewer was told. An attacker who sees the traffic can do this to any viewer.
//
// What the user sees once the viewer checks where media come from: the picture plays as
// if nothing happened (frames decoded, no decrypt failure, no freeze over a second), the
// strangers' copies are dropped before they reach the agent and counted under
// `packets_from_strangers` (about one per datagram the sender sent), and the real
// packets are not mistaken for replays.
//
// Today: the viewer takes whatever opens, from wherever: each stranger's copy is
// accepted, and the real packet that follows is refused as a replay (`packets_duplicate`
// grows with every packet); there is no `packets_from_strangers`.

#include <gtest/gtest.h>

#include <iostream>

#include "adversarial/harness.h"
#include "adversarial/stranger_relay.h"

namespace agentcast::test::adversarial {
namespace {

constexpr auto kWatchFor = 6s;
// Before its path is validated through the relay, a few datagrams (challenges) may reach
// the viewer straight from the sender's own address, which is not the one in its code.
constexpr double kStraySlack = 50;

struct StrangerRun {
  std::unique_ptr<Stage> stage;
  RelayCounts relay;
  QJsonObject viewer;
  int viewer_exit = -1;
  double video_frames_sent = -1;
};

class StrangerMedia : public Scene<StrangerMedia, StrangerRun> {
 public:
  static void run(StrangerRun& r) {
    r.stage = std::make_unique<Stage>("stranger-media");
    Stage& stage = *r.stage;
    stage.start_sender({}, 4);
    ViewerProcess* viewer = nullptr;
    {
      StrangerRelay relay(stage.invitation().sender());
      ViewerOptions options;
      options.invitation = stage.invitation().via_port(relay.port());
      viewer = &stage.start_viewer("behind-relay", options);
      viewer->wait_playing(15s);
      const auto playing = Clock::now();
      wait_until([&] { return Clock::now() >= playing + kWatchFor; }, kWatchFor + 1s);
      stage.finish();  // the sender's bye goes through the relay
      r.relay = relay.counts();
    }
    r.viewer = viewer->stats();
    r.viewer_exit = viewer->exit_code().value_or(-1);
    r.video_frames_sent = number(stage.final_sender_stats(), "video_frames_sent");

    std::cout << "StrangerMedia: relay forwarded " << r.relay.to_viewer
              << " datagrams to the viewer, each after a stranger's copy ("
              << r.relay.stranger_copies << "); viewer: " << key::kPacketsFromStrangers << " "
              << number(r.viewer, key::kPacketsFromStrangers) << ", packets_received "
              << number(r.viewer, "packets_received") << ", packets_duplicate "
              << number(r.viewer, "packets_duplicate") << ", replays_rejected "
              << number(r.viewer, "replays_rejected") << ", frames_decoded "
              << number(r.viewer, "frames_decoded") << " of " << r.video_frames_sent
              << " sent, decrypt_failures " << number(r.viewer, "decrypt_failures") << ", gap "
              << number(r.viewer, "longest_video_gap_ms") << " ms\n";
  }
};

TEST_F(StrangerMedia, TheStrangersCopiesAreDroppedAndCounted) {
  const double copies = static_cast<double>(run_->relay.stranger_copies);
  ASSERT_GT(copies, 100) << "the relay carried the call";
  const double strangers = number(run_->viewer, key::kPacketsFromStrangers);
  EXPECT_GE(strangers, 0.95 * copies) << "-1: no such key";
  EXPECT_LE(strangers, copies + kStraySlack);
}

TEST_F(StrangerMedia, TheRealPacketsAreNotTakenForReplays) {
  const double received = number(run_->viewer, "packets_received");
  EXPECT_GE(received, 0.95 * static_cast<double>(run_->relay.to_viewer));
  EXPECT_LE(number(run_->viewer, "packets_duplicate"), 0.01 * received + 10);
}

TEST_F(StrangerMedia, TheViewerStillPlays) {
  EXPECT_EQ(run_->viewer_exit, 0);
  EXPECT_GT(number(run_->viewer, "frames_decoded"),
            0.8 * kFps * std::chrono::duration<double>(kWatchFor).count());
  EXPECT_EQ(number(run_->viewer, "decrypt_failures"), 0);
  EXPECT_LE(number(run_->viewer, "longest_video_gap_ms"), kMaxVideoGapMs);
}

}  // namespace
}  // namespace agentcast::test::adversarial
