// The two-way call (`agentcast view CALLCODE --send-back`): the viewer's agent sends its
// camera and microphone back through its sending section, on the viewer→sender keys, and
// the sender decodes, records and plays it. Both directions are checked as a user would:
// snapshots, recordings, the returned tone, and the statistics of both ends. In
// distributed seed mode the viewer is the seed generating section of its back streams.

#include <gtest/gtest.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "agentcast/crypto/identity.h"
#include "agentcast/crypto/join_proof.h"
#include "agentcast/media/spectrum.h"
#include "agentcast/media/test_pattern.h"
#include "agentcast/media/wav.h"
#include "agentcast/net/call_code.h"
#include "e2e/call_runner.h"
#include "support/process.h"

namespace agentcast::test {
namespace {

using namespace std::chrono_literals;

constexpr int kSeconds = 10;
constexpr int kBackWidth = 640;  // not the sender's 1280x720: each direction has its own size
constexpr int kBackHeight = 360;
constexpr int kEpochPackets = 100;

std::vector<std::string> send_back_args() {
  return {"--send-back",
          "--video",
          "test",
          "--audio",
          "tone",
          "--size",
          std::to_string(kBackWidth) + "x" + std::to_string(kBackHeight)};
}

CallResult* two_way_call(const std::string& name, std::vector<std::string> sender_args) {
  CallSetup setup;
  setup.name = name;
  setup.sender_seconds = kSeconds;
  setup.record_back = true;
  setup.sender_args = std::move(sender_args);
  setup.viewer_args = send_back_args();
  return new CallResult(run_call(setup));
}

class SendBackCall : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    call_ = two_way_call("send-back", {});
    distributed_ =
        two_way_call("send-back-distributed",
                     {"--seeds", "distributed", "--epoch-packets", std::to_string(kEpochPackets)});
  }
  static void TearDownTestSuite() {
    delete call_;
    delete distributed_;
    call_ = distributed_ = nullptr;
  }
  static CallResult* call_;
  static CallResult* distributed_;
};
CallResult* SendBackCall::call_ = nullptr;
CallResult* SendBackCall::distributed_ = nullptr;

// Frames decoded at each end against frames sent by the other, recorded for the report.
void expect_both_directions_decoded(const CallResult& call) {
  ASSERT_EQ(call.sender_exit, 0) << call.sender_stderr;
  ASSERT_EQ(call.viewer_exit, 0) << call.viewer_stderr;
  const QJsonObject back = call.sender["back"].toObject();
  const QJsonObject sent_back = call.viewer["send_back"].toObject();
  ASSERT_FALSE(back.isEmpty()) << "the sender's statistics have no back object";
  ASSERT_FALSE(sent_back.isEmpty()) << "the viewer's statistics have no send_back object";

  const double forward_sent = call.sender["video_frames_sent"].toDouble();
  const double forward_decoded = call.viewer["frames_decoded"].toDouble();
  const double back_sent = sent_back["video_frames_sent"].toDouble();
  const double back_decoded = back["frames_decoded"].toDouble();
  EXPECT_GT(forward_sent, 200) << "about ten seconds at 30 fps";
  EXPECT_GT(back_sent, 200) << "about ten seconds at 30 fps";
  EXPECT_GE(forward_decoded, 0.9 * forward_sent)
      << "sender→viewer: sent " << forward_sent << ", decoded " << forward_decoded;
  EXPECT_GE(back_decoded, 0.9 * back_sent)
      << "viewer→sender: sent " << back_sent << ", decoded " << back_decoded;
  EXPECT_EQ(call.viewer["decrypt_failures"].toInt(), 0);
  EXPECT_EQ(back["decrypt_failures"].toInt(), 0);
  EXPECT_EQ(back["decode_errors"].toInt(), 0);
  EXPECT_GT(back["audio_frames_played"].toInt(), 350) << "about nine seconds of 20 ms frames";
  EXPECT_GT(back["unit_switches"].toInt(), 10) << "the back streams hopped between units";
  ::testing::Test::RecordProperty("forward_frames", std::to_string(int(forward_decoded)) + "/" +
                                                        std::to_string(int(forward_sent)));
  ::testing::Test::RecordProperty(
      "back_frames", std::to_string(int(back_decoded)) + "/" + std::to_string(int(back_sent)));
  std::printf("%s: sender→viewer %d/%d frames decoded, viewer→sender %d/%d, back epochs %d\n",
              call.dir.c_str(), int(forward_decoded), int(forward_sent), int(back_decoded),
              int(back_sent), back["epochs"].toInt());
}

