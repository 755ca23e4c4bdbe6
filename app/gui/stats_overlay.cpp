#include "stats_overlay.h"

#include <algorithm>

#include <QtCore/QEvent>
#include <QtGui/QFontDatabase>
#include <QtGui/QPainter>

#include "video_widget.h"

namespace agentcast::gui {
namespace {

constexpr int kMargin = 8;   // from the picture's corner
constexpr int kPadding = 6;  // inside the box

}  // namespace

StatsOverlay::StatsOverlay(VideoWidget* video) : QWidget(video), video_(video) {
  setObjectName("statsOverlay");
  setAttribute(Qt::WA_TransparentForMouseEvents);
  setAttribute(Qt::WA_NoSystemBackground);
  // Figures that change every second should not make the box jitter in width.
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  video_->installEventFilter(this);
  hide();
}

void StatsOverlay::set_lines(const QStringList& lines) {
  lines_ = lines;
  follow_picture();
  update();
}

QSize StatsOverlay::text_size() const {
  const QFontMetrics metrics(font());
  int width = 0;
  for (const QString& line : lines_)
    width = std::max(width, metrics.horizontalAdvance(line));
  return QSize(width, metrics.lineSpacing() * static_cast<int>(lines_.size()));
}

void StatsOverlay::follow_picture() {
  const QRect picture = video_->picture_rect();
  const QPoint corner = picture.isEmpty() ? QPoint(0, 0) : picture.topLeft();
  const QSize size = text_size() + QSize(2 * kPadding, 2 * kPadding);
  setGeometry(QRect(corner + QPoint(kMargin, kMargin), size));
  raise();
}

bool StatsOverlay::eventFilter(QObject* watched, QEvent* event) {
  // Black bars move the picture's corner when the video area is resized.
  if (watched == video_ && event->type() == QEvent::Resize && isVisible()) follow_picture();
  return QWidget::eventFilter(watched, event);
}

void StatsOverlay::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(Qt::NoPen);
  painter.setBrush(QColor(0, 0, 0, 160));
  painter.drawRoundedRect(rect(), 4, 4);
  painter.setPen(QColor(235, 235, 235));
  const QFontMetrics metrics(font());
  int y = kPadding + metrics.ascent();
  for (const QString& line : lines_) {
    painter.drawText(kPadding, y, line);
    y += metrics.lineSpacing();
  }
}

}  // namespace agentcast::gui
