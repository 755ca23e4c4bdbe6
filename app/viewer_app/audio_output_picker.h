#pragma once
// Where the received sound goes: "System default", "No sound", or one of PortAudio's
// output devices. Its value is ViewerOptions::audio_out: "default", "none" or "device:N".

#include <string>
#include <vector>

#include <QtWidgets/QComboBox>

#include "agentcast/media/devices.h"

namespace agentcast::viewer_ui {

class AudioOutputPicker : public QComboBox {
  Q_OBJECT

 public:
  // `devices`: every PortAudio device (media::list_audio_devices()); inputs are left out.
  explicit AudioOutputPicker(const std::vector<media::AudioDeviceInfo>& devices,
                             QWidget* parent = nullptr);

  std::string spec() const;
  // Selects `spec`; one that is not listed (a device gone since, or wav:PATH from the
  // command line) is added, so that what will be used is what is shown.
  void set_spec(const std::string& spec);
};

}  // namespace agentcast::viewer_ui
