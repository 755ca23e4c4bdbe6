#pragma once
// What a GUI test asks of a screenshot: is there a picture, did it change, is that
// rectangle one colour, does that panel hold text. Areas are in the image's pixels; an
// `excluded` rectangle (an overlay over the video, say) is left out of the count.

#include <QtCore/QRect>
#include <QtGui/QColor>
#include <QtGui/QImage>

namespace agentcast::test {

// 0..255, Rec. 601 weights.
double luma(QRgb pixel);

// `area` without the rows and columns at its edges that are black (letterboxing).
QRect trim_black_border(const QImage& image, QRect area);

struct PictureStats {
  double mean_luma = 0;
  // Colours quantised to 3 bits a channel that each cover at least 0.5% of the area: a
  // picture of colour bars has several, a blank or a grey one has one or two.
  int colour_bins = 0;
};
PictureStats picture_stats(const QImage& image, QRect area, QRect excluded = {});

// The share of `area`'s pixels whose largest channel difference between `a` and `b` exceeds
// `threshold` (codec noise and scaling stay well below the default).
double changed_fraction(const QImage& a, const QImage& b, QRect area, QRect excluded = {},
                        int threshold = 40);

// The share of `area`'s pixels within `tolerance` of `colour` in every channel.
double colour_fraction(const QImage& image, QRect area, QColor colour, int tolerance = 0);

// Light text on a darker panel: the share of dark and of light pixels, and how many times a
// light pixel sits within two pixels (left or right) of a dark one, as the strokes of
// letters do.
struct PanelStats {
  double dark = 0;   // luma below 100
  double light = 0;  // luma above 170
  int light_dark_edges = 0;
};
PanelStats panel_stats(const QImage& image, QRect area);

}  // namespace agentcast::test
