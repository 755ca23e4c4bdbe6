#pragma once
// The sender's choices — what to send, how, and to whom — as widgets, read into and set
// from app::SenderOptions. Everything the form does not show (the agent directory, the
// identity, the recording paths, ...) is carried through unchanged from set_options().

#include <vector>

#include <QtCore/QString>
#include <QtWidgets/QWidget>

#include "agentcast/call/sender.h"
#include "agentcast/media/devices.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QRadioButton;
class QSpinBox;
class QToolButton;

namespace agentcast::sender_app {

class SourcePicker;

// The devices offered; the tests give their own.
struct SenderDevices {
  std::vector<media::CameraInfo> cameras;
  std::vector<media::AudioDeviceInfo> audio;
  static SenderDevices enumerate();
};

class SenderForm : public QWidget {
  Q_OBJECT

 public:
  explicit SenderForm(const SenderDevices& devices, QWidget* parent = nullptr);

  app::SenderOptions options() const;
  void set_options(const app::SenderOptions& options);
  // What stops these choices from starting, in plain words; empty when nothing does.
  QString problem() const;

  bool is_call() const;
  bool advanced_open() const;
  void set_advanced_open(bool open);

  SourcePicker* video() const { return video_; }
  SourcePicker* audio() const { return audio_; }
  QComboBox* size() const { return size_; }
  QSpinBox* fps() const { return fps_; }
  QSpinBox* bitrate() const { return bitrate_; }
  QRadioButton* call_mode() const { return call_; }
  QRadioButton* broadcast_mode() const { return broadcast_; }
  QSpinBox* max_viewers() const { return max_viewers_; }
  QCheckBox* ask_host() const { return ask_host_; }
  QComboBox* back_output() const { return back_output_; }
  QComboBox* select_mode() const { return select_; }
  QComboBox* seed_mode() const { return seeds_; }
  QLineEdit* listen() const { return listen_; }
  QToolButton* advanced_toggle() const { return advanced_toggle_; }

 signals:
  void changed();

 private:
  QWidget* make_sources(const SenderDevices& devices);
  QWidget* make_quality();
  QWidget* make_mode(const SenderDevices& devices);
  QWidget* make_advanced();
  void update_mode();

  app::SenderOptions base_;
  SourcePicker* video_ = nullptr;
  SourcePicker* audio_ = nullptr;
  QComboBox* size_ = nullptr;
  QSpinBox* fps_ = nullptr;
  QSpinBox* bitrate_ = nullptr;
  QRadioButton* call_ = nullptr;
  QRadioButton* broadcast_ = nullptr;
  QSpinBox* max_viewers_ = nullptr;
  QComboBox* back_output_ = nullptr;
  QCheckBox* ask_host_ = nullptr;
  QComboBox* select_ = nullptr;
  QComboBox* seeds_ = nullptr;
  QLineEdit* listen_ = nullptr;
  QToolButton* advanced_toggle_ = nullptr;
  QWidget* advanced_ = nullptr;
};

}  // namespace agentcast::sender_app
