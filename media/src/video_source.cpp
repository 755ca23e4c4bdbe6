// What the video sources share: the spec parser, option checks, letterboxing and pacing.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "agentcast/media/video_source.h"

namespace agentcast::media {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

void validate_video_source_options(const VideoSourceOptions& options) {
  // Even sizes because the encoder's 4:2:0 chroma planes are half size in both directions.
  auto check_dim = [](const char* name, int value) {
    if (value < 16 || value > 8192 || value % 2 != 0) {
      throw std::invalid_argument(std::string("video ") + name + " " + std::to_string(value) +
                                  " must be even and between 16 and 8192");
    }
  };
  check_dim("width", options.width);
  check_dim("height", options.height);
  if (options.fps < 1 || options.fps > 240) {
    throw std::invalid_argument("video fps " + std::to_string(options.fps) +
                                " must be between 1 and 240");
  }
  if (!(options.seconds_per_image > 0.0) || options.seconds_per_image > 86'400.0) {
    throw std::invalid_argument("seconds per image must be positive (and at most a day)");
  }
}

std::unique_ptr<VideoSource> open_video_source(const std::string& spec,
                                               const VideoSourceOptions& options) {
  if (spec == "test") return open_test_pattern_source(options);
  if (spec == "camera") return open_camera_source(0, options);
  if (starts_with(spec, "camera:")) {
    const std::string digits = spec.substr(7);
    int index = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || index < 0) {
      throw std::invalid_argument("video source '" + spec +
                                  "': the camera index must be a non-negative number");
    }
    return open_camera_source(index, options);
  }
  if (starts_with(spec, "images:")) {
    const std::string pattern = spec.substr(7);
    if (pattern.empty()) {
      throw std::invalid_argument("video source 'images:' needs a glob, e.g. images:T*.ppm");
    }
    return open_image_slideshow_source(pattern, options);
  }
  if (starts_with(spec, "file:")) {
    const std::string path = spec.substr(5);
    if (path.empty()) {
      throw std::invalid_argument("video source 'file:' needs a path, e.g. file:talk.mp4");
    }
    return open_file_video_source(path, options);
  }
  throw std::invalid_argument("unknown video source '" + spec +
                              "': expected test, camera[:N], images:GLOB or file:PATH");
}

cv::Mat letterbox(const cv::Mat& image, cv::Size size) {
  if (image.empty() || image.depth() != CV_8U) {
    throw std::invalid_argument("letterbox: expected a non-empty 8-bit image");
  }
  cv::Mat bgr;
  switch (image.channels()) {
    case 1:
      cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR);
      break;
    case 3:
      bgr = image;
      break;
    case 4:
      cv::cvtColor(image, bgr, cv::COLOR_BGRA2BGR);
      break;
    default:
      throw std::invalid_argument("letterbox: expected 1, 3 or 4 channels, got " +
                                  std::to_string(image.channels()));
  }
  if (bgr.size() == size) return bgr.clone();

  // Fit the whole image: the scale of the tighter dimension, computed in integers so that
  // the result never overflows the frame by a rounding pixel.
  int w = size.width;
  int h = static_cast<int>(static_cast<std::int64_t>(bgr.rows) * size.width / bgr.cols);
  if (h > size.height) {
    h = size.height;
    w = static_cast<int>(static_cast<std::int64_t>(bgr.cols) * size.height / bgr.rows);
  }
  w = std::max(1, w);
  h = std::max(1, h);
  cv::Mat out(size, CV_8UC3, cv::Scalar(0, 0, 0));
  const cv::Rect target((size.width - w) / 2, (size.height - h) / 2, w, h);
  // INTER_AREA avoids aliasing when shrinking; INTER_LINEAR is the sane choice to enlarge.
  const int interpolation = (w < bgr.cols) ? cv::INTER_AREA : cv::INTER_LINEAR;
  cv::resize(bgr, out(target), target.size(), 0, 0, interpolation);
  return out;
}

FramePacer::FramePacer(int fps, Pacing pacing) : fps_(fps), pacing_(pacing) {
  if (fps < 1) throw std::invalid_argument("FramePacer: fps must be at least 1");
}

FramePacer::Clock::time_point FramePacer::due(std::uint64_t n) const {
  // From the anchor rather than adding a rounded period each time, so there is no drift.
  const auto ns = std::chrono::nanoseconds(static_cast<std::int64_t>(n) * 1'000'000'000 / fps_);
  return anchor_ + std::chrono::duration_cast<Clock::duration>(ns);
}

void FramePacer::wait() {
  if (pacing_ == Pacing::kUnpaced) return;
  const Clock::time_point now = Clock::now();
  if (!started_) {
    started_ = true;
    anchor_ = now;
    since_anchor_ = 0;
    return;
  }
  ++since_anchor_;
  const Clock::time_point next = due(since_anchor_);
  if (now > due(since_anchor_ + 1)) {
    // More than a frame late: deliver now and count frames from here.
    anchor_ = now;
    since_anchor_ = 0;
    ++resyncs_;
    return;
  }
  std::this_thread::sleep_until(next);
}

}  // namespace agentcast::media
