#pragma once
// The viewer app's main window: a call code and Connect, the video with its statistics
// overlay, the steps of connecting, and the sound and send-back choices. It only wires:
// ConnectFlow runs the core's app::Viewer, failure_text says what failures mean.

#include <memory>
#include <vector>

#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonObject>
#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <QtWidgets/QMainWindow>
#include <QtWidgets/QMessageBox>

#include "agentcast/media/devices.h"
#include "connect_flow.h"
#include "launch_options.h"

class QAction;
class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSlider;

namespace agentcast::gui {
class StatsOverlay;
class VideoWidget;
}  // namespace agentcast::gui

namespace agentcast::viewer_ui {

class AudioOutputPicker;

class ViewerWindow : public QMainWindow {
  Q_OBJECT

 public:
  // `audio_devices`: the sound outputs to offer (media::list_audio_devices()).
  ViewerWindow(Launch launch, const std::vector<media::AudioDeviceInfo>& audio_devices,
               QWidget* parent = nullptr);
  ~ViewerWindow() override;

  // After show(): connects at once when the command line gave a call code, and starts the
  // --duration clock.
  void start();

  ConnectFlow& flow() noexcept { return *flow_; }
  gui::VideoWidget& video() noexcept { return *video_; }
  gui::StatsOverlay& overlay() noexcept { return *overlay_; }
  // The failure dialog on screen, if any.
  QMessageBox* failure_dialog() const { return failure_dialog_; }
  // The "ui" object of --stats-json: state, picture and overlay rectangles (global), frames.
  QJsonObject ui_state() const;

 public slots:
  void connect_to_sender();
  void disconnect_from_sender();
  void set_overlay_visible(bool visible);
  void set_fullscreen(bool fullscreen);

 signals:
  // The run is over with this exit code: --duration elapsed, a scripted run failed, or the
  // window was closed (0).
  void finished(int exit_code);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void build_ui(const std::vector<media::AudioDeviceInfo>& audio_devices);
  void build_menus();
  void load_settings();
  void remember(const QString& key, const QVariant& value);
  void on_state_changed(FlowState state);
  void on_progress(const app::ViewerProgress& progress);
  void on_failed(const Failure& failure);
  void on_tick();
  void refresh_overlay();
  // The session's statistics and `ui` (the window's state now when empty).
  void write_stats_file(const QJsonObject& ui = {});
  void show_receive_only();
  void finish(int exit_code);
  void complete_finish();

  Launch launch_;
  gui::VideoWidget* video_ = nullptr;
  gui::StatsOverlay* overlay_ = nullptr;
  std::unique_ptr<ConnectFlow> flow_;

  // Everything but the video, hidden in full screen.
  QWidget* top_bar_ = nullptr;
  QWidget* controls_ = nullptr;
  QLineEdit* call_code_ = nullptr;
  QPushButton* connect_button_ = nullptr;
  QLabel* step_label_ = nullptr;
  QProgressBar* agent_progress_ = nullptr;
  QLabel* signer_label_ = nullptr;
  QLabel* warnings_label_ = nullptr;
  QCheckBox* send_back_ = nullptr;
  QLabel* send_back_reason_ = nullptr;
  AudioOutputPicker* audio_out_ = nullptr;
  QLabel* audio_note_ = nullptr;
  QCheckBox* mute_ = nullptr;
  QSlider* volume_ = nullptr;
  QAction* connect_action_ = nullptr;
  QAction* disconnect_action_ = nullptr;
  QAction* overlay_action_ = nullptr;
  QAction* fullscreen_action_ = nullptr;
  QAction* leave_fullscreen_ = nullptr;
  QPointer<QMessageBox> failure_dialog_;

  QTimer tick_;  // statistics: the overlay and the --stats-json file, once a second
  QJsonObject previous_stats_;
  QElapsedTimer previous_stats_age_;
  bool was_maximized_ = false;
  bool closing_ = false;
  bool finishing_ = false;
  bool finished_ = false;
  int exit_code_ = 0;
  QJsonObject ui_at_finish_;  // what the window showed when the run was told to end
};

}  // namespace agentcast::viewer_ui
