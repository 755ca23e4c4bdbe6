// The viewer app's command line: a call code and the flags of `agentcast view`, plus its own.

#include <gtest/gtest.h>

#include <stdexcept>

#include "launch_options.h"

namespace agentcast::viewer_ui {
namespace {

TEST(ViewerLaunch, NothingGiven) {
  const Launch launch = parse_launch({});
  EXPECT_FALSE(launch.connect_at_once());
  EXPECT_FALSE(launch.scripted());
  EXPECT_TRUE(launch.use_settings);
  EXPECT_FALSE(launch.stats_overlay);
  EXPECT_FALSE(launch.fullscreen);
  EXPECT_FALSE(launch.audio_out_given);
}

TEST(ViewerLaunch, ScriptedRun) {
  const Launch launch = parse_launch(
      {"agentcast://127.0.0.1:7000/#fp=ab", "--duration", "5", "--stats-json", "/tmp/s.json",
       "--stats-overlay", "--fullscreen", "--audio-out", "3", "--connect-timeout", "2"});
  EXPECT_TRUE(launch.connect_at_once());
  EXPECT_EQ(launch.command.viewer.call_code, "agentcast://127.0.0.1:7000/#fp=ab");
  EXPECT_TRUE(launch.scripted());
  EXPECT_FALSE(launch.use_settings);  // a script leaves a person's choices alone
  EXPECT_TRUE(launch.stats_overlay);
  EXPECT_TRUE(launch.fullscreen);
  EXPECT_TRUE(launch.audio_out_given);
  EXPECT_EQ(launch.command.viewer.audio_out, "device:3");
  EXPECT_EQ(launch.command.viewer.connect_timeout_ms, 2000);
  EXPECT_EQ(launch.command.stats_json, "/tmp/s.json");
}

TEST(ViewerLaunch, FlagsWithoutACallCode) {
  const Launch launch = parse_launch({"--send-back", "--video", "test"});
  EXPECT_FALSE(launch.connect_at_once());
  EXPECT_TRUE(launch.send_back_given);
  EXPECT_EQ(launch.command.viewer.back.video, "test");
}

TEST(ViewerLaunch, RefusesWhatViewRefuses) {
  EXPECT_THROW(parse_launch({"--no-such-flag"}), std::invalid_argument);
  EXPECT_THROW(parse_launch({"--video", "test"}), std::invalid_argument);  // needs --send-back
}

TEST(ViewerLaunch, SendBackDefaultsToTheCameraWithFallbacks) {
  const app::OutgoingMediaOptions back = default_send_back();
  EXPECT_EQ(back.video, "camera");
  EXPECT_EQ(back.audio, "mic");
  EXPECT_TRUE(back.video_fallback);
  EXPECT_TRUE(back.audio_fallback);
}

}  // namespace
}  // namespace agentcast::viewer_ui
