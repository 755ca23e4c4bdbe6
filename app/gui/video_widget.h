#pragma once
// A video area for the apps: shows the latest picture handed to it, scaled with its aspect
// kept, black around it. present() takes a reference to the decoder's (or camera's) BGR
// picture — the one swscale wrote — and the paint wraps those same bytes in a QImage, so a
// frame is never copied on its way to the screen. Producers never wait on the UI thread;
// the UI thread waits only for the few instructions that swap the latest picture.

#include <atomic>
#include <cstdint>
#include <mutex>

#include <QtWidgets/QWidget>

#include "agentcast/media/media_types.h"

namespace agentcast::gui {

class VideoWidget : public QWidget {
  Q_OBJECT

 public:
  explicit VideoWidget(QWidget* parent = nullptr);

  // Any thread. Keeps the frame's pixels (reference-counted, not copied) until the next
  // frame replaces them, and schedules one repaint however many frames arrive meanwhile.
  // The producer must stop calling before the widget is destroyed.
  void present(const media::VideoFrame& frame);
  // Back to the placeholder text (UI thread).
  void clear();
  void set_placeholder(const QString& text);

  // Where the picture is drawn, in widget coordinates (empty before the first frame).
  QRect picture_rect() const;
  std::uint64_t frames_presented() const noexcept { return presented_.load(); }
  std::uint64_t frames_painted() const noexcept { return painted_; }
  // The size of the last picture, or an empty size.
  QSize picture_size() const;

 signals:
  void double_clicked();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

 private:
  QRect fit(QSize picture) const;

  mutable std::mutex latest_mutex_;
  cv::Mat latest_;  // guarded by latest_mutex_
  std::atomic<bool> repaint_queued_{false};
  std::atomic<std::uint64_t> presented_{0};
  std::uint64_t painted_ = 0;  // UI thread
  std::uint64_t last_painted_frame_ = 0;
  QString placeholder_;
};

}  // namespace agentcast::gui
