// FileSource and read_encoded_packets() against files the ffmpeg command line tool makes:
// H.264 passthrough (MP4, Matroska, MPEG-TS), the decode path (MPEG-4 Part 2, forced H.264
// decode with scaling), 48 kHz audio, looping, real-time pacing, and the errors at open.

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>

#include "agentcast/media/audio_source.h"
#include "agentcast/media/file_source.h"
#include "agentcast/media/video_source.h"

namespace agentcast::media {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

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

int count_packets(const std::string& path, const std::string& stream) {
  const std::string out =
      run("ffprobe -v error -select_streams " + stream +
          " -count_packets -show_entries stream=nb_read_packets -of csv=p=0 '" + path + "'");
  return out.empty() ? -1 : std::stoi(out);
}

std::vector<int> nal_types(const std::vector<std::uint8_t>& au) {
  std::vector<int> types;
  for (std::size_t i = 0; i + 3 < au.size(); ++i) {
    if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1) types.push_back(au[i + 3] & 0x1f);
  }
  return types;
}

bool has(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool starts_with_start_code(const std::vector<std::uint8_t>& d) {
  return (d.size() > 4 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 1) ||
         (d.size() > 3 && d[0] == 0 && d[1] == 0 && d[2] == 1);
}

class FileSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("agentcast_file_source_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string av =
        " -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i "
        "sine=frequency=440:sample_rate=44100 ";
    const std::string x264 = " -c:v libx264 -pix_fmt yuv420p -g 25 ";
    // Durations are output options (after the inputs): lavfi's sine never ends by itself.
    make(av + x264 + "-c:a aac -t 2", "h264_aac.mp4");
    make(av + x264 + "-c:a libopus -t 2", "h264_opus.mkv");
    make("-f lavfi -i testsrc=size=320x240:rate=25" + x264 + "-t 2 -f mpegts", "h264.ts");
    make("-f lavfi -i testsrc=size=320x240:rate=25 -c:v mpeg4 -t 2", "mpeg4.avi");
    make("-f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=f=440:r=48000" + x264 +
             "-bf 0 -c:a aac -t 0.4",
         "short.mp4");
    make("-f lavfi -i testsrc=size=160x120:rate=1" + x264 + "-bf 0 -t 3", "slow.mp4");
    make("-f lavfi -i sine=f=440:r=48000 -t 1", "tone.wav");
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static void make(const std::string& args, const std::string& name) {
    const std::string command =
        "timeout 60 ffmpeg -nostdin -v error -y " + args + " '" + path(name) + "' 2>&1";
    ASSERT_EQ(run(command), "") << command;
  }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

  static FileSourceOptions unpaced() {
    FileSourceOptions options;
    options.realtime_pacing = false;
    return options;
  }

  // Reads a passed-through file to its end and checks what every viewer relies on.
  static void expect_annexb_passthrough(const std::string& name) {
    auto source = FileSource::open(path(name), unpaced());
    ASSERT_TRUE(source->video_passthrough()) << source->describe();
    EXPECT_EQ(source->size(), cv::Size(320, 240));
    EXPECT_NEAR(source->fps(), 25.0, 0.01);
    std::vector<EncodedFrame> frames;
    while (auto f = source->next_encoded_video())
      frames.push_back(std::move(*f));
    ASSERT_EQ(static_cast<int>(frames.size()), count_packets(path(name), "v:0"));
    ASSERT_FALSE(frames.empty());
    EXPECT_TRUE(frames.front().keyframe);
    std::ofstream annexb(path(name + ".h264"), std::ios::binary);
    int keyframes = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const EncodedFrame& f = frames[i];
      EXPECT_EQ(f.codec, Codec::kH264);
      EXPECT_EQ(f.frame_id, i);
      ASSERT_TRUE(starts_with_start_code(f.data)) << "frame " << i;
      if (i > 0) {
        EXPECT_GE(f.capture_time_us, frames[i - 1].capture_time_us);
      }
      const auto types = nal_types(f.data);
      EXPECT_EQ(f.keyframe, has(types, 5)) << "frame " << i;
      if (f.keyframe) {
        ++keyframes;
        EXPECT_TRUE(has(types, 7) && has(types, 8)) << "IDR frame " << i << " without SPS/PPS";
      }
      annexb.write(reinterpret_cast<const char*>(f.data.data()),
                   static_cast<std::streamsize>(f.data.size()));
    }
    annexb.close();
    EXPECT_EQ(keyframes, 2);  // -g 25 over 50 frames
    EXPECT_EQ(source->errors(), 0u);
    // The released stream, concatenated, is a raw H.264 stream that decodes cleanly.
    EXPECT_EQ(run("ffmpeg -nostdin -v error -i '" + path(name + ".h264") + "' -f null - 2>&1"), "");
  }

  static inline fs::path dir_;
};

