// End to end, as a user runs it: `agentcast send` and `agentcast view` as two processes on
// loopback, then the files a user would look at (statistics, snapshot, WAV, recording) and
// what an eavesdropper on the wire sees.

#include <gtest/gtest.h>

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "agentcast/media/spectrum.h"
#include "agentcast/media/test_pattern.h"
#include "agentcast/media/wav.h"
#include "agentcast/net/call_code.h"
#include "e2e/call_runner.h"
#include "support/process.h"

namespace agentcast::test {
namespace {

using namespace std::chrono_literals;

// One ten-second call, shared by the tests below; the wire is captured with tshark.
class LoopbackCall : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CallSetup setup;
    setup.name = "loopback";
    setup.sender_seconds = 11;
    setup.capture_wire = true;
    call_ = new CallResult(run_call(setup));
  }
  static void TearDownTestSuite() {
    delete call_;
    call_ = nullptr;
  }
  static CallResult* call_;
};
CallResult* LoopbackCall::call_ = nullptr;

TEST_F(LoopbackCall, BothEndsExitCleanly) {
  EXPECT_EQ(call_->sender_exit, 0) << call_->sender_stderr;
  EXPECT_EQ(call_->viewer_exit, 0) << call_->viewer_stderr;
  EXPECT_NE(call_->viewer_stderr.find("session ended: the sender stopped"), std::string::npos)
      << call_->viewer_stderr;
}

TEST_F(LoopbackCall, AtLeast99PercentOfSentFramesAreDecoded) {
  const double sent = call_->sender["video_frames_sent"].toDouble();
  const double decoded = call_->viewer["frames_decoded"].toDouble();
  EXPECT_GT(sent, 250) << "about ten seconds at 30 fps";
  EXPECT_GE(decoded, 0.99 * sent) << "sent " << sent << ", decoded " << decoded;
  EXPECT_EQ(call_->viewer["decrypt_failures"].toInt(), 0);
  EXPECT_EQ(call_->viewer["decode_errors"].toInt(), 0);
  EXPECT_GT(call_->viewer["unit_switches"].toInt(), 10) << "the agents hopped between units";
}

TEST_F(LoopbackCall, SnapshotShowsTheTestPattern) {
  const cv::Mat snapshot = cv::imread(call_->snapshot_path, cv::IMREAD_COLOR);
  ASSERT_FALSE(snapshot.empty()) << call_->snapshot_path;
  EXPECT_EQ(snapshot.cols, 1280);
  EXPECT_EQ(snapshot.rows, 720);
  const auto stamp = media::read_test_pattern_stamp(snapshot);
  ASSERT_TRUE(stamp) << "the snapshot carries no readable test pattern stamp";
  const cv::Mat expected =
      media::draw_test_pattern(snapshot.size(), stamp->frame_number, stamp->capture_time_us);
  EXPECT_GT(cv::PSNR(snapshot, expected), 30.0) << "frame " << stamp->frame_number;
}

TEST_F(LoopbackCall, WavHoldsTheTone) {
  const media::WavData wav = media::read_wav(call_->wav_path);
  ASSERT_EQ(wav.sample_rate, 48000);
  ASSERT_GT(wav.samples.size(), 48000U * 8) << "at least eight seconds of audio";
  // Skip the first half second (the decoder settling), analyse the rest.
  const std::span<const std::int16_t> steady(wav.samples.data() + 24000,
                                             wav.samples.size() - 24000);
  EXPECT_NEAR(media::dominant_frequency(steady, wav.sample_rate), 440.0, 2.0);
  EXPECT_LE(media::longest_silence_ms(steady, wav.sample_rate), 20.0);
}

TEST_F(LoopbackCall, RecordingPlaysEveryFrame) {
  const std::string log = call_->dir + "/ffmpeg-decode.log";
  // Frames keep their real capture times (a variable rate): timestamps pass through in the
  // file's own time base instead of being rounded onto a constant-rate grid.
  ChildProcess ffmpeg({"ffmpeg", "-v", "error", "-i", call_->recording_path, "-fps_mode",
                       "passthrough", "-enc_time_base", "-1", "-f", "null", "-"},
                      "/dev/null", log);
  ASSERT_EQ(ffmpeg.wait_for(120s), 0) << read_file(log);
  EXPECT_EQ(read_file(log), "") << "ffmpeg reported decoding errors";
  const std::string counts = call_->dir + "/ffprobe.txt";
  ChildProcess ffprobe(
      {"ffprobe", "-v", "error", "-count_frames", "-show_entries",
       "stream=codec_name,nb_read_frames", "-of", "csv=p=0", call_->recording_path},
      counts, "/dev/null");
  ASSERT_EQ(ffprobe.wait_for(120s), 0);
  const std::string text = read_file(counts);
  EXPECT_NE(text.find("h264,"), std::string::npos) << text;
  EXPECT_NE(text.find("opus,"), std::string::npos) << text;
  const auto h264 = text.find("h264,");
  const long frames = std::stol(text.substr(h264 + 5));
  EXPECT_GE(frames, call_->viewer["frames_decoded"].toInt());
}

