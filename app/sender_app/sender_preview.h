#pragma once
// What is being sent, large, and in a call what the viewer sends back, small over the
// bottom-right corner of it (picture in picture). The small view shows only while
// pictures come back, so a one-way call or a viewer without a camera leaves no black box.

#include <cstdint>

#include <QtCore/QElapsedTimer>
#include <QtCore/QTimer>
#include <QtWidgets/QWidget>

#include "video_widget.h"

namespace agentcast::sender_app {

class SenderPreview : public QWidget {
  Q_OBJECT

 public:
  explicit SenderPreview(QWidget* parent = nullptr);

  gui::VideoWidget* sent() const { return sent_; }
  gui::VideoWidget* back() const { return back_; }
  bool back_visible() const { return back_->isVisible(); }

  // Back to the placeholders, the small view hidden (after a stop).
  void clear();

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  void place_back();
  void watch_back();

  gui::VideoWidget* sent_;
  gui::VideoWidget* back_;
  QTimer watch_;
  QElapsedTimer since_back_frame_;
  std::uint64_t back_frames_seen_ = 0;
};

}  // namespace agentcast::sender_app
