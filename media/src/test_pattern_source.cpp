// The `--video test` source and the pattern it draws (test_pattern.h).

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "agentcast/media/test_pattern.h"
#include "agentcast/media/video_source.h"

namespace agentcast::media {
namespace {

// Vertical layout as fractions of the height, in percent.
constexpr int kBarsEndPct = 45;
constexpr int kTrackEndPct = 65;
constexpr int kTextEndPct = 88;  // the stamp strip fills the rest

constexpr int kStampRows = 4;
constexpr int kStampCols = 32;
// One sweep of the box takes kSweepFrames frames whatever the width, so that the motion
// between two frames a second apart is a large fraction of the width at any size. Prime, so
// that at no common frame rate (24..120 fps) is the box back in the same place a second
// later: it has moved at least 23/97 of the width.
constexpr std::uint64_t kSweepFrames = 97;

// Every edge between two colours lies on an even pixel (on a 16-pixel macroblock where the
// picture is big enough), so that 4:2:0 chroma subsampling never straddles two colours: a
// picture that survives coding with a high PSNR, whose losses are the codec's alone.
int even(int v) {
  return v & ~1;
}
int aligned(int v, int limit) {
  return limit >= 256 ? v & ~15 : even(v);
}

int row_at(cv::Size size, int pct) {
  return aligned(size.height * pct / 100, size.height);
}
int column_at(cv::Size size, int i, int n) {
  return i >= n ? size.width : aligned(size.width * i / n, size.width);
}

cv::Rect stamp_cell(cv::Size size, int row, int col) {
  const int top = row_at(size, kTextEndPct);
  const int band = size.height - top;
  const int y0 = top + even(band * row / kStampRows);
  const int y1 = row + 1 == kStampRows ? size.height : top + even(band * (row + 1) / kStampRows);
  const int x0 = col == 0 ? 0 : even(size.width * col / kStampCols);
  const int x1 = col + 1 == kStampCols ? size.width : even(size.width * (col + 1) / kStampCols);
  return {x0, y0, x1 - x0, y1 - y0};
}

// Not security: only makes a random picture unlikely to read as a valid stamp.
std::uint32_t check_word(std::uint32_t a, std::uint32_t b, std::uint32_t c) {
  return ~(a ^ std::rotl(b, 7) ^ std::rotl(c, 13)) ^ 0x5A17C0DEu;
}

std::array<std::uint32_t, kStampRows> stamp_words(std::uint64_t frame_number,
                                                  std::int64_t capture_time_us) {
  const auto t = static_cast<std::uint64_t>(capture_time_us);
  const auto w0 = static_cast<std::uint32_t>(frame_number);
  const auto w1 = static_cast<std::uint32_t>(t >> 32);
  const auto w2 = static_cast<std::uint32_t>(t);
  return {w0, w1, w2, check_word(w0, w1, w2)};
}

// Writes `text` centred in `area`, scaled to fill `fill` of its height without overflowing
// its width.
void put_text_centred(cv::Mat& image, const std::string& text, cv::Rect area, double fill) {
  constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
  int baseline = 0;
  const cv::Size unit = cv::getTextSize(text, kFont, 1.0, 2, &baseline);
  const double scale =
      std::min(area.height * fill / (unit.height + baseline), area.width * 0.95 / unit.width);
  const int thickness = std::max(1, static_cast<int>(scale * 2.0 + 0.5));
  const cv::Size sz = cv::getTextSize(text, kFont, scale, thickness, &baseline);
  const cv::Point origin(area.x + (area.width - sz.width) / 2,
                         area.y + (area.height + sz.height - baseline) / 2);
  cv::putText(image, text, origin, kFont, scale, cv::Scalar(255, 255, 255), thickness, cv::LINE_AA);
}

class TestPatternSource final : public VideoSource {
 public:
  explicit TestPatternSource(const VideoSourceOptions& options)
      : size_(options.width, options.height),
        fps_(options.fps),
        pacer_(options.fps, options.pacing) {}

  std::optional<VideoFrame> next() override {
    pacer_.wait();
    VideoFrame frame;
    frame.frame_number = next_frame_++;
    // Stamped before drawing, like a camera's exposure time precedes its readout.
    frame.capture_time_us = now_us();
    frame.bgr = draw_test_pattern(size_, frame.frame_number, frame.capture_time_us);
    return frame;
  }

  VideoFormat format() const override {
    return {size_.width, size_.height, static_cast<double>(fps_)};
  }

  std::string describe() const override {
    return "test pattern " + std::to_string(size_.width) + "x" + std::to_string(size_.height) +
           " @ " + std::to_string(fps_) + " fps";
  }

