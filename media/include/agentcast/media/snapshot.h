#pragma once
// `agentcast view --snapshot PATH.png`: the last decoded frame, as a PNG.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include <opencv2/core/mat.hpp>

#include "agentcast/media/media_types.h"

namespace agentcast::media {

// Writes `bgr` (8-bit BGR, or 8/16-bit gray or BGRA) to `path` as PNG, whatever the path's
// extension. The image goes to a temporary file beside `path` that is then renamed over it,
// so a snapshot refreshed while the viewer runs is never seen half-written. Throws
// std::invalid_argument for an empty image and std::runtime_error naming the path when it
// cannot be encoded or written.
void write_png(const std::string& path, const cv::Mat& bgr);

// The most recent frame, handed from the decode thread to whoever takes the snapshot. A
// frame put here must not be written to afterwards: get() shares its pixels (cv::Mat
// reference counting), so both threads read one buffer without copying it per frame.
class LatestFrame {
 public:
  void put(VideoFrame frame);
  std::optional<VideoFrame> get() const;
  std::uint64_t frames_seen() const;

 private:
  mutable std::mutex mutex_;
  std::optional<VideoFrame> frame_;
  std::uint64_t frames_seen_ = 0;
};

}  // namespace agentcast::media
