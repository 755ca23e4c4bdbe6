// Video sources: the test pattern (deterministic, moving, stamped), the slideshow (order,
// hold time, letterboxing, errors naming the glob or file), the camera's error naming its
// device, the spec parser and the pacer.

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "agentcast/media/test_pattern.h"
#include "agentcast/media/video_source.h"

namespace agentcast::media {
namespace {

namespace fs = std::filesystem;

VideoSourceOptions unpaced(int width, int height, int fps = 30) {
  VideoSourceOptions options;
  options.width = width;
  options.height = height;
  options.fps = fps;
  options.pacing = Pacing::kUnpaced;
  return options;
}

// A fresh directory, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("agentcast-video-test-" + std::to_string(::getpid()) +
                                         "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string what_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(TestPattern, IsDeterministic) {
  const cv::Size size(640, 360);
  const cv::Mat a = draw_test_pattern(size, 42, 123'456'789);
  const cv::Mat b = draw_test_pattern(size, 42, 123'456'789);
  ASSERT_EQ(a.size(), size);
  ASSERT_EQ(a.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0);
}

TEST(TestPattern, MovesBetweenFramesASecondApart) {
  const cv::Size size(1280, 720);
  const cv::Rect motion = test_pattern_motion_region(size);
  ASSERT_FALSE(motion.empty());
  // A second apart at 30 and at 60 fps, from every phase of the box's sweep.
  for (const std::uint64_t apart : {30u, 60u}) {
    for (std::uint64_t n = 0; n < 200; n += 7) {
      cv::Mat diff;
      cv::absdiff(draw_test_pattern(size, n, 0)(motion),
                  draw_test_pattern(size, n + apart, 0)(motion), diff);
      // Both boxes' areas differ from the track: several percent of the region, strongly.
      const cv::Scalar per_channel = cv::mean(diff);
      EXPECT_GT((per_channel[0] + per_channel[1] + per_channel[2]) / 3, 8.0)
          << "frames " << n << " and " << n + apart;
    }
  }
}

TEST(TestPattern, BarsDoNotMoveOnlyTheTrackAndTextChange) {
  const cv::Size size(640, 360);
  const cv::Mat a = draw_test_pattern(size, 3, 1'000'000);
  const cv::Mat b = draw_test_pattern(size, 33, 2'000'000);
  const cv::Rect bars(0, 0, size.width, test_pattern_motion_region(size).y);
  EXPECT_EQ(cv::norm(a(bars), b(bars), cv::NORM_INF), 0.0);
}

TEST(TestPattern, StampReadsBackFrameNumberAndCaptureTime) {
  for (const cv::Size size :
       {cv::Size(640, 360), cv::Size(1280, 720), cv::Size(128, 96), cv::Size(130, 98)}) {
    const std::int64_t t = 9'876'543'210'123;
    const auto stamp = read_test_pattern_stamp(draw_test_pattern(size, 4242, t));
    ASSERT_TRUE(stamp.has_value()) << size;
    EXPECT_EQ(stamp->frame_number, 4242u);
    EXPECT_EQ(stamp->capture_time_us, t);
  }
  EXPECT_FALSE(read_test_pattern_stamp(cv::Mat(360, 640, CV_8UC3, cv::Scalar::all(0))));
  EXPECT_FALSE(read_test_pattern_stamp(cv::Mat(360, 640, CV_8UC3, cv::Scalar::all(255))));
  EXPECT_FALSE(read_test_pattern_stamp(cv::Mat()));
}

TEST(TestPattern, RefusesSizesTooSmallToDraw) {
  EXPECT_THROW(draw_test_pattern(cv::Size(126, 96), 0, 0), std::invalid_argument);
}

TEST(VideoSource, TestSourceNumbersFramesAndStampsCaptureTime) {
  auto source = open_video_source("test", unpaced(320, 240));
  EXPECT_EQ(source->describe(), "test pattern 320x240 @ 30 fps");
  std::int64_t last_time = 0;
  for (std::uint64_t n = 0; n < 5; ++n) {
    const std::int64_t before = now_us();
    std::optional<VideoFrame> frame = source->next();
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(frame->frame_number, n);
    EXPECT_GE(frame->capture_time_us, before);
    EXPECT_GE(frame->capture_time_us, last_time);
    last_time = frame->capture_time_us;
    // What a receiver regenerates from the stamp is exactly what was sent.
    const cv::Mat expected =
        draw_test_pattern(frame->bgr.size(), frame->frame_number, frame->capture_time_us);
    EXPECT_EQ(cv::norm(frame->bgr, expected, cv::NORM_INF), 0.0);
  }
}

TEST(VideoSource, RejectsUnknownSpecsAndBadOptions) {
  const std::string unknown = what_of([] { open_video_source("webcam", unpaced(320, 240)); });
  EXPECT_NE(unknown.find("unknown video source 'webcam'"), std::string::npos) << unknown;
  EXPECT_THROW(open_video_source("file:", unpaced(320, 240)), std::invalid_argument);
  EXPECT_THROW(open_video_source("camera:x", unpaced(320, 240)), std::invalid_argument);
  EXPECT_THROW(open_video_source("camera:-1", unpaced(320, 240)), std::invalid_argument);
  EXPECT_THROW(open_video_source("images:", unpaced(320, 240)), std::invalid_argument);
  EXPECT_THROW(open_video_source("test", unpaced(321, 240)), std::invalid_argument);
  EXPECT_THROW(open_video_source("test", unpaced(320, 0)), std::invalid_argument);
  EXPECT_THROW(open_video_source("test", unpaced(64, 48)), std::invalid_argument);
  EXPECT_THROW(open_video_source("test", unpaced(320, 240, 0)), std::invalid_argument);
  VideoSourceOptions no_time = unpaced(320, 240);
  no_time.seconds_per_image = 0;
  EXPECT_THROW(open_video_source("test", no_time), std::invalid_argument);
}

TEST(Camera, MissingDeviceErrorNamesTheDevice) {
  try {
    open_video_source("camera:57", unpaced(640, 480));
    FAIL() << "camera 57 opened";
  } catch (const CameraUnavailableError& e) {
    EXPECT_EQ(e.index(), 57);
    EXPECT_EQ(e.device(), "/dev/video57");
    EXPECT_EQ(std::string(e.what()),
              "camera 57 (/dev/video57) could not be opened: no such device");
  }
}

TEST(Camera, DefaultCameraIsDeviceZero) {
  if (fs::exists("/dev/video0")) GTEST_SKIP() << "this machine has a camera";
  const std::string message = what_of([] { open_video_source("camera", unpaced(640, 480)); });
  EXPECT_EQ(message, "camera 0 (/dev/video0) could not be opened: no such device");
  // And it is a runtime_error, so callers that do not know the subtype still catch it.
  EXPECT_THROW(open_video_source("camera:0", unpaced(640, 480)), std::runtime_error);
}

// Three solid-colour images named so that only a natural sort gets them in order.
struct Slides {
  TempDir dir;
  std::vector<cv::Scalar> colours = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
  Slides() {
    const std::vector<std::string> names = {"T1.ppm", "T2.ppm", "T10.ppm"};
    for (std::size_t i = 0; i < names.size(); ++i) {
      // 2:1 images into a 4:3 frame: letterboxed top and bottom.
      const cv::Mat image(100, 200, CV_8UC3, colours[i]);
      EXPECT_TRUE(cv::imwrite((dir.path() / names[i]).string(), image));
    }
  }
  std::string glob() const { return (dir.path() / "T*.ppm").string(); }
};

TEST(Slideshow, CyclesInNaturalOrderHoldingEachImage) {
  Slides slides;
  VideoSourceOptions options = unpaced(320, 240, 10);
  options.seconds_per_image = 0.3;  // 3 frames each at 10 fps
  auto source = open_video_source("images:" + slides.glob(), options);
  EXPECT_NE(source->describe().find("slideshow of 3 images"), std::string::npos);
  for (std::uint64_t n = 0; n < 20; ++n) {
    std::optional<VideoFrame> frame = source->next();
    ASSERT_TRUE(frame.has_value());
    ASSERT_EQ(frame->bgr.size(), cv::Size(320, 240));
    EXPECT_EQ(frame->frame_number, n);
    const cv::Vec3b centre = frame->bgr.at<cv::Vec3b>(120, 160);
    const cv::Scalar& want = slides.colours[(n / 3) % 3];
    EXPECT_EQ(centre,
              cv::Vec3b(static_cast<std::uint8_t>(want[0]), static_cast<std::uint8_t>(want[1]),
                        static_cast<std::uint8_t>(want[2])))
        << "frame " << n;
  }
}

TEST(Slideshow, LetterboxesKeepingTheAspectRatio) {
  Slides slides;
  auto source = open_video_source("images:" + slides.glob(), unpaced(320, 240));
  const std::optional<VideoFrame> frame = source->next();
  ASSERT_TRUE(frame.has_value());
  // 200x100 scaled to 320x160, centred: 40 black rows above and below.
  EXPECT_EQ(frame->bgr.at<cv::Vec3b>(10, 160), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(frame->bgr.at<cv::Vec3b>(230, 160), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(frame->bgr.at<cv::Vec3b>(50, 5), cv::Vec3b(255, 0, 0));
  EXPECT_EQ(frame->bgr.at<cv::Vec3b>(189, 314), cv::Vec3b(255, 0, 0));
}

TEST(Slideshow, HandsOutCopiesNotItsCache) {
  Slides slides;
  VideoSourceOptions options = unpaced(320, 240, 10);
  options.seconds_per_image = 1;
  auto source = open_video_source("images:" + slides.glob(), options);
  std::optional<VideoFrame> first = source->next();
  ASSERT_TRUE(first.has_value());
  first->bgr.setTo(cv::Scalar::all(7));  // a later stage drawing on its frame
  EXPECT_EQ(source->next()->bgr.at<cv::Vec3b>(120, 160), cv::Vec3b(255, 0, 0));
}

TEST(Slideshow, GlobMatchingNothingIsNamed) {
  TempDir dir;
  const std::string glob = (dir.path() / "nothing*.png").string();
  const std::string message =
      what_of([&] { open_video_source("images:" + glob, unpaced(320, 240)); });
  EXPECT_NE(message.find(glob), std::string::npos) << message;
  EXPECT_NE(message.find("matches no files"), std::string::npos) << message;
}

TEST(Slideshow, UnloadableFileIsNamed) {
  Slides slides;
  const fs::path bad = slides.dir.path() / "T5.ppm";
  std::ofstream(bad) << "this is not a picture";
  const std::string message =
      what_of([&] { open_video_source("images:" + slides.glob(), unpaced(320, 240)); });
  EXPECT_NE(message.find(bad.string()), std::string::npos) << message;
  EXPECT_NE(message.find("could not be loaded"), std::string::npos) << message;
}

TEST(Letterbox, ConvertsGreyAndBgraToBgr) {
  const cv::Mat grey(240, 320, CV_8UC1, cv::Scalar(77));
  const cv::Mat out = letterbox(grey, cv::Size(320, 240));
  EXPECT_EQ(out.type(), CV_8UC3);
  EXPECT_EQ(out.at<cv::Vec3b>(0, 0), cv::Vec3b(77, 77, 77));
  const cv::Mat bgra(100, 100, CV_8UC4, cv::Scalar(1, 2, 3, 4));
  const cv::Mat square = letterbox(bgra, cv::Size(320, 240));
  EXPECT_EQ(square.at<cv::Vec3b>(120, 160), cv::Vec3b(1, 2, 3));
  EXPECT_EQ(square.at<cv::Vec3b>(120, 10), cv::Vec3b(0, 0, 0));  // pillarboxed
}

TEST(FramePacer, UnpacedNeverWaitsAndRealTimeKeepsTheRate) {
  using Clock = std::chrono::steady_clock;
  FramePacer fast(1, Pacing::kUnpaced);
  const auto t0 = Clock::now();
  for (int i = 0; i < 100; ++i)
    fast.wait();
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(100));

  // Five frames at 250 fps: the first at once, four more 4 ms apart.
  FramePacer paced(250, Pacing::kRealTime);
  const auto t1 = Clock::now();
  for (int i = 0; i < 5; ++i)
    paced.wait();
  EXPECT_GE(Clock::now() - t1, std::chrono::milliseconds(16));
}

}  // namespace
}  // namespace agentcast::media
