#include "agentcast/media/snapshot.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace agentcast::media {

void write_png(const std::string& path, const cv::Mat& bgr) {
  if (bgr.empty()) throw std::invalid_argument("snapshot " + path + ": the image is empty");
  std::vector<std::uint8_t> png;
  try {
    // Encoded in memory, not by cv::imwrite: imwrite picks the format from the extension and
    // reports a failed write only as `false`, without a reason.
    if (!cv::imencode(".png", bgr, png)) {
      throw std::runtime_error("snapshot " + path + ": the image cannot be encoded as PNG");
    }
  } catch (const cv::Exception& e) {
    throw std::runtime_error("snapshot " + path + ": cannot encode as PNG (" + e.what() + ")");
  }
  // Unique per process and thread-independent enough for one snapshot writer per path.
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) {
    throw std::runtime_error("snapshot " + path + ": cannot write (" + std::strerror(errno) + ")");
  }
  const bool written = std::fwrite(png.data(), 1, png.size(), file) == png.size();
  const int saved_errno = errno;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    std::remove(temporary.c_str());
    throw std::runtime_error("snapshot " + path + ": cannot write (" +
                             std::strerror(written ? errno : saved_errno) + ")");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    std::remove(temporary.c_str());
    throw std::runtime_error("snapshot " + path + ": cannot write (" + std::strerror(rename_errno) +
                             ")");
  }
}

void LatestFrame::put(VideoFrame frame) {
  std::lock_guard lock(mutex_);
  frame_ = std::move(frame);
  ++frames_seen_;
}

std::optional<VideoFrame> LatestFrame::get() const {
  std::lock_guard lock(mutex_);
  return frame_;
}

std::uint64_t LatestFrame::frames_seen() const {
  std::lock_guard lock(mutex_);
  return frames_seen_;
}

}  // namespace agentcast::media
