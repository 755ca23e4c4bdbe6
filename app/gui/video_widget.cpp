#include "video_widget.h"

#include <QtCore/QMetaObject>
#include <QtGui/QImage>
#include <QtGui/QMouseEvent>
#include <QtGui/QPainter>

namespace agentcast::gui {

VideoWidget::VideoWidget(QWidget* parent) : QWidget(parent) {
  // Every pixel is painted each time: Qt need not clear the background first.
  setAttribute(Qt::WA_OpaquePaintEvent);
  setMinimumSize(160, 90);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void VideoWidget::present(const media::VideoFrame& frame) {
  if (frame.bgr.empty() || frame.bgr.type() != CV_8UC3) return;
  {
    const std::lock_guard lock(latest_mutex_);
    latest_ = frame.bgr;  // a reference: the producer makes a new picture for each frame
  }
  presented_.fetch_add(1, std::memory_order_relaxed);
  // At most one repaint queued: a UI thread that falls behind skips pictures rather than
  // letting events pile up.
  if (!repaint_queued_.exchange(true)) {
    QMetaObject::invokeMethod(
        this,
        [this] {
          repaint_queued_.store(false);
          update();
        },
        Qt::QueuedConnection);
  }
}

void VideoWidget::clear() {
  {
    const std::lock_guard lock(latest_mutex_);
    latest_ = cv::Mat();
  }
  update();
}

void VideoWidget::set_placeholder(const QString& text) {
  placeholder_ = text;
  update();
}

QSize VideoWidget::picture_size() const {
  const std::lock_guard lock(latest_mutex_);
  return latest_.empty() ? QSize() : QSize(latest_.cols, latest_.rows);
}

QRect VideoWidget::picture_rect() const {
  const QSize size = picture_size();
  return size.isEmpty() ? QRect() : fit(size);
}

QRect VideoWidget::fit(QSize picture) const {
  const QSize scaled = picture.scaled(size(), Qt::KeepAspectRatio);
  return QRect(QPoint((width() - scaled.width()) / 2, (height() - scaled.height()) / 2), scaled);
}

void VideoWidget::paintEvent(QPaintEvent*) {
  cv::Mat picture;
  {
    const std::lock_guard lock(latest_mutex_);
    picture = latest_;
  }
  QPainter painter(this);
  if (picture.empty()) {
    painter.fillRect(rect(), Qt::black);
    painter.setPen(QColor(200, 200, 200));
    painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
    return;
  }
  const QImage image(picture.data, picture.cols, picture.rows, static_cast<qsizetype>(picture.step),
                     QImage::Format_BGR888);
  const QRect target = fit(image.size());
  // Black bars only where the picture is not.
  painter.fillRect(QRect(0, 0, width(), target.top()), Qt::black);
  painter.fillRect(QRect(0, target.bottom() + 1, width(), height() - target.bottom() - 1),
                   Qt::black);
  painter.fillRect(QRect(0, target.top(), target.left(), target.height()), Qt::black);
  painter.fillRect(
      QRect(target.right() + 1, target.top(), width() - target.right() - 1, target.height()),
      Qt::black);
  painter.setRenderHint(QPainter::SmoothPixmapTransform, target.size() != image.size());
  painter.drawImage(target, image);
  const std::uint64_t presented = presented_.load(std::memory_order_relaxed);
  if (presented != last_painted_frame_) {
    last_painted_frame_ = presented;
    ++painted_;
  }
}

void VideoWidget::mouseDoubleClickEvent(QMouseEvent* event) {
  emit double_clicked();
  event->accept();
}

}  // namespace agentcast::gui
