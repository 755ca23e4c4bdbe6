#include "gui/pattern_stamp.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "agentcast/media/test_pattern.h"
#include "gui/image_checks.h"

namespace agentcast::test {

std::optional<std::uint64_t> pattern_frame_number(const QImage& image, QRect area, QSize drawn) {
  const QRect picture = trim_black_border(image, area);
  // Below this the cells blur into each other.
  if (picture.width() < drawn.width() / 4 || picture.height() < drawn.height() / 4) {
    return std::nullopt;
  }
  const QImage rgb32 = image.copy(picture).convertToFormat(QImage::Format_RGB32);
  // RGB32 is B, G, R, 0xff in memory: OpenCV's BGRA.
  const cv::Mat bgra(rgb32.height(), rgb32.width(), CV_8UC4, const_cast<uchar*>(rgb32.constBits()),
                     static_cast<std::size_t>(rgb32.bytesPerLine()));
  cv::Mat bgr, as_drawn;
  cv::cvtColor(bgra, bgr, cv::COLOR_BGRA2BGR);
  cv::resize(bgr, as_drawn, cv::Size(drawn.width(), drawn.height()), 0, 0, cv::INTER_AREA);
  const auto stamp = media::read_test_pattern_stamp(as_drawn);
  if (!stamp) return std::nullopt;
  return stamp->frame_number;
}

}  // namespace agentcast::test
