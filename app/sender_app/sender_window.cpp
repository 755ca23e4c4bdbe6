#include "sender_window.h"

#include <QtCore/QJsonArray>
#include <QtCore/QSettings>
#include <QtGui/QCloseEvent>
#include <QtWidgets/QApplication>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollArea>
#include <QtWidgets/QSlider>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QVBoxLayout>

#include "admission_panel.h"
#include "call_code_panel.h"
#include "sender_preview.h"
#include "sending_summary.h"
#include "viewers_table.h"

namespace agentcast::sender_app {
namespace {

QJsonArray global_rect(const QWidget* widget, const QRect& rect) {
  const QPoint top_left = rect.isEmpty() ? QPoint() : widget->mapToGlobal(rect.topLeft());
  return {top_left.x(), top_left.y(), rect.width(), rect.height()};
}

QString state_text(SenderRunner::State state) {
  switch (state) {
    case SenderRunner::State::kIdle:
      return SenderWindow::tr("Not sending");
    case SenderRunner::State::kStarting:
      return SenderWindow::tr("Starting…");
    case SenderRunner::State::kSending:
      return SenderWindow::tr("Sending");
    case SenderRunner::State::kStopping:
      return SenderWindow::tr("Stopping…");
    case SenderRunner::State::kFailed:
      return SenderWindow::tr("Could not send");
  }
  return {};
}

// What the preview says until (or instead of) the first picture.
QString waiting_text(const app::SenderOptions& options) {
  if (options.media.video == "none") return SenderWindow::tr("No video is sent: sound only.");
  if (options.media.video.rfind("file:", 0) == 0) {
    // An H.264 file is sent as it is, without decoding: there is no picture to show.
    return SenderWindow::tr(
        "Waiting for the first picture… A file whose video is sent "
        "without re-encoding shows no preview.");
  }
  return SenderWindow::tr("Waiting for the first picture…");
}

}  // namespace

SenderWindow::SenderWindow(const app::SenderOptions& options, const SenderDevices& devices,
                           QWidget* parent)
    : QMainWindow(parent) {
  setWindowTitle(tr("AgentCast Sender"));
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(make_controls(devices));
  splitter->addWidget(make_picture_side());
  splitter->setStretchFactor(1, 1);
  splitter->setChildrenCollapsible(false);
  setCentralWidget(splitter);

  state_label_ = new QLabel(this);
  summary_ = new SendingSummary(this);
  statusBar()->addWidget(state_label_);
  statusBar()->addWidget(summary_, 1);

  form_->set_options(options);
  connect(&runner_, &SenderRunner::state_changed, this, &SenderWindow::on_state);
  connect(&runner_, &SenderRunner::started, this, &SenderWindow::on_started);
  connect(&runner_, &SenderRunner::failed, this,
          [this](const QString& message, int) { on_failed(message); });
  connect(form_, &SenderForm::changed, this, [this] { back_sound_->setVisible(form_->is_call()); });
  connect(&refresh_timer_, &QTimer::timeout, this, &SenderWindow::refresh);
  refresh_timer_.start(1000);
  on_state(runner_.state());
  resize(1100, 700);
}

SenderWindow::~SenderWindow() {
  runner_.shutdown();
}

QWidget* SenderWindow::make_controls(const SenderDevices& devices) {
  auto* side = new QWidget(this);
  auto* layout = new QVBoxLayout(side);
  form_ = new SenderForm(devices, side);
  auto* scroll = new QScrollArea(side);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidget(form_);
  layout->addWidget(scroll, 1);
  auto* buttons = new QHBoxLayout;
  start_ = new QPushButton(tr("Start"), side);
  start_->setDefault(true);
  stop_ = new QPushButton(tr("Stop"), side);
  buttons->addWidget(start_);
  buttons->addWidget(stop_);
  layout->addLayout(buttons);
  connect(start_, &QPushButton::clicked, this, &SenderWindow::start);
  connect(stop_, &QPushButton::clicked, this, &SenderWindow::stop);
  return side;
}

QWidget* SenderWindow::make_picture_side() {
  auto* side = new QWidget(this);
  auto* layout = new QVBoxLayout(side);
  preview_ = new SenderPreview(side);
  layout->addWidget(preview_, 3);

  back_sound_ = new QWidget(side);
  auto* sound = new QHBoxLayout(back_sound_);
  sound->setContentsMargins(0, 0, 0, 0);
  sound->addWidget(new QLabel(tr("Their sound:"), back_sound_));
  back_mute_ = new QCheckBox(tr("Mute"), back_sound_);
  back_volume_ = new QSlider(Qt::Horizontal, back_sound_);
  back_volume_->setRange(0, 100);
  back_volume_->setValue(100);
  back_volume_->setToolTip(tr("Volume of what the viewer sends back"));
  sound->addWidget(back_volume_, 1);
  sound->addWidget(back_mute_);
  layout->addWidget(back_sound_);
  connect(back_volume_, &QSlider::valueChanged, this,
          [this](int value) { runner_.set_back_volume(static_cast<float>(value) / 100.0F); });
  connect(back_mute_, &QCheckBox::toggled, this,
          [this](bool muted) { runner_.set_back_muted(muted); });

  call_code_ = new CallCodePanel(side);
  layout->addWidget(call_code_);
  connect(call_code_, &CallCodePanel::invite_requested, this,
          [this] { call_code_->add_invite(runner_.new_invite()); });
  admission_ = new AdmissionPanel(side);
  layout->addWidget(admission_);
  connect(&runner_, &SenderRunner::waiting_viewers_changed, this, [this] {
    const std::optional<app::PendingViewer> before = admission_->shown();
    admission_->show_waiting(runner_.waiting_viewers());
    const std::optional<app::PendingViewer> now = admission_->shown();
    // Someone new at the door: draw the host's eye to the window.
    if (now && (!before || before->id != now->id)) QApplication::alert(this);
  });
  connect(admission_, &AdmissionPanel::decided, this,
          [this](std::uint64_t id, bool admit) { runner_.decide(id, admit); });
  viewers_ = new ViewersTable(side);
  layout->addWidget(viewers_, 1);
  remove_ = new QPushButton(tr("Remove"), side);
  remove_->setToolTip(
      tr("End the selected viewer's session. The others get new keys, so it can decrypt "
         "nothing sent after this, even if it records their traffic."));
  remove_->setEnabled(false);
  layout->addWidget(remove_, 0, Qt::AlignRight);
  connect(viewers_, &QTableWidget::itemSelectionChanged, this,
          [this] { remove_->setEnabled(viewers_->selected_slot().has_value()); });
  connect(remove_, &QPushButton::clicked, this, [this] {
    if (const std::optional<std::uint16_t> slot = viewers_->selected_slot()) {
      runner_.remove_viewer(*slot);
      viewers_->clearSelection();
    }
  });
  return side;
}

void SenderWindow::start() {
  if (runner_.busy()) return;
  if (const QString problem = form_->problem(); !problem.isEmpty()) {
    on_failed(problem);
    return;
  }
  const app::SenderOptions options = form_->options();
  emit start_requested(options);
  last_failure_.clear();
  preview_->clear();
  preview_->sent()->set_placeholder(waiting_text(options));
  call_code_->clear();
  viewers_->show_viewers({});
  summary_->reset();
  gui::VideoWidget* sent = preview_->sent();
  gui::VideoWidget* back = preview_->back();
  // Both called on the pipeline's threads until the runner reports stopped; the widgets
  // outlive that (the destructor waits for the runner).
  runner_.start(
      options, [sent](const media::VideoFrame& frame) { sent->present(frame); },
      [back](const media::VideoFrame& frame) { back->present(frame); });
}

void SenderWindow::stop() {
  runner_.stop();
}

void SenderWindow::on_state(SenderRunner::State state) {
  const bool busy = runner_.busy();
  form_->setEnabled(!busy);
  start_->setEnabled(!busy);
  stop_->setEnabled(state == SenderRunner::State::kStarting ||
                    state == SenderRunner::State::kSending);
  update_back_sound();
  state_label_->setText(state_text(state));
  if (state == SenderRunner::State::kIdle || state == SenderRunner::State::kFailed) {
    preview_->clear();
    call_code_->clear();
    viewers_->show_viewers({});
    if (state == SenderRunner::State::kIdle) summary_->reset();
    if (close_when_stopped_) close();
  }
}

void SenderWindow::update_back_sound() {
  back_sound_->setVisible(form_->is_call());
  // "No sound" plays nothing: a volume would have nothing to act on.
  back_sound_->setEnabled(form_->options().audio_out_back != "none");
}

void SenderWindow::on_started(const QString& call_code, const QString& fingerprint) {
  if (runner_.state() == SenderRunner::State::kSending)
    call_code_->show_code(call_code, fingerprint);
}

void SenderWindow::on_failed(const QString& message) {
  last_failure_ = message;
  summary_->setText(message.section(QLatin1Char('\n'), 0, 0));
  if (!failure_dialogs_) return;
  // Not exec(): the event loop (and a script's timers) go on while the dialog is open.
  auto* box =
      new QMessageBox(QMessageBox::Warning, tr("Could not send"), message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

void SenderWindow::refresh() {
  const QJsonObject stats = stats_json();
  if (runner_.state() == SenderRunner::State::kSending) {
    viewers_->show_viewers(stats[QLatin1String("viewers")].toArray());
    summary_->show_stats(stats);
  }
  emit refreshed(stats);
}

QJsonObject SenderWindow::ui_stats() const {
  QJsonObject ui;
  ui[QLatin1String("state")] = QLatin1String(SenderRunner::to_string(runner_.state()));
  const gui::VideoWidget* sent = preview_->sent();
  ui[QLatin1String("preview_rect")] = global_rect(sent, sent->picture_rect());
  ui[QLatin1String("preview_frames_painted")] = static_cast<qint64>(sent->frames_painted());
  const gui::VideoWidget* back = preview_->back();
  if (preview_->back_visible()) {
    ui[QLatin1String("remote_video_rect")] = global_rect(back, back->picture_rect());
  }
  ui[QLatin1String("remote_frames_painted")] = static_cast<qint64>(back->frames_painted());
  return ui;
}

QJsonObject SenderWindow::stats_json() const {
  QJsonObject stats = runner_.stats_json();
  stats[QLatin1String("ui")] = ui_stats();
  return stats;
}

void SenderWindow::restore_state(const QSettings& settings) {
  restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
  form_->set_advanced_open(settings.value(QStringLiteral("window/advanced_open"), false).toBool());
  back_volume_->setValue(settings.value(QStringLiteral("back/volume"), 100).toInt());
  back_mute_->setChecked(settings.value(QStringLiteral("back/muted"), false).toBool());
}

void SenderWindow::save_state(QSettings& settings) const {
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/advanced_open"), form_->advanced_open());
  settings.setValue(QStringLiteral("back/volume"), back_volume_->value());
  settings.setValue(QStringLiteral("back/muted"), back_mute_->isChecked());
}

void SenderWindow::closeEvent(QCloseEvent* event) {
  // Stopping tells the viewers and lets the threads end; the window closes once it has.
  if (runner_.busy()) {
    close_when_stopped_ = true;
    runner_.stop();
    event->ignore();
    return;
  }
  event->accept();
}

}  // namespace agentcast::sender_app
