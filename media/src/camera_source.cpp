// `--video camera[:N]`: a V4L2 camera through OpenCV's VideoCapture.

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "agentcast/media/video_source.h"

namespace agentcast::media {
namespace {

std::string device_path(int index) {
  return "/dev/video" + std::to_string(index);
}

// Why the device node cannot be used, or empty when it looks usable. Checked before
// VideoCapture so that the common case (no camera) fails fast with a precise reason
// instead of OpenCV's backend warnings.
std::string device_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? "no such device" : std::strerror(errno);
  }
  if (!S_ISCHR(st.st_mode)) return "not a character device";
  if (::access(path.c_str(), R_OK | W_OK) != 0) {
    return std::string("no access (") + std::strerror(errno) + "; is the user in group video?)";
  }
  return {};
}

class CameraSource final : public VideoSource {
 public:
  CameraSource(int index, const VideoSourceOptions& options)
      : index_(index),
        device_(device_path(index)),
        size_(options.width, options.height),
        requested_fps_(options.fps) {
    if (const std::string problem = device_problem(device_); !problem.empty()) {
      throw CameraUnavailableError(index_, device_, problem);
    }
    if (!capture_.open(index_, cv::CAP_V4L2) && !capture_.open(index_, cv::CAP_ANY)) {
      throw CameraUnavailableError(index_, device_, "the device refused to start capturing");
    }
    // Requests only: a camera picks its nearest mode, and next() letterboxes whatever it
    // delivers to the requested size so that the encoder sees one size throughout.
    capture_.set(cv::CAP_PROP_FRAME_WIDTH, options.width);
    capture_.set(cv::CAP_PROP_FRAME_HEIGHT, options.height);
    capture_.set(cv::CAP_PROP_FPS, options.fps);
    // A deep driver queue would hand us stale frames: latency, not smoothness, matters here.
    capture_.set(cv::CAP_PROP_BUFFERSIZE, 1);
    fps_ = capture_.get(cv::CAP_PROP_FPS);
  }

  std::optional<VideoFrame> next() override {
    if (failed_) return std::nullopt;
    // The camera paces itself: read() blocks until the driver has a frame.
    if (!capture_.read(raw_) || raw_.empty()) {
      failed_ = true;
      return std::nullopt;
    }
    VideoFrame frame;
    frame.capture_time_us = now_us();
    frame.frame_number = next_frame_++;
    try {
      frame.bgr = letterbox(raw_, size_);
    } catch (const std::exception&) {
      failed_ = true;  // a pixel format we cannot convert: treat as device failure
      return std::nullopt;
    }
    return frame;
  }

  // A camera that does not report its rate is taken to run at the one asked for.
  VideoFormat format() const override {
    return {size_.width, size_.height, fps_ > 0.0 ? fps_ : static_cast<double>(requested_fps_)};
  }

  std::string describe() const override {
    return "camera " + std::to_string(index_) + " (" + device_ + ") " +
           std::to_string(size_.width) + "x" + std::to_string(size_.height) + " @ " +
           std::to_string(static_cast<int>(fps_ + 0.5)) + " fps";
  }

 private:
  int index_;
  std::string device_;
  cv::Size size_;
  int requested_fps_;
  double fps_ = 0.0;
  cv::VideoCapture capture_;
  cv::Mat raw_;  // reused between reads so the driver's buffer is not reallocated
  std::uint64_t next_frame_ = 0;
  bool failed_ = false;
};

}  // namespace

CameraUnavailableError::CameraUnavailableError(int index, std::string device,
                                               const std::string& reason)
    : std::runtime_error("camera " + std::to_string(index) + " (" + device +
                         ") could not be opened: " + reason),
      index_(index),
      device_(std::move(device)) {}

std::unique_ptr<VideoSource> open_camera_source(int index, const VideoSourceOptions& options) {
  validate_video_source_options(options);
  return std::make_unique<CameraSource>(index, options);
}

}  // namespace agentcast::media
