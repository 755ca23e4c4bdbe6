#include "gui/image_checks.h"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace agentcast::test {
namespace {

constexpr int kBlack = 32;  // the largest channel of a letterbox pixel after coding, at most

bool is_black(QRgb p) {
  return std::max({qRed(p), qGreen(p), qBlue(p)}) < kBlack;
}

template <typename F>
void for_each_pixel(const QImage& image, QRect area, QRect excluded, F&& f) {
  area &= image.rect();
  for (int y = area.top(); y <= area.bottom(); ++y) {
    const auto* line = reinterpret_cast<const QRgb*>(image.constScanLine(y));
    for (int x = area.left(); x <= area.right(); ++x) {
      if (!excluded.contains(x, y)) f(x, y, line[x]);
    }
  }
}

}  // namespace

double luma(QRgb p) {
  return 0.299 * qRed(p) + 0.587 * qGreen(p) + 0.114 * qBlue(p);
}

QRect trim_black_border(const QImage& image, QRect area) {
  area &= image.rect();
  const auto row_black = [&](int y) {
    for (int x = area.left(); x <= area.right(); ++x)
      if (!is_black(image.pixel(x, y))) return false;
    return true;
  };
  const auto column_black = [&](int x) {
    for (int y = area.top(); y <= area.bottom(); ++y)
      if (!is_black(image.pixel(x, y))) return false;
    return true;
  };
  while (!area.isEmpty() && row_black(area.top()))
    area.setTop(area.top() + 1);
  while (!area.isEmpty() && row_black(area.bottom()))
    area.setBottom(area.bottom() - 1);
  while (!area.isEmpty() && column_black(area.left()))
    area.setLeft(area.left() + 1);
  while (!area.isEmpty() && column_black(area.right()))
    area.setRight(area.right() - 1);
  return area;
}

PictureStats picture_stats(const QImage& image, QRect area, QRect excluded) {
  std::array<long, 512> bins{};
  long count = 0;
  double sum = 0;
  for_each_pixel(image, area, excluded, [&](int, int, QRgb p) {
    ++bins[static_cast<std::size_t>((qRed(p) >> 5) << 6 | (qGreen(p) >> 5) << 3 | (qBlue(p) >> 5))];
    sum += luma(p);
    ++count;
  });
  PictureStats stats;
  if (count == 0) return stats;
  stats.mean_luma = sum / static_cast<double>(count);
  stats.colour_bins = static_cast<int>(
      std::count_if(bins.begin(), bins.end(), [&](long n) { return n * 200 >= count; }));
  return stats;
}

double changed_fraction(const QImage& a, const QImage& b, QRect area, QRect excluded,
                        int threshold) {
  long count = 0, changed = 0;
  area &= b.rect();
  for_each_pixel(a, area, excluded, [&](int x, int y, QRgb p) {
    const QRgb q = b.pixel(x, y);
    const int difference = std::max({std::abs(qRed(p) - qRed(q)), std::abs(qGreen(p) - qGreen(q)),
                                     std::abs(qBlue(p) - qBlue(q))});
    if (difference > threshold) ++changed;
    ++count;
  });
  return count == 0 ? 0.0 : static_cast<double>(changed) / static_cast<double>(count);
}

double colour_fraction(const QImage& image, QRect area, QColor colour, int tolerance) {
  long count = 0, matching = 0;
  for_each_pixel(image, area, QRect(), [&](int, int, QRgb p) {
    if (std::abs(qRed(p) - colour.red()) <= tolerance &&
        std::abs(qGreen(p) - colour.green()) <= tolerance &&
        std::abs(qBlue(p) - colour.blue()) <= tolerance) {
      ++matching;
    }
    ++count;
  });
  return count == 0 ? 0.0 : static_cast<double>(matching) / static_cast<double>(count);
}

PanelStats panel_stats(const QImage& image, QRect area) {
  constexpr double kDark = 100, kLight = 170;
  long count = 0, dark = 0, light = 0;
  PanelStats stats;
  area &= image.rect();
  for_each_pixel(image, area, QRect(), [&](int x, int y, QRgb p) {
    ++count;
    const double l = luma(p);
    if (l < kDark) ++dark;
    if (l <= kLight) return;
    ++light;
    for (int dx : {-2, -1, 1, 2}) {
      if (area.contains(x + dx, y) && luma(image.pixel(x + dx, y)) < kDark) {
        ++stats.light_dark_edges;
        break;
      }
    }
  });
  if (count == 0) return stats;
  stats.dark = static_cast<double>(dark) / static_cast<double>(count);
  stats.light = static_cast<double>(light) / static_cast<double>(count);
  return stats;
}

}  // namespace agentcast::test
