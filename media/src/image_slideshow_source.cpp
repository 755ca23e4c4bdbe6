// `--video images:GLOB`: still images shown in turn, each for a while, forever (the
// patent's T0..T9.ppm example, Figs. 23-29).

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "agentcast/media/video_source.h"

namespace agentcast::media {
namespace {

// "T2.ppm" before "T10.ppm": runs of digits compare by value, everything else bytewise.
bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  std::size_t j = 0;
  auto is_digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t ie = i;
      std::size_t je = j;
      while (ie < a.size() && is_digit(a[ie]))
        ++ie;
      while (je < b.size() && is_digit(b[je]))
        ++je;
      // Strip leading zeros, then the longer run is the larger number.
      std::size_t is = i;
      std::size_t js = j;
      while (is + 1 < ie && a[is] == '0')
        ++is;
      while (js + 1 < je && b[js] == '0')
        ++js;
      if (ie - is != je - js) return ie - is < je - js;
      if (const int c = a.compare(is, ie - is, b, js, je - js); c != 0) return c < 0;
      if (ie - i != je - j) return ie - i < je - j;  // "1" before "01": a stable tiebreak
      i = ie;
      j = je;
      continue;
    }
    if (a[i] != b[j]) {
      return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    }
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

std::vector<std::string> expand_glob(const std::string& pattern) {
  glob_t matches{};
  // GLOB_NOSORT: we sort ourselves, naturally. globfree() in every path, RAII-style.
  struct Freer {
    glob_t* g;
    ~Freer() { ::globfree(g); }
  } freer{&matches};
  const int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &matches);
  if (rc == GLOB_NOMATCH) {
    throw std::runtime_error("images:" + pattern + ": the glob matches no files");
  }
  if (rc != 0) {
    throw std::runtime_error("images:" + pattern + ": the glob could not be expanded (" +
                             (rc == GLOB_ABORTED ? "a directory could not be read" : "no memory") +
                             ")");
  }
  std::vector<std::string> paths(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
  std::sort(paths.begin(), paths.end(), natural_less);
  return paths;
}

class ImageSlideshowSource final : public VideoSource {
 public:
  ImageSlideshowSource(const std::string& pattern, const VideoSourceOptions& options)
      : pattern_(pattern),
        size_(options.width, options.height),
        fps_(options.fps),
        seconds_per_image_(options.seconds_per_image),
        frames_per_image_(std::max<std::uint64_t>(
            1, static_cast<std::uint64_t>(std::llround(options.seconds_per_image * options.fps)))),
        pacer_(options.fps, options.pacing) {
    // Every image is decoded and scaled up front: a broken file is reported at start, not
    // minutes into a broadcast, and the capture thread never waits on a decoder. Memory is
    // width * height * 3 bytes per image.
    for (const std::string& path : expand_glob(pattern)) {
      const cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
      if (image.empty()) {
        throw std::runtime_error("images:" + pattern + ": " + path +
                                 " could not be loaded as an image (PPM, PNG or JPEG)");
      }
      images_.push_back(letterbox(image, size_));
    }
  }

  std::optional<VideoFrame> next() override {
    pacer_.wait();
    VideoFrame frame;
    frame.frame_number = next_frame_++;
    frame.capture_time_us = now_us();
    const std::size_t index =
        static_cast<std::size_t>((frame.frame_number / frames_per_image_) % images_.size());
    // A copy: each stage owns what it is handed, and a later stage may draw on the picture.
    frame.bgr = images_[index].clone();
    return frame;
  }

  VideoFormat format() const override {
    return {size_.width, size_.height, static_cast<double>(fps_)};
  }

  std::string describe() const override {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", seconds_per_image_);
    return "slideshow of " + std::to_string(images_.size()) + " images (" + pattern_ + "), " +
           seconds + " s each, " + std::to_string(size_.width) + "x" +
           std::to_string(size_.height) + " @ " + std::to_string(fps_) + " fps";
  }

 private:
  std::string pattern_;
  cv::Size size_;
  int fps_;
  double seconds_per_image_;
  std::uint64_t frames_per_image_;
  FramePacer pacer_;
  std::vector<cv::Mat> images_;
  std::uint64_t next_frame_ = 0;
};

}  // namespace

std::unique_ptr<VideoSource> open_image_slideshow_source(const std::string& glob_pattern,
                                                         const VideoSourceOptions& options) {
  validate_video_source_options(options);
  return std::make_unique<ImageSlideshowSource>(glob_pattern, options);
}

}  // namespace agentcast::media
