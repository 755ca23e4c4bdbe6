// The four synchronization modes end to end: seeds synchronized (Fig. 17) or distributed
// (Fig. 15) × selection synchronized (Fig. 6) or instructed (Fig. 5), a call in each, with
// epochs short enough to change several times. Synchronized seeds: both ends step the seed
// chain. Distributed: the sender's seed generating section sends each next seed over the
// control channel ahead of use, and the sender never has to wait for one. Instructed
// selection: only the sender's agent runs selection control; the viewer's follows the
// (unit, run) blocks posted over the control channel, and no packet arrives before them.

#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

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

CallResult* seed_mode_call(const std::string& mode, const std::string& select = "synchronized",
                           int seconds = kSeconds, std::vector<std::string> more_args = {}) {
  CallSetup setup;
  setup.name = "seeds-" + mode + "-select-" + select;
  setup.sender_seconds = seconds;
  setup.sender_args = {"--select",
                       select,
                       "--seeds",
                       mode,
                       "--epoch-packets",
                       std::to_string(kEpochPackets),
                       "--bitrate",
                       std::to_string(kBitrateKbps),
                       "--keyframe-interval",
                       std::to_string(kKeyframeInterval)};
  setup.sender_args.insert(setup.sender_args.end(), more_args.begin(), more_args.end());
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
    instructed_synchronized_ = seed_mode_call("synchronized", "instructed");
    // Enough packets (every frame a 1080p keyframe) to run into the third 4096-packet block,
    // so that the sender posts blocks while media flows, not only when the viewer joins.
    instructed_distributed_ =
        seed_mode_call("distributed", "instructed", 10,
                       {"--size", "1920x1080", "--keyframe-interval", "1", "--bitrate", "50000"});
  }
  static void TearDownTestSuite() {
    delete synchronized_;
    delete distributed_;
    delete instructed_synchronized_;
    delete instructed_distributed_;
  }
  static CallResult* synchronized_;
  static CallResult* distributed_;
  static CallResult* instructed_synchronized_;
  static CallResult* instructed_distributed_;
};
CallResult* SeedModes::synchronized_ = nullptr;
CallResult* SeedModes::distributed_ = nullptr;
CallResult* SeedModes::instructed_synchronized_ = nullptr;
CallResult* SeedModes::instructed_distributed_ = nullptr;

// The viewer followed the sender's posted instructions: it got the first blocks before the
// session and the later ones ahead of use, refused none, and no packet came before them.
void expect_instructions_followed(const CallResult& call) {
  expect_epochs_followed(call);
  EXPECT_EQ(call.sender["select_mode"].toString(), "instructed");
  EXPECT_EQ(call.viewer["instructions_refused"].toInt(), 0);
  EXPECT_GE(call.viewer["instructions_received"].toInt(), 4) << "two blocks of each stream";
  EXPECT_EQ(call.viewer["packets_without_instruction"].toInt(), 0);
  // The viewer hopped units as told: every switch the sender made (how many is the DRBG's
  // draw, 19 to 29 in a 6 s call here, so a floor of its own would be a coin toss).
  EXPECT_GE(call.sender["unit_switches"].toInt(), 10);
  EXPECT_GE(call.viewer["unit_switches"].toDouble(), 0.9 * call.sender["unit_switches"].toDouble());
}

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

TEST_F(SeedModes, InstructedSelectionWithSynchronizedSeeds) {
  expect_instructions_followed(*instructed_synchronized_);
  EXPECT_EQ(instructed_synchronized_->viewer["seeds_received"].toInt(), 0);
}

TEST_F(SeedModes, InstructedSelectionWithDistributedSeeds) {
  const CallResult& call = *instructed_distributed_;
  expect_instructions_followed(call);
  EXPECT_GE(call.viewer["seeds_received"].toInt(), 3);
  EXPECT_EQ(call.sender["epoch_changes_delayed"].toInt(), 0);
  // Every block the video stream entered after the first had its successor posted while
  // media flowed (how many depends on this machine's encoding speed), and every posted
  // block reached the viewer after the four it got on joining.
  const qint64 video_packets =
      call.sender["packets_sealed"].toInteger() - call.sender["audio_frames_sent"].toInteger();
  const qint64 posted = call.sender["instruction_blocks_posted"].toInteger();
  EXPECT_GE(posted, video_packets / 4096) << video_packets << " video packets sealed";
  EXPECT_EQ(call.viewer["instructions_received"].toInteger(), 4 + posted);
  std::cout << "instructed + distributed: " << video_packets << " video packets, " << posted
            << " blocks posted while media flowed\n";
}

TEST_F(SeedModes, SynchronizedSelectionPostsNoInstructions) {
  EXPECT_EQ(synchronized_->sender["select_mode"].toString(), "synchronized");
  EXPECT_EQ(synchronized_->sender["instruction_blocks_posted"].toInt(), 0);
  EXPECT_EQ(synchronized_->viewer["instructions_received"].toInt(), 0);
}

}  // namespace
}  // namespace agentcast::test