TEST_F(FileSourceTest, H264InMp4IsPassedThroughAsAnnexB) {
  expect_annexb_passthrough("h264_aac.mp4");
}

TEST_F(FileSourceTest, H264InMatroskaIsPassedThroughAsAnnexB) {
  expect_annexb_passthrough("h264_opus.mkv");
}

TEST_F(FileSourceTest, AnnexBH264InTransportStreamIsPassedThrough) {
  expect_annexb_passthrough("h264.ts");
}

TEST_F(FileSourceTest, Mpeg4IsDecodedToBgrFrames) {
  auto source = FileSource::open(path("mpeg4.avi"), unpaced());
  ASSERT_TRUE(source->has_video());
  EXPECT_FALSE(source->has_audio());
  EXPECT_FALSE(source->video_passthrough());
  EXPECT_FALSE(source->next_encoded_video().has_value());
  EXPECT_EQ(source->size(), cv::Size(320, 240));
  std::uint64_t n = 0;
  while (auto frame = source->next_raw_video()) {
    EXPECT_EQ(frame->frame_number, n++);
    ASSERT_EQ(frame->bgr.type(), CV_8UC3);
    ASSERT_EQ(frame->bgr.size(), cv::Size(320, 240));
    EXPECT_GT(cv::mean(frame->bgr)[0] + cv::mean(frame->bgr)[1], 20.0);  // not black
  }
  EXPECT_EQ(static_cast<int>(n), count_packets(path("mpeg4.avi"), "v:0"));
  EXPECT_EQ(n, 50u);
  EXPECT_EQ(source->errors(), 0u);
}

TEST_F(FileSourceTest, DecodePathScalesToTheRequestedSize) {
  FileSourceOptions options = unpaced();
  options.allow_passthrough = false;
  options.width = 160;
  options.height = 120;
  auto source = FileSource::open(path("h264_aac.mp4"), options);
  EXPECT_FALSE(source->video_passthrough());
  EXPECT_EQ(source->size(), cv::Size(160, 120));
  int n = 0;
  while (auto frame = source->next_raw_video()) {
    ASSERT_EQ(frame->bgr.size(), cv::Size(160, 120));
    ++n;
  }
  EXPECT_EQ(n, 50);
}

TEST_F(FileSourceTest, AudioComesAs20msFramesOf48kHzMono) {
  FileSourceOptions options = unpaced();
  options.audio = FileTrack::kRequired;
  auto source = FileSource::open(path("h264_aac.mp4"), options);
  ASSERT_TRUE(source->has_audio());
  std::vector<std::int16_t> all;
  std::uint64_t n = 0;
  while (auto frame = source->next_audio()) {
    ASSERT_EQ(frame->samples.size(), static_cast<std::size_t>(kAudioFrameSamples));
    EXPECT_EQ(frame->frame_number, n++);
    all.insert(all.end(), frame->samples.begin(), frame->samples.end());
  }
  EXPECT_NEAR(static_cast<double>(n), 100.0, 3.0);  // 2 s of audio
  // One second from the middle: loud enough, and a 440 Hz sine crosses zero upwards 440 times.
  const std::size_t from = 24'000;
  double energy = 0;
  int rising = 0;
  for (std::size_t i = from; i < from + 48'000; ++i) {
    energy += static_cast<double>(all[i]) * all[i];
    if (all[i - 1] < 0 && all[i] >= 0) ++rising;
  }
  EXPECT_GT(std::sqrt(energy / 48'000), 1000.0);
  EXPECT_NEAR(rising, 440, 3);
}

TEST_F(FileSourceTest, LoopingContinuesFramesAndTimestamps) {
  FileSourceOptions options = unpaced();
  options.loop = true;
  auto source = FileSource::open(path("h264_aac.mp4"), options);
  std::vector<EncodedFrame> frames;
  for (int i = 0; i < 3 * 50 + 5; ++i) {
    auto f = source->next_encoded_video();
    ASSERT_TRUE(f.has_value()) << "frame " << i;
    frames.push_back(std::move(*f));
  }
  EXPECT_EQ(source->loops(), 3u);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].frame_id, frames[i - 1].frame_id + 1);
    EXPECT_GE(frames[i].capture_time_us, frames[i - 1].capture_time_us);
  }
  for (std::size_t pass_start : {50u, 100u, 150u}) {  // each pass restarts on an IDR with SPS
    EXPECT_TRUE(frames[pass_start].keyframe);
    EXPECT_TRUE(has(nal_types(frames[pass_start].data), 7));
  }
  // Audio loops too, and never ends.
  for (int i = 0; i < 250; ++i)
    ASSERT_TRUE(source->next_audio().has_value()) << i;
}

