// The viewer's sinks: Recorder (H.264 + Opus remuxed into Matroska, checked with ffprobe and
// by decoding every frame with ffmpeg), write_png and LatestFrame.

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "agentcast/media/file_source.h"
#include "agentcast/media/recorder.h"
#include "agentcast/media/snapshot.h"

namespace agentcast::media {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kBaseUs = 5'000'000'000;  // capture times look like now_us() ones

std::string run(const std::string& command) {
  std::string out;
  if (std::FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
      out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

// "codec,frames" per stream, every frame decoded by ffprobe.
std::vector<std::string> probe_streams(const std::string& path) {
  std::istringstream lines(
      run("ffprobe -v error -count_frames -show_entries "
          "stream=codec_name,nb_read_frames -of csv=p=0 '" +
          path + "' 2>&1"));
  std::vector<std::string> streams;
  for (std::string line; std::getline(lines, line);)
    streams.push_back(line);
  return streams;
}

// Empty when ffmpeg decodes the whole file without a single complaint.
std::string decode_complaints(const std::string& path) {
  const std::string out =
      run("ffmpeg -nostdin -v error -i '" + path + "' -f null - 2>&1; echo \"exit $?\"");
  return out == "exit 0\n" ? "" : out;
}

std::vector<EncodedFrame> shifted(std::vector<EncodedFrame> frames, std::int64_t by) {
  for (EncodedFrame& f : frames)
    f.capture_time_us += by;
  return frames;
}

class RecorderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("agentcast_recorder_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string inputs =
        "-f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=f=440:r=48000 ";
    // What the live encoder sends: no B-frames. And a default x264 file, which has them.
    make(inputs + "-c:v libx264 -pix_fmt yuv420p -g 25 -bf 0 -c:a libopus -t 2", "live.mkv");
    make(inputs + "-c:v libx264 -pix_fmt yuv420p -g 25 -an -t 2", "bframes.mp4");
    video_ = new std::vector<EncodedFrame>(
        shifted(read_encoded_packets(path("live.mkv"), Codec::kH264), kBaseUs));
    audio_ = new std::vector<EncodedFrame>(
        shifted(read_encoded_packets(path("live.mkv"), Codec::kOpus), kBaseUs));
  }
  static void TearDownTestSuite() {
    delete video_;
    delete audio_;
    fs::remove_all(dir_);
  }
  static void make(const std::string& args, const std::string& name) {
    const std::string command =
        "timeout 60 ffmpeg -nostdin -v error -y " + args + " '" + path(name) + "' 2>&1";
    ASSERT_EQ(run(command), "") << command;
  }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

  static RecorderStreams both() {
    return RecorderStreams{RecorderVideo{320, 240, 25.0}, RecorderAudio{}};
  }

  static inline fs::path dir_;
  static inline std::vector<EncodedFrame>* video_ = nullptr;
  static inline std::vector<EncodedFrame>* audio_ = nullptr;
};

TEST_F(RecorderTest, RemuxesH264AndOpusIntoMatroskaThatDecodes) {
  ASSERT_EQ(video_->size(), 50u);
  ASSERT_GE(audio_->size(), 99u);
  // Interleaved as the two decode threads would deliver them.
  std::vector<EncodedFrame> all = *video_;
  all.insert(all.end(), audio_->begin(), audio_->end());
  std::stable_sort(all.begin(), all.end(), [](const EncodedFrame& a, const EncodedFrame& b) {
    return a.capture_time_us < b.capture_time_us;
  });
  const std::string out = path("both.mkv");
  {
    Recorder recorder(out, both());
    for (const EncodedFrame& f : all)
      recorder.write(f);
    recorder.close();
    const RecorderStats stats = recorder.stats();
    EXPECT_EQ(stats.video_frames_written, video_->size());
    EXPECT_EQ(stats.audio_frames_written, audio_->size());
    EXPECT_EQ(stats.skipped_before_keyframe, 0u);
    EXPECT_EQ(stats.timestamps_clamped, 0u);
    EXPECT_EQ(stats.write_errors, 0u);
  }
  EXPECT_EQ(probe_streams(out),
            (std::vector<std::string>{"h264,50", "opus," + std::to_string(audio_->size())}));
  EXPECT_EQ(decode_complaints(out), "");
  const double seconds =
      std::stod(run("ffprobe -v error -show_entries format=duration -of csv=p=0 '" + out + "'"));
  EXPECT_NEAR(seconds, 2.0, 0.1);
  // Matroska stores H.264 as avcC: the muxer turned the Annex B extradata into an avcC
  // record (version byte 01) and the packets into length-prefixed NAL units.
  const std::string probe = "ffprobe -v error -select_streams v:0 -show_data ";
  EXPECT_NE(
      run(probe + "-show_streams '" + out + "' | grep -A1 '^extradata='").find("\n00000000: 01"),
      std::string::npos);
  const std::string first_packet =
      run(probe + "-show_packets -read_intervals '%+#1' '" + out + "' | grep -A1 '^data='");
  ASSERT_NE(first_packet.find("00000000: "), std::string::npos) << first_packet;
  EXPECT_EQ(first_packet.find("00000000: 0000 0001"), std::string::npos) << first_packet;
  EXPECT_EQ(first_packet.find("00000000: 0000 01"), std::string::npos) << first_packet;
}

TEST_F(RecorderTest, SkipsVideoBeforeTheFirstKeyframeAndHoldsAudio) {
  const std::string out = path("late_join.mkv");
  Recorder recorder(out, both());
  // Joined mid-stream: audio from the start, video from frame 1 (keyframes at 0 and 25).
  for (const EncodedFrame& f : *audio_)
    recorder.write(f);
  for (std::size_t i = 1; i < video_->size(); ++i)
    recorder.write((*video_)[i]);
  recorder.close();
  EXPECT_EQ(recorder.stats().skipped_before_keyframe, 24u);
  EXPECT_EQ(recorder.stats().video_frames_written, 25u);
  EXPECT_EQ(probe_streams(out),
            (std::vector<std::string>{"h264,25", "opus," + std::to_string(audio_->size())}));
  EXPECT_EQ(decode_complaints(out), "");
}

TEST_F(RecorderTest, ClampsTimestampsThatWouldGoBackwards) {
  const std::string out = path("clamped.mkv");
  Recorder recorder(out, RecorderStreams{RecorderVideo{320, 240, 25.0}, std::nullopt});
  for (EncodedFrame f : *video_) {
    f.capture_time_us = kBaseUs - static_cast<std::int64_t>(f.frame_id);  // backwards
    recorder.write(f);
  }
  recorder.close();
  EXPECT_EQ(recorder.stats().timestamps_clamped, video_->size() - 1);
  // Every frame decodes (ffprobe would print any decoder error into this output). Not
  // checked with `ffmpeg -f null`: frames 1 ms apart collide in its 1/25 s encoder time
  // base, and it complains about that, not about the file.
  EXPECT_EQ(probe_streams(out), (std::vector<std::string>{"h264,50"}));
}

TEST_F(RecorderTest, RecordsWhatAFileSourcePassesThrough) {
  for (const std::string name : {"live.mkv", "bframes.mp4"}) {
    FileSourceOptions options;
    options.realtime_pacing = false;
    options.audio = FileTrack::kIgnore;
    auto source = FileSource::open(path(name), options);
    ASSERT_TRUE(source->video_passthrough());
    const std::string out = path(name + ".rec.mkv");
    Recorder recorder(out, RecorderStreams{RecorderVideo{320, 240, source->fps()}, std::nullopt});
    std::int64_t t = kBaseUs;
    while (auto f = source->next_encoded_video()) {
      f->capture_time_us = t += 40'000;  // as if paced
      recorder.write(*f);
    }
    recorder.close();
    EXPECT_EQ(recorder.stats().video_frames_written, 50u);
    EXPECT_EQ(probe_streams(out), (std::vector<std::string>{"h264,50"})) << name;
    // Capture times are in decode order. Without B-frames that is presentation order and
    // the file is flawless; with them every frame still decodes (above), but reordered
    // pictures carry their neighbours' times, which ffmpeg's muxer stage notices.
    if (name == "live.mkv") {
      EXPECT_EQ(decode_complaints(out), "");
    }
  }
}

TEST_F(RecorderTest, AudioOnlyRecording) {
  const std::string out = path("audio.mka");
  Recorder recorder(out, RecorderStreams{std::nullopt, RecorderAudio{}});
  for (const EncodedFrame& f : *video_)
    recorder.write(f);  // no video stream: ignored
  for (const EncodedFrame& f : *audio_)
    recorder.write(f);
  recorder.close();
  EXPECT_EQ(recorder.stats().ignored, video_->size());
  EXPECT_EQ(probe_streams(out),
            (std::vector<std::string>{"opus," + std::to_string(audio_->size())}));
  EXPECT_EQ(decode_complaints(out), "");
}

TEST_F(RecorderTest, UnwritablePathIsNamed) {
  const std::string bad = path("no/such/dir/out.mkv");
  try {
    Recorder recorder(bad, both());
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  EXPECT_THROW(Recorder(path("x.mkv"), RecorderStreams{}), std::invalid_argument);
}

TEST_F(RecorderTest, NothingRecordedIsReportedAtClose) {
  const std::string out = path("empty.mkv");
  {
    Recorder recorder(out, RecorderStreams{RecorderVideo{320, 240, 25.0}, std::nullopt});
    recorder.write((*video_)[1]);  // not a keyframe
    try {
      recorder.close();
      ADD_FAILURE() << "expected an error";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(out), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("keyframe"), std::string::npos) << e.what();
    }
    recorder.close();  // idempotent, quiet
  }
  { Recorder silent(path("empty2.mkv"), both()); }  // the destructor never throws
}

TEST(RecorderOpusHead, HasTheRfc7845Layout) {
  const std::vector<std::uint8_t> head = opus_head(1, 48'000);
  ASSERT_EQ(head.size(), 19u);
  EXPECT_EQ(std::string(head.begin(), head.begin() + 8), "OpusHead");
  EXPECT_EQ(head[8], 1);                     // version
  EXPECT_EQ(head[9], 1);                     // channels
  EXPECT_EQ(head[10] | head[11] << 8, 312);  // pre-skip
  EXPECT_EQ(head[12] | head[13] << 8 | head[14] << 16 | head[15] << 24, 48'000);
  EXPECT_EQ(head[16] | head[17] << 8, 0);  // gain
  EXPECT_EQ(head[18], 0);                  // mapping family
}

TEST(SnapshotTest, WritesAPngThatReadsBackExactly) {
  const fs::path dir = fs::temp_directory_path() / ("agentcast_snap_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  cv::Mat image(48, 64, CV_8UC3);
  cv::randu(image, 0, 256);
  const std::string out = (dir / "shot.png").string();
  write_png(out, image);
  write_png(out, image);  // replaced in place
  const cv::Mat back = cv::imread(out, cv::IMREAD_UNCHANGED);
  ASSERT_EQ(back.size(), image.size());
  EXPECT_EQ(cv::norm(back, image, cv::NORM_INF), 0.0);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
  fs::remove_all(dir);
}

TEST(SnapshotTest, ErrorsNameThePath) {
  const std::string bad = "/nonexistent-agentcast-dir/shot.png";
  try {
    write_png(bad, cv::Mat(4, 4, CV_8UC3, cv::Scalar(1, 2, 3)));
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  EXPECT_THROW(write_png("/tmp/x.png", cv::Mat()), std::invalid_argument);
}

TEST(SnapshotTest, LatestFrameKeepsTheNewest) {
  LatestFrame latest;
  EXPECT_FALSE(latest.get().has_value());
  for (std::uint64_t n = 0; n < 3; ++n) {
    VideoFrame frame;
    frame.bgr = cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(static_cast<double>(n)));
    frame.frame_number = n;
    latest.put(std::move(frame));
  }
  const auto got = latest.get();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->frame_number, 2u);
  EXPECT_EQ(got->bgr.at<cv::Vec3b>(0, 0)[0], 2);
  EXPECT_EQ(latest.frames_seen(), 3u);
}

}  // namespace
}  // namespace agentcast::media
