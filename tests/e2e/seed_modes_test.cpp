// The two seed modes end to end (Fig. 15 and 17): a call in each, with epochs short enough
// to change several times. Synchronized: both ends step the seed chain. Distributed: the
// sender's seed generating section sends each next seed over the control channel ahead of
// use, and the sender never has to wait for one.

#include <gtest/gtest.h>

#include "e2e/call_runner.h"

namespace agentcast::test {
namespace {

constexpr int kSeconds = 6;
constexpr int kEpochPackets = 150;
// The test pattern compresses so well that at the default rate 150 packets last a second;
// a higher rate and frequent keyframes give several epoch changes a second, so the three
// the tests ask for hold with a wide margin even on a slow machine.
constexpr int kBitrateKbps = 20000;
constexpr int kKeyframeInterval = 2;

CallResult* seed_mode_call(const std::string& mode) {
  CallSetup setup;
  setup.name = "seeds-" + mode;
  setup.sender_seconds = kSeconds;
  setup.sender_args = {"--seeds",
                       mode,
                       "--epoch-packets",
                       std::to_string(kEpochPackets),
                       "--bitrate",
                       std::to_string(kBitrateKbps),
                       "--keyframe-interval",
                       std::to_string(kKeyframeInterval)};
  return new CallResult(run_call(setup));
}

// Every epoch change was followed: nothing failed to open, and (nearly) every frame sent
// was shown.
void expect_epochs_followed(const CallResult& call) {
  EXPECT_EQ(call.sender_exit, 0) << call.sender_stderr;
  EXPECT_EQ(call.viewer_exit, 0) << call.viewer_stderr;
  EXPECT_GE(call.viewer["epochs"].toInt(), 3) << "epoch changes followed";
  EXPECT_EQ(call.viewer["decrypt_failures"].toInt(), 0);
  const double sent = call.sender["video_frames_sent"].toDouble();
  EXPECT_GT(sent, 0.0);
  EXPECT_GE(call.viewer["frames_decoded"].toDouble(), 0.99 * sent)
      << "decoded " << call.viewer["frames_decoded"].toInt() << " of " << sent;
}

class SeedModes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    synchronized_ = seed_mode_call("synchronized");
    distributed_ = seed_mode_call("distributed");
  }
  static void TearDownTestSuite() {
    delete synchronized_;
    delete distributed_;
  }
  static CallResult* synchronized_;
  static CallResult* distributed_;
};
CallResult* SeedModes::synchronized_ = nullptr;
CallResult* SeedModes::distributed_ = nullptr;

TEST_F(SeedModes, SynchronizedSeedsAreFollowedAcrossEpochs) {
  expect_epochs_followed(*synchronized_);
  EXPECT_EQ(synchronized_->sender["seeds_distributed"].toInt(), 0) << "nothing to distribute";
  EXPECT_EQ(synchronized_->viewer["seeds_received"].toInt(), 0);
}

TEST_F(SeedModes, DistributedSeedsArriveAheadOfUse) {
  expect_epochs_followed(*distributed_);
  EXPECT_GE(distributed_->sender["seeds_distributed"].toInt(), 3);
  EXPECT_GE(distributed_->viewer["seeds_received"].toInt(), 3);
  EXPECT_EQ(distributed_->viewer["seeds_refused"].toInt(), 0);
  // Ahead of use: no epoch change ever waited for its seed.
  ASSERT_TRUE(distributed_->sender.contains("epoch_changes_delayed"));
  EXPECT_EQ(distributed_->sender["epoch_changes_delayed"].toInt(), 0);
  EXPECT_GE(distributed_->sender["epochs"].toInt(), 3);
}

}  // namespace
}  // namespace agentcast::test
