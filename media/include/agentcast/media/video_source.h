#pragma once
// Where video frames come from on the sender (DESIGN.md, "The pipeline"): a test pattern,
// a camera, a slideshow of still images or a media file. Every one is a VideoSource opened
// by open_video_source(); a caller never needs to know which kind it holds.
//
// A source is pulled from the capture thread: next() blocks until the next frame is due and
// returns it with its capture time stamped, so the capture thread needs no clock of its own.
// A source that already holds H.264 (a file passed through) says so with encoded() and hands
// out access units from next_encoded() instead, so the pipeline skips its encoder.
// Sources are not thread-safe; one thread calls next() (interrupt() excepted).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include "agentcast/media/media_types.h"

namespace agentcast::media {

// Pacing (real time or unpaced) is declared in media_types.h: audio sources share it.
struct VideoSourceOptions {
  int width = 1280;
  int height = 720;
  int fps = 30;
  double seconds_per_image = 2.0;  // slideshows only
  Pacing pacing = Pacing::kRealTime;
  bool loop = false;  // files only: start again at the end
};

// What a source delivers: the size of its pictures and their rate.
struct VideoFormat {
  int width = 0;
  int height = 0;
  double fps = 0.0;
};

class VideoSource {
 public:
  virtual ~VideoSource() = default;

  // Blocks until the next frame is due and returns it (BGR, capture time stamped with
  // now_us(), frame numbers counting from 0). Empty at the end of the source or when the
  // device fails; a source that returned empty stays empty.
  virtual std::optional<VideoFrame> next() = 0;

  // True when the source's pictures are H.264 already: they come from next_encoded() (Annex
  // B access units in decode order, IDR pictures carrying SPS/PPS, paced like next()), and
  // next() returns nothing.
  virtual bool encoded() const noexcept { return false; }
  virtual std::optional<EncodedFrame> next_encoded() { return std::nullopt; }

  // The size and rate of what next() or next_encoded() hands out.
  virtual VideoFormat format() const = 0;

  // One line for logs and the UI, e.g. "test pattern 1280x720 @ 30 fps".
  virtual std::string describe() const { return "video source"; }

  // Wakes a next() that waits for its frame to fall due; every later call returns empty.
  // From any thread, for shutting a capture thread down at once. Sources whose wait is
  // short (one frame interval) need not override it.
  virtual void interrupt() {}
};

// The camera could not be opened. A distinct type so that the app can exit with its own
// code; what() names the device, e.g. "camera 0 (/dev/video0) could not be opened: no such
// device".
class CameraUnavailableError : public std::runtime_error {
 public:
  CameraUnavailableError(int index, std::string device, const std::string& reason);
  int index() const noexcept { return index_; }
  const std::string& device() const noexcept { return device_; }

 private:
  int index_;
  std::string device_;
};

// Opens `spec`: "test", "camera", "camera:N", "images:GLOB" or "file:PATH". Throws
// std::invalid_argument for an unknown spec or bad options (sizes must be even, between 16
// and 8192; fps 1..240; seconds_per_image > 0), CameraUnavailableError when the camera
// cannot be opened, and std::runtime_error naming the glob or file when a slideshow has no
// images or one fails to load, or when a file is missing or has no video.
// A file's H.264 track is passed through (encoded(), at the file's own size and rate); any
// other codec is decoded and scaled to the options' size, at the file's rate.
std::unique_ptr<VideoSource> open_video_source(const std::string& spec,
                                               const VideoSourceOptions& options);

// The concrete sources, for callers that do not go through a spec string.
std::unique_ptr<VideoSource> open_test_pattern_source(const VideoSourceOptions& options);
std::unique_ptr<VideoSource> open_camera_source(int index, const VideoSourceOptions& options);
std::unique_ptr<VideoSource> open_image_slideshow_source(const std::string& glob_pattern,
                                                         const VideoSourceOptions& options);
std::unique_ptr<VideoSource> open_file_video_source(const std::string& path,
                                                    const VideoSourceOptions& options);

// Throws std::invalid_argument when `options` are out of the ranges above.
void validate_video_source_options(const VideoSourceOptions& options);

// `image` scaled to fit `size` with its aspect ratio kept, centred on black bars. Any
// depth-8 image with 1, 3 or 4 channels; the result is 8-bit BGR.
cv::Mat letterbox(const cv::Mat& image, cv::Size size);

// Real-time pacing for a source that produces frames on demand: frame n is due at
// start + n / fps on the steady clock. A source that falls more than a frame behind (a slow
// consumer) re-anchors instead of bursting to catch up, since late frames are worth less
// than fresh ones.
class FramePacer {
 public:
  using Clock = std::chrono::steady_clock;

  FramePacer(int fps, Pacing pacing);

  // Sleeps until the next frame is due (not at all for the first frame or when unpaced).
  void wait();

  // Times the pacer re-anchored because the consumer fell behind.
  std::uint64_t resyncs() const noexcept { return resyncs_; }

 private:
  Clock::time_point due(std::uint64_t n) const;

  int fps_;
  Pacing pacing_;
  bool started_ = false;
  Clock::time_point anchor_;
  std::uint64_t since_anchor_ = 0;  // frames handed out since anchor_
  std::uint64_t resyncs_ = 0;
};

}  // namespace agentcast::media