void expect_test_pattern(const std::string& path, int width, int height) {
  const cv::Mat snapshot = cv::imread(path, cv::IMREAD_COLOR);
  ASSERT_FALSE(snapshot.empty()) << path;
  EXPECT_EQ(snapshot.cols, width) << path;
  EXPECT_EQ(snapshot.rows, height) << path;
  const auto stamp = media::read_test_pattern_stamp(snapshot);
  ASSERT_TRUE(stamp) << path << " carries no readable test pattern stamp";
  const cv::Mat expected =
      media::draw_test_pattern(snapshot.size(), stamp->frame_number, stamp->capture_time_us);
  EXPECT_GT(cv::PSNR(snapshot, expected), 30.0) << path << ": frame " << stamp->frame_number;
}

void expect_recording_decodes(const CallResult& call, const std::string& path,
                              const std::string& name) {
  const std::string log = call.dir + "/ffmpeg-" + name + ".log";
  ChildProcess ffmpeg({"ffmpeg", "-v", "error", "-i", path, "-fps_mode", "passthrough",
                       "-enc_time_base", "-1", "-f", "null", "-"},
                      "/dev/null", log);
  ASSERT_EQ(ffmpeg.wait_for(120s), 0) << read_file(log);
  EXPECT_EQ(read_file(log), "") << "ffmpeg reported decoding errors in " << path;
  const std::string counts = call.dir + "/ffprobe-" + name + ".txt";
  ChildProcess ffprobe({"ffprobe", "-v", "error", "-count_frames", "-show_entries",
                        "stream=codec_name,width,nb_read_frames", "-of", "csv=p=0", path},
                       counts, "/dev/null");
  ASSERT_EQ(ffprobe.wait_for(120s), 0);
  const std::string text = read_file(counts);
  EXPECT_NE(text.find("h264,"), std::string::npos) << text;
  EXPECT_NE(text.find("opus,"), std::string::npos) << text;
}

void expect_tone(const std::string& path) {
  const media::WavData wav = media::read_wav(path);
  ASSERT_EQ(wav.sample_rate, 48000) << path;
  // The back direction starts when the viewer has joined, a moment after the sender.
  ASSERT_GT(wav.samples.size(), 48000U * 7) << path << ": at least seven seconds of audio";
  // Skip the first half second (the decoder settling), analyse the rest.
  const std::span<const std::int16_t> steady(wav.samples.data() + 24000,
                                             wav.samples.size() - 24000);
  EXPECT_NEAR(media::dominant_frequency(steady, wav.sample_rate), 440.0, 2.0) << path;
}

TEST_F(SendBackCall, BothDirectionsAreDecoded) {
  expect_both_directions_decoded(*call_);
}

TEST_F(SendBackCall, BothSnapshotsShowTheTestPattern) {
  expect_test_pattern(call_->snapshot_path, 1280, 720);
  expect_test_pattern(call_->back_snapshot_path, kBackWidth, kBackHeight);
}

TEST_F(SendBackCall, BothRecordingsDecode) {
  expect_recording_decodes(*call_, call_->recording_path, "forward");
  expect_recording_decodes(*call_, call_->back_recording_path, "back");
}

TEST_F(SendBackCall, TheToneComesBack) {
  expect_tone(call_->wav_path);
  expect_tone(call_->back_wav_path);
}

TEST_F(SendBackCall, TheSenderListsTheViewerAsSendingBack) {
  const QJsonArray viewers = call_->sender["viewers"].toArray();
  for (const auto& viewer : viewers)
    EXPECT_TRUE(viewer.toObject()["send_back"].toBool());
  EXPECT_EQ(call_->sender["back"].toObject()["slot"].toInt(), 0);
  EXPECT_NE(call_->sender_stderr.find("sending back"), std::string::npos) << call_->sender_stderr;
}

// Fig. 15 in the other direction: the viewer draws its back streams' seeds and sends them
// over the control channel ahead of use; the sender's receiving sections follow.
TEST_F(SendBackCall, DistributedSeedsGoBackAheadOfUse) {
  expect_both_directions_decoded(*distributed_);
  const QJsonObject back = distributed_->sender["back"].toObject();
  const QJsonObject sent_back = distributed_->viewer["send_back"].toObject();
  EXPECT_GE(back["epochs"].toInt(), 2) << "the back streams changed epoch";
  EXPECT_GE(sent_back["epochs"].toInt(), 2);
  EXPECT_GE(sent_back["seeds_distributed"].toInt(), 2);
  EXPECT_GE(back["seeds_received"].toInt(), 2);
  EXPECT_EQ(back["seeds_refused"].toInt(), 0);
  EXPECT_EQ(sent_back["epoch_changes_delayed"].toInt(), 0) << "no epoch waited for its seed";
  // The forward direction is unchanged: the sender's seeds reach the viewer as before.
  EXPECT_GE(distributed_->viewer["epochs"].toInt(), 2);
  EXPECT_EQ(distributed_->viewer["seeds_refused"].toInt(), 0);
  EXPECT_EQ(distributed_->sender["epoch_changes_delayed"].toInt(), 0);
  expect_test_pattern(distributed_->back_snapshot_path, kBackWidth, kBackHeight);
}

