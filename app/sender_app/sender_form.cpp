#include "sender_form.h"

#include <QtCore/QSize>
#include <QtWidgets/QButtonGroup>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QRadioButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include "source_picker.h"

namespace agentcast::sender_app {
namespace {

// The sound choice "the video file's own sound": it becomes file:PATH of the video.
const QString kVideoFileSound = QStringLiteral("video-file-sound");

const QSize kCommonSizes[] = {{320, 180},  {640, 360},   {640, 480},   {854, 480},
                              {1280, 720}, {1920, 1080}, {2560, 1440}, {3840, 2160}};

QString size_label(QSize size) {
  return QStringLiteral("%1 × %2").arg(size.width()).arg(size.height());
}

void select_data(QComboBox* box, const QVariant& data, const QString& label_if_new) {
  int index = box->findData(data);
  if (index < 0) {
    box->addItem(label_if_new, data);
    index = box->count() - 1;
  }
  box->setCurrentIndex(index);
}

}  // namespace

SenderDevices SenderDevices::enumerate() {
  return SenderDevices{media::list_cameras(), media::list_audio_devices()};
}

SenderForm::SenderForm(const SenderDevices& devices, QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(make_sources(devices));
  layout->addWidget(make_quality());
  layout->addWidget(make_mode(devices));
  advanced_toggle_ = new QToolButton(this);
  advanced_toggle_->setText(tr("Advanced"));
  advanced_toggle_->setCheckable(true);
  advanced_toggle_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  advanced_toggle_->setArrowType(Qt::RightArrow);
  advanced_toggle_->setAutoRaise(true);
  layout->addWidget(advanced_toggle_);
  advanced_ = make_advanced();
  layout->addWidget(advanced_);
  layout->addStretch(1);
  connect(advanced_toggle_, &QToolButton::toggled, this, &SenderForm::set_advanced_open);
  set_advanced_open(false);
  set_options(app::SenderOptions{});
}

QWidget* SenderForm::make_sources(const SenderDevices& devices) {
  auto* group = new QGroupBox(tr("What to send"), this);
  auto* form = new QFormLayout(group);

  video_ = new SourcePicker(group);
  video_->add_choice(tr("Test pattern"), QStringLiteral("test"));
  for (const media::CameraInfo& camera : devices.cameras) {
    video_->add_choice(
        tr("Camera: %1 (%2)")
            .arg(QString::fromStdString(camera.name), QString::fromStdString(camera.path)),
        QStringLiteral("camera:%1").arg(camera.index));
  }
  video_->add_choice(tr("Default camera"), QStringLiteral("camera"));
  video_->add_path_choice(tr("Video file…"), QStringLiteral("file:"), SourcePicker::Browse::kFile,
                          tr("Videos (*.mp4 *.mkv *.mov *.webm *.avi);;All files (*)"));
  video_->add_path_choice(tr("Folder of images…"), QStringLiteral("images:"),
                          SourcePicker::Browse::kFolder);
  video_->add_choice(tr("No video"), QStringLiteral("none"));
  video_->set_unknown_label([](const QString& spec) {
    if (spec.startsWith(QLatin1String("camera:"))) {
      return tr("Camera %1 (not found: /dev/video%1)").arg(spec.mid(7));
    }
    return spec;
  });
  form->addRow(tr("Video:"), video_);

  audio_ = new SourcePicker(group);
  audio_->add_choice(tr("Tone"), QStringLiteral("tone"));
  for (const media::AudioDeviceInfo& device : devices.audio) {
    if (device.input_channels <= 0) continue;
    audio_->add_choice(
        tr("Microphone: %1 (%2)")
            .arg(QString::fromStdString(device.name), QString::fromStdString(device.host_api)),
        QStringLiteral("mic:%1").arg(device.index));
  }
  audio_->add_choice(tr("Default microphone"), QStringLiteral("mic"));
  audio_->add_choice(tr("The video file's sound"), kVideoFileSound);
  audio_->add_path_choice(tr("Sound file…"), QStringLiteral("file:"), SourcePicker::Browse::kFile,
                          tr("Sound and video files (*.wav *.mp3 *.ogg *.opus *.flac *.m4a *.mp4 "
                             "*.mkv *.webm);;All files (*)"));
  audio_->add_choice(tr("No sound"), QStringLiteral("none"));
  audio_->set_unknown_label([](const QString& spec) {
    if (spec.startsWith(QLatin1String("mic:"))) {
      return tr("Microphone %1 (not found)").arg(spec.mid(4));
    }
    return spec;
  });
  form->addRow(tr("Sound:"), audio_);

  connect(video_, &SourcePicker::changed, this, &SenderForm::changed);
  connect(audio_, &SourcePicker::changed, this, &SenderForm::changed);
  return group;
}

QWidget* SenderForm::make_quality() {
  auto* group = new QGroupBox(tr("Picture"), this);
  auto* form = new QFormLayout(group);
  size_ = new QComboBox(group);
  for (const QSize size : kCommonSizes)
    size_->addItem(size_label(size), size);
  form->addRow(tr("Size:"), size_);
  fps_ = new QSpinBox(group);
  fps_->setRange(1, 120);
  fps_->setSuffix(tr(" frames/s"));
  form->addRow(tr("Frame rate:"), fps_);
  bitrate_ = new QSpinBox(group);
  bitrate_->setRange(50, 100'000);
  bitrate_->setSingleStep(250);
  bitrate_->setSuffix(tr(" kbit/s"));
  form->addRow(tr("Bitrate:"), bitrate_);
  connect(size_, &QComboBox::currentIndexChanged, this, &SenderForm::changed);
  connect(fps_, &QSpinBox::valueChanged, this, &SenderForm::changed);
  connect(bitrate_, &QSpinBox::valueChanged, this, &SenderForm::changed);
  return group;
}

QWidget* SenderForm::make_mode(const SenderDevices& devices) {
  auto* group = new QGroupBox(tr("Who watches"), this);
  auto* form = new QFormLayout(group);
  call_ = new QRadioButton(tr("A call: one viewer, who can send video back"), group);
  broadcast_ = new QRadioButton(tr("A broadcast: viewers only watch"), group);
  auto* buttons = new QButtonGroup(group);
  buttons->addButton(call_);
  buttons->addButton(broadcast_);
  form->addRow(call_);
  form->addRow(broadcast_);
  max_viewers_ = new QSpinBox(group);
  max_viewers_->setRange(1, 255);
  form->addRow(tr("At most:"), max_viewers_);
  max_viewers_->setSuffix(tr(" viewers"));

  // A sender usually is not the one listening: silent unless asked.
  back_output_ = new QComboBox(group);
  back_output_->addItem(tr("No sound"), QStringLiteral("none"));
  back_output_->addItem(tr("System default"), QStringLiteral("default"));
  for (const media::AudioDeviceInfo& device : devices.audio) {
    if (device.output_channels <= 0) continue;
    back_output_->addItem(QStringLiteral("%1 (%2)").arg(QString::fromStdString(device.name),
                                                        QString::fromStdString(device.host_api)),
                          QStringLiteral("device:%1").arg(device.index));
  }
  form->addRow(tr("Their sound on:"), back_output_);
  ask_host_ = new QCheckBox(tr("Ask me before each viewer joins"), group);
  ask_host_->setObjectName(QStringLiteral("askHostCheck"));
  ask_host_->setToolTip(
      tr("A viewer with the call code or an invitation waits until you admit or deny it "
         "(60 s at most); it gets nothing of the call before you admit it."));
  form->addRow(ask_host_);

  connect(call_, &QRadioButton::toggled, this, [this] {
    update_mode();
    emit changed();
  });
  connect(max_viewers_, &QSpinBox::valueChanged, this, &SenderForm::changed);
  connect(back_output_, &QComboBox::currentIndexChanged, this, &SenderForm::changed);
  connect(ask_host_, &QCheckBox::toggled, this, &SenderForm::changed);
  return group;
}

QWidget* SenderForm::make_advanced() {
  auto* box = new QWidget(this);
  auto* form = new QFormLayout(box);
  form->setContentsMargins(12, 0, 0, 0);
  listen_ = new QLineEdit(box);
  listen_->setToolTip(
      tr("HOST:PORT for the control channel (TCP) and the media (UDP). "
         "0.0.0.0 accepts viewers from other machines; port 0 picks a free one."));
  form->addRow(tr("Listen on:"), listen_);
  select_ = new QComboBox(box);
  select_->addItem(tr("Synchronized (both ends compute it)"), QStringLiteral("synchronized"));
  select_->addItem(tr("Instructed (the sender posts it)"), QStringLiteral("instructed"));
  form->addRow(tr("Cipher selection:"), select_);
  seeds_ = new QComboBox(box);
  seeds_->addItem(tr("Synchronized (both ends derive them)"), QStringLiteral("synchronized"));
  seeds_->addItem(tr("Distributed (the sender sends them)"), QStringLiteral("distributed"));
  form->addRow(tr("Seeds:"), seeds_);
  connect(listen_, &QLineEdit::textChanged, this, &SenderForm::changed);
  connect(select_, &QComboBox::currentIndexChanged, this, &SenderForm::changed);
  connect(seeds_, &QComboBox::currentIndexChanged, this, &SenderForm::changed);
  return box;
}

void SenderForm::update_mode() {
  const bool call = call_->isChecked();
  max_viewers_->setEnabled(!call);
  back_output_->setEnabled(call);
}

bool SenderForm::is_call() const {
  return call_->isChecked();
}

bool SenderForm::advanced_open() const {
  return advanced_toggle_->isChecked();
}

void SenderForm::set_advanced_open(bool open) {
  const QSignalBlocker quiet(advanced_toggle_);
  advanced_toggle_->setChecked(open);
  advanced_toggle_->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
  advanced_->setVisible(open);
}

app::SenderOptions SenderForm::options() const {
  app::SenderOptions options = base_;
  options.media.video = video_->spec();
  options.media.audio = audio_->spec();
  if (QString::fromStdString(options.media.audio) == kVideoFileSound) {
    options.media.audio = options.media.video;
  }
  const QSize size = size_->currentData().toSize();
  options.media.width = size.width();
  options.media.height = size.height();
  options.media.fps = fps_->value();
  options.media.bitrate_kbps = bitrate_->value();
  if (call_->isChecked()) {
    options.agent = "full";
    options.max_viewers = 1;
    options.audio_out_back = back_output_->currentData().toString().toStdString();
  } else {
    options.agent = "receive-only";
    options.max_viewers = max_viewers_->value();
    options.audio_out_back = "none";  // nobody sends back in a broadcast
  }
  options.select = select_->currentData().toString() == QLatin1String("instructed")
                       ? net::SelectMode::kInstructed
                       : net::SelectMode::kSynchronized;
  options.seeds = seeds_->currentData().toString() == QLatin1String("distributed")
                      ? net::SeedMode::kDistributed
                      : net::SeedMode::kSynchronized;
  options.listen = listen_->text().trimmed().toStdString();
  options.ask_host = ask_host_->isChecked();
  return options;
}

void SenderForm::set_options(const app::SenderOptions& options) {
  base_ = options;
  video_->set_spec(options.media.video);
  const bool video_file_sound =
      options.media.audio.rfind("file:", 0) == 0 && options.media.audio == options.media.video;
  audio_->set_spec(video_file_sound ? kVideoFileSound.toStdString() : options.media.audio);
  const QSize size(options.media.width, options.media.height);
  select_data(size_, size, size_label(size));
  fps_->setValue(options.media.fps);
  bitrate_->setValue(options.media.bitrate_kbps);
  const bool call = options.agent != "receive-only";
  (call ? call_ : broadcast_)->setChecked(true);
  // A call has one viewer; switching to a broadcast then offers room for a few.
  max_viewers_->setValue(call ? 16 : options.max_viewers);
  const QString out = QString::fromStdString(options.audio_out_back);
  select_data(back_output_, out,
              out.startsWith(QLatin1String("wav:")) ? tr("WAV file %1").arg(out.mid(4)) : out);
  select_->setCurrentIndex(options.select == net::SelectMode::kInstructed ? 1 : 0);
  seeds_->setCurrentIndex(options.seeds == net::SeedMode::kDistributed ? 1 : 0);
  listen_->setText(QString::fromStdString(options.listen));
  ask_host_->setChecked(options.ask_host);
  update_mode();
}

QString SenderForm::problem() const {
  const app::SenderOptions o = options();
  if (audio_->spec() == kVideoFileSound.toStdString() && o.media.video.rfind("file:", 0) != 0) {
    return tr("\"The video file's sound\" needs a video file: choose one, or another sound.");
  }
  if (o.media.video == "file:" || o.media.audio == "file:") {
    return tr("Choose the file to send (Browse…).");
  }
  if (o.media.video == "images:") return tr("Choose the folder of images to send (Browse…).");
  if (o.media.video == "none" && o.media.audio == "none") {
    return tr("Nothing to send: choose a video source or a sound source.");
  }
  if (o.listen.empty()) return tr("Give the address to listen on (Advanced), e.g. 0.0.0.0:7000.");
  return {};
}

}  // namespace agentcast::sender_app
