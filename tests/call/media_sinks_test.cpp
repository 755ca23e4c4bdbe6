// The receiving pipeline's sinks on their own: the snapshot keeps the newest picture and
// writes it, or says why it could not; the recording holds audio until it learns the
// picture size, and still produces a file when no picture ever came.
#include "agentcast/call/media_sinks.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

namespace agentcast::app {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("agentcast-sinks-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

TEST(SnapshotSink, WritesTheNewestPicture) {
  const std::string path = temp_path("snapshot.png");
  std::vector<std::string> warnings;
  SnapshotSink sink(path, [&](const std::string& w) { warnings.push_back(w); });
  sink.show(media::VideoFrame(cv::Mat(48, 64, CV_8UC3, cv::Scalar(0, 0, 255)), 1, 10));
  sink.show(media::VideoFrame(cv::Mat(48, 64, CV_8UC3, cv::Scalar(255, 0, 0)), 2, 20));
  ASSERT_TRUE(sink.latest());
  EXPECT_EQ(sink.latest()->frame_number, 2u);
  sink.finish();
  EXPECT_TRUE(warnings.empty());
  const cv::Mat written = cv::imread(path, cv::IMREAD_COLOR);
  ASSERT_FALSE(written.empty());
  EXPECT_EQ(written.at<cv::Vec3b>(10, 10), cv::Vec3b(255, 0, 0)) << "the newest, blue";
  std::filesystem::remove(path);
}

TEST(SnapshotSink, SaysSoWhenNoPictureCame) {
  const std::string path = temp_path("never.png");
  std::vector<std::string> warnings;
  SnapshotSink sink(path, [&](const std::string& w) { warnings.push_back(w); });
  sink.finish();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("no frame was decoded"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(RecordingSink, AnAudioOnlyCallWhoseVideoNeverCameStillLeavesAFile) {
  const std::string path = temp_path("recording.mkv");
  media::RecorderStreams streams;
  streams.video = media::RecorderVideo{0, 0, 30.0};
  streams.audio = media::RecorderAudio{48000, 1};
  std::vector<std::string> warnings;
  RecordingSink sink(path, streams, false, [&](const std::string& w) { warnings.push_back(w); });
  EXPECT_FALSE(std::filesystem::exists(path)) << "opened only once the size is known";
  sink.finish();
  EXPECT_TRUE(std::filesystem::exists(path)) << (warnings.empty() ? "" : warnings.front());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace agentcast::app