 private:
  cv::Size size_;
  int fps_;
  FramePacer pacer_;
  std::uint64_t next_frame_ = 0;
};

}  // namespace

cv::Rect test_pattern_motion_region(cv::Size size) {
  const int top = row_at(size, kBarsEndPct);
  return {0, top, size.width, row_at(size, kTrackEndPct) - top};
}

cv::Mat draw_test_pattern(cv::Size size, std::uint64_t frame_number, std::int64_t capture_time_us) {
  if (size.width < kTestPatternMinWidth || size.height < kTestPatternMinHeight) {
    throw std::invalid_argument("draw_test_pattern: " + std::to_string(size.width) + "x" +
                                std::to_string(size.height) + " is below the minimum " +
                                std::to_string(kTestPatternMinWidth) + "x" +
                                std::to_string(kTestPatternMinHeight));
  }
  cv::Mat image(size, CV_8UC3, cv::Scalar(0, 0, 0));

  // 75% bars: white, yellow, cyan, green, magenta, red, blue (BGR).
  static constexpr std::array<std::array<int, 3>, 7> kBars = {{{191, 191, 191},
                                                               {0, 191, 191},
                                                               {191, 191, 0},
                                                               {0, 191, 0},
                                                               {191, 0, 191},
                                                               {0, 0, 191},
                                                               {191, 0, 0}}};
  const int bars_end = row_at(size, kBarsEndPct);
  const int n_bars = static_cast<int>(kBars.size());
  for (int i = 0; i < n_bars; ++i) {
    const int x0 = column_at(size, i, n_bars);
    const int x1 = column_at(size, i + 1, n_bars);
    const auto& c = kBars[static_cast<std::size_t>(i)];
    image(cv::Rect(x0, 0, x1 - x0, bars_end)).setTo(cv::Scalar(c[0], c[1], c[2]));
  }

  // The box crosses the track left to right once every kSweepFrames frames, wrapping
  // around the edge.
  const cv::Rect track = test_pattern_motion_region(size);
  image(track).setTo(cv::Scalar(64, 64, 64));
  const int margin = even(std::max(2, track.height / 10));
  const int box = even(std::min(track.height - 2 * margin, size.width / 4));
  const int edge = std::max(2, even(box / 16));  // white rim, so the motion is easy to follow
  const int x = even(static_cast<int>(static_cast<std::int64_t>(frame_number % kSweepFrames) *
                                      size.width / static_cast<std::int64_t>(kSweepFrames)));
  const cv::Rect frame_rect(0, 0, size.width, size.height);
  for (const int left : {x, x - size.width}) {
    const cv::Rect outer = cv::Rect(left, track.y + margin, box, box) & frame_rect;
    if (outer.empty()) continue;
    image(outer).setTo(cv::Scalar(255, 255, 255));
    const cv::Rect inner =
        cv::Rect(left + edge, track.y + margin + edge, box - 2 * edge, box - 2 * edge) & frame_rect;
    if (!inner.empty()) image(inner).setTo(cv::Scalar(0, 165, 255));
  }

  // Text for humans; the stamp below carries the same for machines.
  const int text_top = track.y + track.height;
  const int text_end = row_at(size, kTextEndPct);
  const int line = (text_end - text_top) / 2;
  char caption[64];
  std::snprintf(caption, sizeof caption, "frame %llu",
                static_cast<unsigned long long>(frame_number));
  put_text_centred(image, caption, cv::Rect(0, text_top, size.width, line), 0.75);
  const std::int64_t abs_us = capture_time_us < 0 ? -capture_time_us : capture_time_us;
  std::snprintf(caption, sizeof caption, "t = %s%lld.%06lld s", capture_time_us < 0 ? "-" : "",
                static_cast<long long>(abs_us / 1'000'000),
                static_cast<long long>(abs_us % 1'000'000));
  put_text_centred(image, caption, cv::Rect(0, text_top + line, size.width, line), 0.6);

  const auto words = stamp_words(frame_number, capture_time_us);
  for (int row = 0; row < kStampRows; ++row) {
    for (int col = 0; col < kStampCols; ++col) {
      const bool one = (words[static_cast<std::size_t>(row)] >> (kStampCols - 1 - col)) & 1u;
      if (one) image(stamp_cell(size, row, col)).setTo(cv::Scalar(255, 255, 255));
    }
  }
  return image;
}

std::optional<TestPatternStamp> read_test_pattern_stamp(const cv::Mat& bgr) {
  if (bgr.empty() || bgr.type() != CV_8UC3 || bgr.cols < kTestPatternMinWidth ||
      bgr.rows < kTestPatternMinHeight) {
    return std::nullopt;
  }
  std::array<std::uint32_t, kStampRows> words{};
  for (int row = 0; row < kStampRows; ++row) {
    for (int col = 0; col < kStampCols; ++col) {
      // Sample the cell's middle half: its edges are where coding smears neighbours in.
      const cv::Rect cell = stamp_cell(bgr.size(), row, col);
      const cv::Rect inner(cell.x + cell.width / 4, cell.y + cell.height / 4,
                           std::max(1, cell.width / 2), std::max(1, cell.height / 2));
      const cv::Scalar mean = cv::mean(bgr(inner));
      const bool one = (mean[0] + mean[1] + mean[2]) / 3.0 >= 128.0;
      words[static_cast<std::size_t>(row)] =
          (words[static_cast<std::size_t>(row)] << 1) | (one ? 1u : 0u);
    }
  }
  if (words[3] != check_word(words[0], words[1], words[2])) return std::nullopt;
  TestPatternStamp stamp;
  stamp.frame_number = words[0];
  stamp.capture_time_us =
      static_cast<std::int64_t>((static_cast<std::uint64_t>(words[1]) << 32) | words[2]);
  return stamp;
}

std::unique_ptr<VideoSource> open_test_pattern_source(const VideoSourceOptions& options) {
  validate_video_source_options(options);
  if (options.width < kTestPatternMinWidth || options.height < kTestPatternMinHeight) {
    throw std::invalid_argument("the test pattern needs at least " +
                                std::to_string(kTestPatternMinWidth) + "x" +
                                std::to_string(kTestPatternMinHeight) + " pixels");
  }
  return std::make_unique<TestPatternSource>(options);
}

}  // namespace agentcast::media