// Runs agentcast; returns its exit status with its standard error in `err`.
int run_agentcast(std::vector<std::string> args, const std::string& dir, std::string& err) {
  args.insert(args.begin(), AGENTCAST_BINARY);
  ChildProcess process(args, dir + "/stdout.txt", dir + "/stderr.txt");
  const auto status = process.wait_for(60s);
  err = read_file(dir + "/stderr.txt");
  return status.value_or(-1);
}

std::string fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::path(AGENTCAST_TEST_OUTPUT_DIR) / ("e2e-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST_F(SendBackCall, ReceiveOnlySenderRefusesASendBackViewer) {
  const std::string dir = fresh_dir("send-back-broadcast");
  ChildProcess sender(
      {AGENTCAST_BINARY, "send", "--listen", "127.0.0.1:0", "--duration", "30", "--agent",
       "receive-only", "--identity", dir + "/id.pem", "--call-code-file", dir + "/code.txt"},
      dir + "/send.out", dir + "/send.err");
  ASSERT_TRUE(
      wait_until([&] { return read_file(dir + "/code.txt").find('\n') != std::string::npos; }, 30s))
      << read_file(dir + "/send.err");
  std::string code = read_file(dir + "/code.txt");
  code.pop_back();
  std::vector<std::string> args = {"view", code, "--headless", "--audio-out", "none"};
  const auto back = send_back_args();
  args.insert(args.end(), back.begin(), back.end());
  std::string err;
  EXPECT_EQ(run_agentcast(args, dir, err), 6);
  EXPECT_NE(err.find("this is a broadcast: viewers cannot send back"), std::string::npos) << err;
  sender.signal(SIGTERM);
  EXPECT_EQ(sender.wait_for(30s), 0);
  EXPECT_NE(read_file(dir + "/send.err").find("viewers cannot send back"), std::string::npos);
}

TEST_F(SendBackCall, MissingCameraAskedForByNameExitsWithStatus3) {
  const std::string dir = fresh_dir("send-back-camera");
  const net::CallCode code{"127.0.0.1", 9, crypto::Identity::generate().fingerprint(),
                           crypto::random_join_secret()};
  std::string err;
  EXPECT_EQ(run_agentcast({"view", code.to_string(), "--headless", "--send-back", "--video",
                           "camera:57", "--audio", "tone"},
                          dir, err),
            3);
  EXPECT_NE(err.find("camera 57"), std::string::npos) << err;
}

// Without a camera of its own, a two-way viewer still sends back: the test pattern, with
// a warning naming the missing device.
TEST_F(SendBackCall, MissingDefaultCameraFallsBackToTheTestPattern) {
  if (std::filesystem::exists("/dev/video0")) GTEST_SKIP() << "this machine has a camera";
  const std::string dir = fresh_dir("send-back-default-camera");
  const net::CallCode code{"127.0.0.1", 9, crypto::Identity::generate().fingerprint(),
                           crypto::random_join_secret()};
  std::string err;
  EXPECT_EQ(run_agentcast({"view", code.to_string(), "--headless", "--send-back", "--audio", "tone",
                           "--connect-timeout", "1"},
                          dir, err),
            5)
      << "it went on to connect";
  EXPECT_NE(err.find("camera 0"), std::string::npos) << err;
  EXPECT_NE(err.find("test pattern instead"), std::string::npos) << err;
}

TEST_F(SendBackCall, SendBackOptionsNeedSendBack) {
  const std::string dir = fresh_dir("send-back-usage");
  const net::CallCode code{"127.0.0.1", 9, crypto::Identity::generate().fingerprint(),
                           crypto::random_join_secret()};
  std::string err;
  EXPECT_EQ(run_agentcast({"view", code.to_string(), "--video", "test"}, dir, err), 2);
  EXPECT_NE(err.find("--send-back"), std::string::npos) << err;
}

}  // namespace
}  // namespace agentcast::test
