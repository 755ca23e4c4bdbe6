#pragma once
// A few lines of statistics painted semi-transparent over a video's top-left corner, so
// the picture stays visible underneath. It follows the picture (not the widget's corner)
// when black bars are added to keep the aspect, and lets every mouse event through to the
// video (a double-click still toggles full screen).

#include <QtCore/QStringList>
#include <QtWidgets/QWidget>

namespace agentcast::gui {

class VideoWidget;

class StatsOverlay : public QWidget {
  Q_OBJECT

 public:
  explicit StatsOverlay(VideoWidget* video);

  void set_lines(const QStringList& lines);
  const QStringList& lines() const noexcept { return lines_; }
  // Moves to the picture's corner. Resizes of the video are followed by themselves; call
  // it when the picture itself may have changed size (a first or a new-sized picture).
  void follow_picture();

 protected:
  void paintEvent(QPaintEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  QSize text_size() const;

  VideoWidget* video_;
  QStringList lines_;
};

}  // namespace agentcast::gui
