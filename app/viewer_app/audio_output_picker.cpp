#include "audio_output_picker.h"

namespace agentcast::viewer_ui {

AudioOutputPicker::AudioOutputPicker(const std::vector<media::AudioDeviceInfo>& devices,
                                     QWidget* parent)
    : QComboBox(parent) {
  setObjectName("audioOutputPicker");
  addItem(tr("System default"), QString("default"));
  addItem(tr("No sound"), QString("none"));
  for (const media::AudioDeviceInfo& device : devices) {
    if (device.output_channels <= 0) continue;
    const QString name = QString::fromStdString(device.name);
    const QString label =
        device.host_api.empty()
            ? name
            : QString("%1 (%2)").arg(name, QString::fromStdString(device.host_api));
    addItem(label, QString("device:%1").arg(device.index));
  }
}

std::string AudioOutputPicker::spec() const {
  return currentData().toString().toStdString();
}

void AudioOutputPicker::set_spec(const std::string& spec) {
  const QString value = QString::fromStdString(spec);
  int index = findData(value);
  if (index < 0) {
    addItem(value.startsWith("wav:") ? tr("WAV file %1").arg(value.mid(4)) : value, value);
    index = count() - 1;
  }
  setCurrentIndex(index);
}

}  // namespace agentcast::viewer_ui
