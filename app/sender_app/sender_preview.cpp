#include "sender_preview.h"

#include <algorithm>

#include <QtWidgets/QVBoxLayout>

namespace agentcast::sender_app {
namespace {

constexpr int kWatchIntervalMs = 200;
// Longer than a keyframe interval of the back direction (one second): a picture that
// freezes for a moment is not worth hiding.
constexpr int kHideAfterMs = 2000;
constexpr int kMargin = 12;

}  // namespace

SenderPreview::SenderPreview(QWidget* parent)
    : QWidget(parent), sent_(new gui::VideoWidget(this)), back_(new gui::VideoWidget(sent_)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(sent_);
  back_->setMinimumSize(96, 54);
  back_->setToolTip(tr("What the viewer sends back"));
  back_->hide();
  clear();
  // The back pictures arrive on a pipeline thread; whether any came is checked here, on the
  // UI thread, which alone may show or hide a widget.
  connect(&watch_, &QTimer::timeout, this, &SenderPreview::watch_back);
  watch_.start(kWatchIntervalMs);
}

void SenderPreview::clear() {
  sent_->set_placeholder(tr("The preview of what you send appears here once you start."));
  sent_->clear();
  back_->clear();
  back_->hide();
}

void SenderPreview::watch_back() {
  const std::uint64_t frames = back_->frames_presented();
  if (frames != back_frames_seen_) {
    back_frames_seen_ = frames;
    since_back_frame_.start();
    if (!back_->isVisible()) {
      place_back();
      back_->show();
      back_->raise();
    }
  } else if (back_->isVisible() && since_back_frame_.elapsed() > kHideAfterMs) {
    back_->hide();
    back_->clear();
  }
}

void SenderPreview::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  place_back();
}

void SenderPreview::place_back() {
  // Two fifths of the width (the other person must be recognisable in a narrow window),
  // the shape of the picture that comes back (16:9 before one).
  const QSize picture = back_->picture_size().isEmpty() ? QSize(16, 9) : back_->picture_size();
  const int width = std::max(back_->minimumWidth(), sent_->width() * 2 / 5);
  const int height = std::max(back_->minimumHeight(), width * picture.height() / picture.width());
  back_->setGeometry(sent_->width() - width - kMargin, sent_->height() - height - kMargin, width,
                     height);
}

}  // namespace agentcast::sender_app