TEST_F(FileSourceTest, RealtimePacingFollowsTimestampsAcrossLoopsForBothTracks) {
  FileSourceOptions options;  // paced
  options.loop = true;
  auto source = FileSource::open(path("short.mp4"), options);  // 10 frames, 0.4 s
  ASSERT_TRUE(source->has_audio());
  double audio_ms = 0;
  std::thread audio([&] {
    const auto start = Clock::now();
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE(source->next_audio().has_value());
    audio_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  });
  const auto start = Clock::now();
  std::int64_t first_us = 0;
  std::int64_t last_us = 0;
  for (int i = 0; i < 25; ++i) {
    auto f = source->next_encoded_video();
    ASSERT_TRUE(f.has_value());
    if (i == 0) first_us = f->capture_time_us;
    last_us = f->capture_time_us;
  }
  const double video_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  audio.join();
  // Frame 24 is frame 4 of the third pass: 2 passes of ~0.4 s plus 4 x 40 ms.
  EXPECT_GT(video_ms, 900.0);
  EXPECT_LT(video_ms, 1200.0);
  EXPECT_NEAR(static_cast<double>(last_us - first_us) / 1000.0, video_ms, 30.0);
  EXPECT_GT(audio_ms, 900.0);  // 49 x 20 ms after the first
  EXPECT_LT(audio_ms, 1200.0);
  EXPECT_EQ(source->loops(), 4u);  // two per track
}

TEST_F(FileSourceTest, InterruptWakesAReaderWaitingForItsFrame) {
  auto source = FileSource::open(path("slow.mp4"));  // one frame per second, paced
  ASSERT_TRUE(source->next_encoded_video().has_value());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    source->interrupt();
  });
  const auto start = Clock::now();
  EXPECT_FALSE(source->next_encoded_video().has_value());
  stopper.join();
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(600));
  EXPECT_FALSE(source->next_audio().has_value());
}

TEST_F(FileSourceTest, AudioOnlyFileServesAudioAndRefusesRequiredVideo) {
  try {
    FileSource::open(path("tone.wav"));
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path("tone.wav")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no video track"), std::string::npos) << e.what();
  }
  FileSourceOptions options = unpaced();
  options.video = FileTrack::kIgnore;
  options.audio = FileTrack::kRequired;
  auto source = FileSource::open(path("tone.wav"), options);
  EXPECT_FALSE(source->has_video());
  EXPECT_FALSE(source->next_raw_video().has_value());
  int n = 0;
  while (source->next_audio())
    ++n;
  EXPECT_EQ(n, 50);
}

