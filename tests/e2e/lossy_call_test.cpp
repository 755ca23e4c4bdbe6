// Calls through a hostile channel. Network namespaces with tc netem would be the natural
// tool, but the sch_netem qdisc is not available on every machine that runs these tests,
// so an in-process relay impairs the UDP path instead (e2e/impairment_relay.h).
//   LossyCall:  5% independent loss each way, and jitter that makes packets overtake.
//   BurstyCall: the same plus a 300 ms loss burst every 2.5 s.

#include <gtest/gtest.h>

#include "agentcast/media/spectrum.h"
#include "agentcast/media/wav.h"
#include "e2e/call_runner.h"

namespace agentcast::test {
namespace {

constexpr int kFps = 30;
constexpr int kKeyframeInterval = 30;  // frames: one second
constexpr double kKeyframeIntervalMs = 1000.0 * kKeyframeInterval / kFps;
constexpr std::int64_t kBurstUs = 300'000;

CallResult* impaired_call(const std::string& name, bool bursts) {
  CallSetup setup;
  setup.name = name;
  setup.sender_seconds = 12;
  setup.sender_args = {"--keyframe-interval", std::to_string(kKeyframeInterval)};
  Impairment impairment;
  impairment.loss = 0.05;
  impairment.jitter_us = 8'000;
  if (bursts) {
    impairment.burst_every_us = 2'500'000;
    impairment.burst_length_us = kBurstUs;
  }
  setup.impairment = impairment;
  return new CallResult(run_call(setup));
}

void expect_clean_exits_and_hostile_channel(const CallResult& call) {
  EXPECT_EQ(call.sender_exit, 0) << call.sender_stderr;
  EXPECT_EQ(call.viewer_exit, 0) << call.viewer_stderr;
  EXPECT_GT(call.relay.dropped, call.relay.forwarded / 40) << "about 5% lost";
  EXPECT_GT(call.relay.reordered, call.relay.forwarded / 100) << "packets overtook each other";
  EXPECT_GT(call.viewer["packets_lost"].toInt(), 0);
  EXPECT_EQ(call.viewer["decrypt_failures"].toInt(), 0);
}

class LossyCall : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { call_ = impaired_call("lossy", false); }
  static void TearDownTestSuite() { delete call_; }
  static CallResult* call_;
};
CallResult* LossyCall::call_ = nullptr;

TEST_F(LossyCall, TheChannelWasHostileAndNothingFailedToDecrypt) {
  expect_clean_exits_and_hostile_channel(*call_);
  EXPECT_GT(call_->viewer["frames_decoded"].toInt(), 100);
}

TEST_F(LossyCall, VideoNeverFreezesLongerThanOneKeyframeInterval) {
  EXPECT_GT(call_->viewer["keyframe_requests"].toInt(), 0) << "losses were noticed";
  EXPECT_LE(call_->viewer["longest_video_gap_ms"].toDouble(), kKeyframeIntervalMs);
}

TEST_F(LossyCall, AudioHasNoGapLongerThanOneFrame) {
  const media::WavData wav = media::read_wav(call_->wav_path);
  ASSERT_GT(wav.samples.size(), 48000U * 8);
  const std::span<const std::int16_t> steady(wav.samples.data() + 24000,
                                             wav.samples.size() - 24000);
  EXPECT_LE(media::longest_silence_ms(steady, wav.sample_rate), 20.0)
      << "concealment and FEC should cover every lost frame";
  EXPECT_NEAR(media::dominant_frequency(steady, wav.sample_rate), 440.0, 3.0);
  EXPECT_GT(call_->viewer["audio_frames_concealed"].toInt(), 0);
}

class BurstyCall : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { call_ = impaired_call("bursty", true); }
  static void TearDownTestSuite() { delete call_; }
  static CallResult* call_;
};
CallResult* BurstyCall::call_ = nullptr;

TEST_F(BurstyCall, VideoRecoversWithinOneKeyframeIntervalAfterEachBurst) {
  expect_clean_exits_and_hostile_channel(*call_);
  EXPECT_GE(call_->relay.burst_dropped, 3U * 20) << "three bursts or more";
  EXPECT_LE(call_->viewer["longest_video_gap_ms"].toDouble(),
            kBurstUs / 1000.0 + kKeyframeIntervalMs)
      << "the picture stayed frozen for more than one keyframe interval after a burst";
}

}  // namespace
}  // namespace agentcast::test
