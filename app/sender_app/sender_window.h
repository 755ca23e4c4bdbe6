#pragma once
// The sender app's window: the form, Start and Stop, the preview (with what comes back in
// a call), the call code and fingerprint, the viewers, and how sending goes. It owns the
// SenderRunner; all the work happens there, off the UI thread.

#include <QtCore/QJsonObject>
#include <QtCore/QTimer>
#include <QtWidgets/QMainWindow>

#include "agentcast/call/sender.h"
#include "sender_form.h"
#include "sender_runner.h"

class QCheckBox;
class QLabel;
class QPushButton;
class QSettings;
class QSlider;

namespace agentcast::sender_app {

class AdmissionPanel;
class CallCodePanel;
class SenderPreview;
class SendingSummary;
class ViewersTable;

class SenderWindow : public QMainWindow {
  Q_OBJECT

 public:
  SenderWindow(const app::SenderOptions& options, const SenderDevices& devices,
               QWidget* parent = nullptr);
  // Stops the sender and waits for it: no picture is presented to a destroyed widget.
  ~SenderWindow() override;

  // With the form's choices; a problem with them is shown instead.
  void start();
  void stop();
  SenderRunner::State state() const { return runner_.state(); }

  // The "ui" object of --stats-json: the state, and where the pictures are on the screen.
  QJsonObject ui_stats() const;
  // Sender::stats_json() (the last run's once stopped) with "ui" added.
  QJsonObject stats_json() const;

  // Off for a script: a failure then only emits failed(), with nobody to click a dialog.
  void set_failure_dialogs(bool on) { failure_dialogs_ = on; }
  QString last_failure() const { return last_failure_; }

  void restore_state(const QSettings& settings);
  void save_state(QSettings& settings) const;

  SenderForm* form() const { return form_; }
  SenderRunner* runner() { return &runner_; }
  SenderPreview* preview() const { return preview_; }
  CallCodePanel* call_code_panel() const { return call_code_; }
  ViewersTable* viewers() const { return viewers_; }
  QPushButton* remove_button() const { return remove_; }
  AdmissionPanel* admission() const { return admission_; }
  SendingSummary* summary() const { return summary_; }
  QPushButton* start_button() const { return start_; }
  QPushButton* stop_button() const { return stop_; }
  QCheckBox* back_mute() const { return back_mute_; }
  QSlider* back_volume() const { return back_volume_; }

 signals:
  // Every second: what stats_json() returns.
  void refreshed(const QJsonObject& stats);
  void start_requested(const agentcast::app::SenderOptions& options);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  QWidget* make_controls(const SenderDevices& devices);
  QWidget* make_picture_side();
  void on_state(SenderRunner::State state);
  void update_back_sound();
  void on_started(const QString& call_code, const QString& fingerprint);
  void on_failed(const QString& message);
  void refresh();

  SenderRunner runner_;
  SenderForm* form_ = nullptr;
  QPushButton* start_ = nullptr;
  QPushButton* stop_ = nullptr;
  SenderPreview* preview_ = nullptr;
  QWidget* back_sound_ = nullptr;
  QCheckBox* back_mute_ = nullptr;
  QSlider* back_volume_ = nullptr;
  CallCodePanel* call_code_ = nullptr;
  ViewersTable* viewers_ = nullptr;
  QPushButton* remove_ = nullptr;  // removes the selected viewer
  AdmissionPanel* admission_ = nullptr;
  SendingSummary* summary_ = nullptr;
  QLabel* state_label_ = nullptr;
  QTimer refresh_timer_;
  bool failure_dialogs_ = true;
  bool close_when_stopped_ = false;
  QString last_failure_;
};

}  // namespace agentcast::sender_app
