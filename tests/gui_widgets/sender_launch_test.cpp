// The sender app's start-up: remembered choices, then the command line over them.

#include <gtest/gtest.h>

#include <stdexcept>

#include <QtCore/QSettings>
#include <QtCore/QTemporaryDir>

#include "sender_launch.h"

namespace agentcast::sender_app {
namespace {

class SenderLaunchTest : public ::testing::Test {
 protected:
  QTemporaryDir dir_;
  QSettings settings_{dir_.filePath(QStringLiteral("sender.ini")), QSettings::IniFormat};
};

TEST_F(SenderLaunchTest, NothingRememberedIsTheCommandLineDefaults) {
  const SenderLaunch launch = read_launch({}, settings_);
  EXPECT_EQ(launch.command.sender.media.video, "test");
  EXPECT_EQ(launch.command.sender.audio_out_back, "none");
  EXPECT_FALSE(launch.start_now);
  EXPECT_FALSE(launch.scripted());
}

TEST_F(SenderLaunchTest, ChoicesAreRememberedAndFlagsOverrideThem) {
  app::SenderOptions chosen;
  chosen.media.video = "images:/slides/*";
  chosen.media.audio = "none";
  chosen.media.width = 640;
  chosen.media.height = 360;
  chosen.media.fps = 20;
  chosen.media.bitrate_kbps = 900;
  chosen.agent = "receive-only";
  chosen.max_viewers = 9;
  chosen.select = net::SelectMode::kInstructed;
  chosen.seeds = net::SeedMode::kDistributed;
  chosen.listen = "0.0.0.0:7000";
  chosen.audio_out_back = "device:4";
  remember_choices(settings_, chosen);

  const app::SenderOptions remembered = read_launch({}, settings_).command.sender;
  EXPECT_EQ(remembered.media.video, "images:/slides/*");
  EXPECT_EQ(remembered.media.audio, "none");
  EXPECT_EQ(remembered.media.width, 640);
  EXPECT_EQ(remembered.media.fps, 20);
  EXPECT_EQ(remembered.media.bitrate_kbps, 900);
  EXPECT_EQ(remembered.agent, "receive-only");
  EXPECT_EQ(remembered.max_viewers, 9);
  EXPECT_EQ(remembered.select, net::SelectMode::kInstructed);
  EXPECT_EQ(remembered.seeds, net::SeedMode::kDistributed);
  EXPECT_EQ(remembered.listen, "0.0.0.0:7000");
  EXPECT_EQ(remembered.audio_out_back, "device:4");

  const SenderLaunch launch =
      read_launch({"--video", "test", "--fps", "15", "--start", "--duration", "5", "--stats-json",
                   "/tmp/s.json", "--call-code-file", "/tmp/c.txt"},
                  settings_);
  EXPECT_EQ(launch.command.sender.media.video, "test");
  EXPECT_EQ(launch.command.sender.media.fps, 15);
  EXPECT_EQ(launch.command.sender.media.width, 640) << "what the flags leave alone stays";
  EXPECT_TRUE(launch.start_now);
  EXPECT_TRUE(launch.scripted());
  EXPECT_EQ(launch.command.stats_json, "/tmp/s.json");
  EXPECT_EQ(launch.command.call_code_file, "/tmp/c.txt");
}

// "Ask me before each viewer joins" is remembered like the other choices, and --ask on the
// command line turns it on.
TEST_F(SenderLaunchTest, AskingTheHostIsRememberedAndAFlag) {
  EXPECT_FALSE(read_launch({}, settings_).command.sender.ask_host);
  EXPECT_TRUE(read_launch({"--ask"}, settings_).command.sender.ask_host);
  app::SenderOptions chosen;
  chosen.ask_host = true;
  remember_choices(settings_, chosen);
  EXPECT_TRUE(read_launch({}, settings_).command.sender.ask_host);
  chosen.ask_host = false;
  remember_choices(settings_, chosen);
  EXPECT_FALSE(read_launch({}, settings_).command.sender.ask_host);
}

TEST_F(SenderLaunchTest, ABadCommandLineIsRefused) {
  EXPECT_THROW(read_launch({"--fps", "many"}, settings_), std::invalid_argument);
  EXPECT_THROW(read_launch({"--no-such-flag"}, settings_), std::invalid_argument);
}

TEST_F(SenderLaunchTest, BrokenRememberedChoicesAreDropped) {
  settings_.setValue(QStringLiteral("choices/fps"), QStringLiteral("lots"));
  const SenderLaunch launch = read_launch({"--video", "none"}, settings_);
  EXPECT_EQ(launch.command.sender.media.fps, 30);
  EXPECT_EQ(launch.command.sender.media.video, "none");
}

}  // namespace
}  // namespace agentcast::sender_app