// Bytes of everything the eavesdropper captured, after each packet's 14-byte cleartext header.
std::vector<std::uint8_t> ciphertext_of(const std::vector<std::vector<std::uint8_t>>& packets) {
  std::vector<std::uint8_t> bytes;
  for (const auto& p : packets) {
    if (p.size() > 14) bytes.insert(bytes.end(), p.begin() + 14, p.end());
  }
  return bytes;
}

std::size_t count_occurrences(const std::vector<std::uint8_t>& haystack,
                              std::span<const std::uint8_t> needle) {
  std::size_t count = 0;
  auto it = haystack.begin();
  while ((it = std::search(it, haystack.end(), needle.begin(), needle.end())) != haystack.end()) {
    ++count;
    ++it;
  }
  return count;
}

TEST_F(LoopbackCall, EavesdropperSeesOnlyNoise) {
  ASSERT_TRUE(call_->wire_error.empty()) << call_->wire_error;
  const auto bytes = ciphertext_of(call_->wire_packets);
  ASSERT_GT(bytes.size(), 500'000U) << "the capture holds the call's media";

  std::array<double, 256> histogram{};
  for (std::uint8_t b : bytes)
    ++histogram[b];
  double entropy = 0;
  for (double count : histogram) {
    if (count > 0) entropy -= count / bytes.size() * std::log2(count / bytes.size());
  }
  EXPECT_GT(entropy, 7.9) << "bits per byte";
  RecordProperty("payload_entropy_bits_per_byte", std::to_string(entropy));

  // An H.264 Annex B start code is 2^-32 likely at a random position: none should be seen.
  const std::array<std::uint8_t, 4> start_code = {0, 0, 0, 1};
  EXPECT_EQ(count_occurrences(bytes, start_code), 0U);

  // Nothing of the real media appears: 12-byte pieces of the recorded H.264 and Opus
  // packets (the same bytes the sender encrypted) are searched for in the capture.
  ASSERT_FALSE(call_->recorded_samples.empty());
  std::size_t found = 0;
  for (const auto& sample : call_->recorded_samples)
    found += count_occurrences(bytes, sample);
  EXPECT_EQ(found, 0U) << "plaintext media bytes seen on the wire";

  // The test pattern has long runs of equal bytes; the wire must not.
  std::size_t longest_run = 0, run = 0;
  for (std::size_t i = 1; i < bytes.size(); ++i) {
    run = bytes[i] == bytes[i - 1] ? run + 1 : 0;
    longest_run = std::max(longest_run, run);
  }
  EXPECT_LT(longest_run, 8U);
}

}  // namespace
}  // namespace agentcast::test

namespace agentcast::test {
namespace {

using namespace std::chrono_literals;

// A VOD-style source: an H.264 file is passed through without re-encoding, looping.
TEST(FileCall, H264FileIsPassedThroughAndLoops) {
  const std::string dir = std::string(AGENTCAST_TEST_OUTPUT_DIR) + "/e2e-file-input";
  std::filesystem::create_directories(dir);
  const std::string movie = dir + "/clip.mp4";
  ChildProcess make({"ffmpeg",   "-v",      "error", "-y",
                     "-f",       "lavfi",   "-i",    "testsrc=size=640x360:rate=30",
                     "-f",       "lavfi",   "-i",    "sine=frequency=440:sample_rate=48000",
                     "-t",       "2",       "-c:v",  "libx264",
                     "-bf",      "0",       "-g",    "30",
                     "-pix_fmt", "yuv420p", "-c:a",  "aac",
                     movie},
                    "/dev/null", dir + "/ffmpeg.log");
  ASSERT_EQ(make.wait_for(60s), 0) << read_file(dir + "/ffmpeg.log");

  CallSetup setup;
  setup.name = "file";
  setup.sender_seconds = 8;
  setup.sender_args = {"--video", "file:" + movie, "--audio", "file:" + movie, "--loop"};
  const CallResult call = run_call(setup);
  EXPECT_EQ(call.sender_exit, 0) << call.sender_stderr;
  EXPECT_EQ(call.viewer_exit, 0) << call.viewer_stderr;
  EXPECT_EQ(call.viewer["decrypt_failures"].toInt(), 0);
  // Eight seconds of a two-second file: it looped.
  EXPECT_GT(call.sender["video_frames_sent"].toInt(), 150);
  EXPECT_GE(call.viewer["frames_decoded"].toDouble(),
            0.99 * call.sender["video_frames_sent"].toDouble());
  EXPECT_EQ(call.viewer["last_frame"].toObject()["width"].toInt(), 640);
  const media::WavData wav = media::read_wav(call.wav_path);
  ASSERT_GT(wav.samples.size(), 48000U * 3);
  EXPECT_NEAR(media::dominant_frequency(wav.samples, wav.sample_rate), 440.0, 3.0);
}

}  // namespace
}  // namespace agentcast::test