// `file:PATH` opens through the same factories as the camera and the tone: a caller holds a
// VideoSource or an AudioSource and learns only whether the pictures are encoded already.
TEST_F(FileSourceTest, FilesOpenAsVideoAndAudioSourcesLikeAnyOther) {
  VideoSourceOptions video_options;
  video_options.width = 160;
  video_options.height = 120;
  video_options.pacing = Pacing::kUnpaced;
  auto passthrough = open_video_source("file:" + path("h264_aac.mp4"), video_options);
  ASSERT_TRUE(passthrough->encoded()) << passthrough->describe();
  EXPECT_EQ(passthrough->format().width, 320);  // passed through at the file's own size
  EXPECT_EQ(passthrough->format().height, 240);
  EXPECT_NEAR(passthrough->format().fps, 25.0, 0.01);
  EXPECT_FALSE(passthrough->next().has_value());
  int encoded = 0;
  while (auto frame = passthrough->next_encoded()) {
    EXPECT_EQ(frame->codec, Codec::kH264);
    ++encoded;
  }
  EXPECT_EQ(encoded, count_packets(path("h264_aac.mp4"), "v:0"));

  auto decoded = open_video_source("file:" + path("mpeg4.avi"), video_options);
  ASSERT_FALSE(decoded->encoded()) << decoded->describe();
  EXPECT_EQ(decoded->format().width, 160);  // decoded, then scaled to the size asked for
  EXPECT_EQ(decoded->format().height, 120);
  EXPECT_NEAR(decoded->format().fps, 25.0, 0.01);
  EXPECT_FALSE(decoded->next_encoded().has_value());
  int pictures = 0;
  while (auto frame = decoded->next()) {
    EXPECT_EQ(frame->bgr.size(), cv::Size(160, 120));
    ++pictures;
  }
  EXPECT_EQ(pictures, 50);

  AudioSourceOptions audio_options;
  audio_options.pacing = Pacing::kUnpaced;
  auto sound = open_audio_source("file:" + path("tone.wav"), audio_options);
  int frames = 0;
  while (sound->next())
    ++frames;
  EXPECT_EQ(frames, 50);

  // A file without the track asked for is refused by name, as a missing camera is.
  for (const auto& open : {std::function<void()>([&] {
                             open_audio_source("file:" + path("mpeg4.avi"), audio_options);
                           }),
                           std::function<void()>([&] {
                             open_video_source("file:" + path("tone.wav"), video_options);
                           })}) {
    try {
      open();
      ADD_FAILURE() << "expected an error";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path("")), std::string::npos) << e.what();
    }
  }
}

TEST_F(FileSourceTest, InterruptWakesAFileSourceWaitingForItsFrame) {
  auto source = open_video_source("file:" + path("slow.mp4"), VideoSourceOptions{});
  ASSERT_TRUE(source->next_encoded().has_value());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    source->interrupt();
  });
  const auto start = Clock::now();
  EXPECT_FALSE(source->next_encoded().has_value());
  stopper.join();
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(900));
}

TEST_F(FileSourceTest, MissingFileErrorNamesThePath) {
  const std::string missing = path("no_such_file.mp4");
  try {
    FileSource::open(missing);
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
}

TEST_F(FileSourceTest, TextFileIsNotAMediaFile) {
  for (const std::string name : {"notes.txt", "notes.mp4"}) {
    std::ofstream(path(name)) << "hello world, this is not a video\n";
    try {
      FileSource::open(path(name));
      ADD_FAILURE() << "expected an error for " << name;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path(name)), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("not a media file"), std::string::npos) << e.what();
    }
  }
}

TEST_F(FileSourceTest, BadOptionsAreRejected) {
  FileSourceOptions options;
  options.width = 320;  // height missing
  EXPECT_THROW(FileSource::open(path("mpeg4.avi"), options), std::invalid_argument);
  options = FileSourceOptions{};
  options.video = FileTrack::kIgnore;
  options.audio = FileTrack::kIgnore;
  EXPECT_THROW(FileSource::open(path("mpeg4.avi"), options), std::invalid_argument);
}

TEST_F(FileSourceTest, ReadEncodedPacketsDemuxesWithoutDecoding) {
  const auto video = read_encoded_packets(path("h264_opus.mkv"), Codec::kH264);
  ASSERT_EQ(static_cast<int>(video.size()), count_packets(path("h264_opus.mkv"), "v:0"));
  EXPECT_TRUE(video.front().keyframe);
  EXPECT_TRUE(has(nal_types(video.front().data), 7));
  EXPECT_EQ(video.front().capture_time_us, 0);
  const auto audio = read_encoded_packets(path("h264_opus.mkv"), Codec::kOpus);
  ASSERT_EQ(static_cast<int>(audio.size()), count_packets(path("h264_opus.mkv"), "a:0"));
  for (std::size_t i = 1; i < audio.size(); ++i) {
    EXPECT_EQ(audio[i].codec, Codec::kOpus);
    EXPECT_TRUE(audio[i].keyframe);
    // Matroska keeps milliseconds, and Opus's 6.5 ms codec delay makes them round unevenly.
    EXPECT_NEAR(audio[i].capture_time_us - audio[i - 1].capture_time_us, 20'000, 1'000);
  }
  EXPECT_THROW(read_encoded_packets(path("h264_aac.mp4"), Codec::kOpus), std::runtime_error);
}

}  // namespace
}  // namespace agentcast::media
