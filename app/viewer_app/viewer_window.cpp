#include "viewer_window.h"

#include <climits>
#include <cstdio>
#include <utility>

#include <QtCore/QJsonArray>
#include <QtCore/QSettings>
#include <QtGui/QAction>
#include <QtGui/QCloseEvent>
#include <QtGui/QKeySequence>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSlider>
#include <QtWidgets/QVBoxLayout>

#include "audio_output_picker.h"
#include "failure_dialog.h"
#include "stats_json.h"
#include "stats_overlay.h"
#include "stats_summary.h"
#include "status_text.h"
#include "video_widget.h"

namespace agentcast::viewer_ui {
namespace {

constexpr const char* kOrganization = "AgentCast";
constexpr const char* kApplication = "agentcast-viewer";
constexpr const char* kReceiveOnly = "This is a broadcast: its receive-only agent cannot send";
constexpr const char* kSendBackTip =
    "In a two-way call, your camera and microphone go to the sender (the test pattern and a "
    "tone stand in for a missing one). A broadcast cannot take them. Applies when connecting.";

QJsonArray rect_array(const QRect& rect) {
  return {rect.x(), rect.y(), rect.width(), rect.height()};
}

QRect global_rect(const QWidget& widget, const QRect& rect) {
  return rect.isEmpty() ? QRect() : QRect(widget.mapToGlobal(rect.topLeft()), rect.size());
}

}  // namespace

ViewerWindow::ViewerWindow(Launch launch, const std::vector<media::AudioDeviceInfo>& audio_devices,
                           QWidget* parent)
    : QMainWindow(parent), launch_(std::move(launch)) {
  setWindowTitle(tr("AgentCast Viewer"));
  build_ui(audio_devices);
  flow_ = std::make_unique<ConnectFlow>(
      [video = video_](const media::VideoFrame& frame) { video->present(frame); });
  connect(flow_.get(), &ConnectFlow::state_changed, this, &ViewerWindow::on_state_changed);
  connect(flow_.get(), &ConnectFlow::progressed, this, &ViewerWindow::on_progress);
  connect(flow_.get(), &ConnectFlow::failed, this, &ViewerWindow::on_failed);
  build_menus();
  load_settings();
  on_state_changed(flow_->state());
  tick_.setInterval(1000);
  connect(&tick_, &QTimer::timeout, this, &ViewerWindow::on_tick);
  tick_.start();
}

ViewerWindow::~ViewerWindow() {
  // The session's video thread paints into video_: it must be over before the widgets go.
  flow_.reset();
}

void ViewerWindow::build_ui(const std::vector<media::AudioDeviceInfo>& audio_devices) {
  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);

  top_bar_ = new QWidget(central);
  auto* top = new QHBoxLayout(top_bar_);
  call_code_ = new QLineEdit(top_bar_);
  call_code_->setObjectName("callCode");
  call_code_->setPlaceholderText(tr("Paste the call code: agentcast://HOST:PORT/#fp=…&k=…"));
  call_code_->setClearButtonEnabled(true);
  connect_button_ = new QPushButton(tr("Connect"), top_bar_);
  connect_button_->setObjectName("connectButton");
  top->addWidget(new QLabel(tr("Call code:"), top_bar_));
  top->addWidget(call_code_, 1);
  top->addWidget(connect_button_);
  connect(call_code_, &QLineEdit::returnPressed, this, &ViewerWindow::connect_to_sender);
  connect(connect_button_, &QPushButton::clicked, this, [this] {
    if (in_session(flow_->state())) {
      disconnect_from_sender();
    } else {
      connect_to_sender();
    }
  });

  video_ = new gui::VideoWidget(central);
  video_->setObjectName("video");
  overlay_ = new gui::StatsOverlay(video_);
  connect(video_, &gui::VideoWidget::double_clicked, this,
          [this] { set_fullscreen(!isFullScreen()); });

  controls_ = new QWidget(central);
  auto* bottom = new QVBoxLayout(controls_);
  step_label_ = new QLabel(controls_);
  step_label_->setObjectName("stepLabel");
  agent_progress_ = new QProgressBar(controls_);
  agent_progress_->setObjectName("agentProgress");
  agent_progress_->setTextVisible(true);
  agent_progress_->hide();
  auto* status = new QHBoxLayout;
  status->addWidget(step_label_, 1);
  status->addWidget(agent_progress_);
  bottom->addLayout(status);
  signer_label_ = new QLabel(controls_);
  signer_label_->setObjectName("signerLabel");
  signer_label_->setWordWrap(true);
  signer_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  signer_label_->setToolTip(
      tr("The sender's app shows the same safety number. Read it to each other over another "
         "channel (a phone call, or in person) to be sure this is their call."));
  signer_label_->hide();
  bottom->addWidget(signer_label_);
  warnings_label_ = new QLabel(controls_);
  warnings_label_->setObjectName("warningsLabel");
  warnings_label_->setWordWrap(true);
  warnings_label_->hide();
  bottom->addWidget(warnings_label_);

  auto* options = new QHBoxLayout;
  send_back_ = new QCheckBox(tr("Send my camera and microphone"), controls_);
  send_back_->setObjectName("sendBack");
  send_back_->setToolTip(tr(kSendBackTip));
  send_back_reason_ = new QLabel(controls_);
  send_back_reason_->setObjectName("sendBackReason");
  QFont small = send_back_reason_->font();
  small.setPointSizeF(small.pointSizeF() * 0.85);
  send_back_reason_->setFont(small);
  send_back_reason_->hide();
  options->addWidget(send_back_);
  options->addWidget(send_back_reason_);
  options->addStretch(1);
  audio_out_ = new AudioOutputPicker(audio_devices, controls_);
  audio_out_->setToolTip(tr("Where the sound goes. Applies when connecting."));
  mute_ = new QCheckBox(tr("Mute"), controls_);
  mute_->setObjectName("mute");
  volume_ = new QSlider(Qt::Horizontal, controls_);
  volume_->setObjectName("volume");
  volume_->setRange(0, 100);
  volume_->setFixedWidth(120);
  volume_->setToolTip(tr("Volume"));
  options->addWidget(new QLabel(tr("Sound:"), controls_));
  options->addWidget(audio_out_);
  options->addWidget(mute_);
  options->addWidget(new QLabel(tr("Volume:"), controls_));
  options->addWidget(volume_);
  bottom->addLayout(options);
  audio_note_ = new QLabel(tr("The new sound output applies at the next connection."), controls_);
  audio_note_->setObjectName("audioNote");
  audio_note_->setFont(small);
  audio_note_->hide();
  bottom->addWidget(audio_note_, 0, Qt::AlignRight);

  connect(send_back_, &QCheckBox::toggled, this, [this](bool on) { remember("send_back", on); });
  // activated: the user's choice only, not the one the settings or command line made.
  connect(audio_out_, &QComboBox::activated, this, [this] {
    remember("audio_out", QString::fromStdString(audio_out_->spec()));
    if (in_session(flow_->state())) audio_note_->show();
  });
  connect(mute_, &QCheckBox::toggled, this, [this](bool on) {
    flow_->set_muted(on);
    remember("muted", on);
  });
  connect(volume_, &QSlider::valueChanged, this, [this](int value) {
    flow_->set_volume(static_cast<float>(value) / 100.0f);
    remember("volume", value);
  });

  layout->addWidget(top_bar_);
  layout->addWidget(video_, 1);
  layout->addWidget(controls_);
  setCentralWidget(central);
  resize(960, 640);
}

void ViewerWindow::build_menus() {
  QMenu* call = menuBar()->addMenu(tr("&Call"));
  connect_action_ = call->addAction(tr("&Connect"), this, &ViewerWindow::connect_to_sender);
  disconnect_action_ =
      call->addAction(tr("&Disconnect"), this, &ViewerWindow::disconnect_from_sender);
  call->addSeparator();
  QAction* quit = call->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  overlay_action_ = view->addAction(tr("&Statistics overlay"));
  overlay_action_->setCheckable(true);
  overlay_action_->setShortcuts({QKeySequence(Qt::Key_S), QKeySequence(tr("Ctrl+I"))});
  connect(overlay_action_, &QAction::toggled, this, &ViewerWindow::set_overlay_visible);
  fullscreen_action_ = view->addAction(tr("&Full screen"));
  fullscreen_action_->setCheckable(true);
  fullscreen_action_->setShortcut(QKeySequence(Qt::Key_F11));
  connect(fullscreen_action_, &QAction::toggled, this, &ViewerWindow::set_fullscreen);
  leave_fullscreen_ = new QAction(tr("Leave full screen"), this);
  leave_fullscreen_->setShortcut(QKeySequence(Qt::Key_Escape));
  leave_fullscreen_->setEnabled(false);
  connect(leave_fullscreen_, &QAction::triggered, this, [this] { set_fullscreen(false); });

  // A hidden menu bar (full screen) takes its shortcuts with it; the window keeps them.
  addActions({connect_action_, disconnect_action_, quit, overlay_action_, fullscreen_action_,
              leave_fullscreen_});
}

void ViewerWindow::load_settings() {
  const QSettings settings(kOrganization, kApplication);
  const auto remembered = [&](const char* key, const QVariant& fallback) {
    return launch_.use_settings ? settings.value(key, fallback) : fallback;
  };
  // Applying what was remembered is not a new choice to remember.
  const QSignalBlocker block_volume(volume_), block_mute(mute_), block_send_back(send_back_);
  call_code_->setText(launch_.connect_at_once()
                          ? QString::fromStdString(launch_.command.viewer.call_code)
                          : remembered("call_code", QString()).toString());
  audio_out_->set_spec(launch_.audio_out_given
                           ? launch_.command.viewer.audio_out
                           : remembered("audio_out", "default").toString().toStdString());
  volume_->setValue(remembered("volume", 100).toInt());
  mute_->setChecked(remembered("muted", false).toBool());
  send_back_->setChecked(launch_.send_back_given || remembered("send_back", false).toBool());
  flow_->set_volume(static_cast<float>(volume_->value()) / 100.0f);
  flow_->set_muted(mute_->isChecked());
  const bool overlay = launch_.stats_overlay || remembered("stats_overlay", false).toBool();
  {
    const QSignalBlocker block_overlay(overlay_action_);
    overlay_action_->setChecked(overlay);
  }
  overlay_->setVisible(overlay);
  if (launch_.restore_geometry) restoreGeometry(remembered("geometry", QByteArray()).toByteArray());
}

void ViewerWindow::remember(const QString& key, const QVariant& value) {
  if (!launch_.use_settings) return;
  QSettings(kOrganization, kApplication).setValue(key, value);
}

void ViewerWindow::start() {
  if (launch_.fullscreen) set_fullscreen(true);
  if (launch_.command.duration_s > 0) {
    QTimer::singleShot(static_cast<int>(launch_.command.duration_s * 1000), this, [this] {
      // As `agentcast view`: a run whose session never began could not connect.
      const FlowState state = flow_->state();
      const bool never_joined =
          state >= FlowState::kConnecting && state <= FlowState::kLoadingAgent;
      if (never_joined) {
        std::fprintf(stderr, "agentcast-viewer: the session had not begun when --duration ended\n");
      }
      finish(never_joined ? app::kExitConnectFailed : app::kExitOk);
    });
  }
  if (launch_.connect_at_once()) connect_to_sender();
}

void ViewerWindow::connect_to_sender() {
  const FlowState state = flow_->state();
  if (in_session(state) && state != FlowState::kDisconnecting) return;
  app::ViewerOptions options = launch_.command.viewer;
  options.call_code = call_code_->text().trimmed().toStdString();
  options.audio_out = audio_out_->spec();
  // The checkbox asks for the friendly form: send back in a call, only watch a broadcast.
  options.send_back = false;
  options.send_back_if_call = send_back_->isChecked();
  if (options.send_back_if_call && !launch_.send_back_given) options.back = default_send_back();
  remember("call_code", QString::fromStdString(options.call_code));
  if (failure_dialog_) failure_dialog_->close();
  audio_note_->hide();
  previous_stats_ = QJsonObject();
  flow_->start(std::move(options));
}

void ViewerWindow::disconnect_from_sender() {
  flow_->stop();
}

void ViewerWindow::on_state_changed(FlowState state) {
  const bool session = in_session(state);
  call_code_->setEnabled(!session);
  connect_button_->setText(session ? tr("Disconnect") : tr("Connect"));
  connect_button_->setEnabled(state != FlowState::kDisconnecting);
  connect_action_->setEnabled(!session);
  disconnect_action_->setEnabled(session && state != FlowState::kDisconnecting);
  send_back_->setEnabled(!session);
  if (!session) {
    send_back_->setToolTip(tr(kSendBackTip));
    send_back_reason_->hide();
    audio_note_->hide();
  }
  agent_progress_->setVisible(state == FlowState::kReceivingAgent);
  if (state == FlowState::kIdle || state == FlowState::kConnecting) {
    video_->clear();
    signer_label_->clear();
    signer_label_->hide();
  }
  QString text = step_text(state, flow_->progress());
  if (state == FlowState::kFailed && flow_->failure()) text = failure_text(*flow_->failure()).title;
  step_label_->setText(text);
  video_->set_placeholder(text);
  if (state == FlowState::kPlaying) overlay_->follow_picture();
  if (finishing_ && !session) complete_finish();
  // Closed while the session wound down: now the window can go.
  if (closing_ && !flow_->busy() && isHidden()) close();
}

void ViewerWindow::on_progress(const app::ViewerProgress& progress) {
  const FlowState state = flow_->state();
  const QString text = step_text(state, progress);
  step_label_->setText(text);
  video_->set_placeholder(text);
  if (state == FlowState::kReceivingAgent && progress.bytes_total > 0) {
    // Bytes while they fit the bar's int; KiB beyond (a bundle over 2 GiB is refused anyway).
    const std::uint64_t unit = progress.bytes_total > INT_MAX ? 1024 : 1;
    agent_progress_->setRange(0, static_cast<int>(progress.bytes_total / unit));
    agent_progress_->setValue(static_cast<int>(progress.bytes_done / unit));
    agent_progress_->setFormat(bytes_text(progress.bytes_done, progress.bytes_total));
  }
  const QString signer = signer_text(progress);
  signer_label_->setText(signer);
  signer_label_->setVisible(!signer.isEmpty());
  if (progress.agent_kind == "receive-only") show_receive_only();
}

void ViewerWindow::show_receive_only() {
  send_back_->setEnabled(false);
  send_back_->setToolTip(tr(kReceiveOnly));
  send_back_reason_->setText(tr(kReceiveOnly));
  send_back_reason_->show();
}

void ViewerWindow::on_failed(const Failure& failure) {
  if (launch_.scripted()) {
    finish(exit_code(failure.kind));
    return;
  }
  if (failure_dialog_) failure_dialog_->close();
  failure_dialog_ = gui::show_failure(this, failure_text(failure));
}

void ViewerWindow::on_tick() {
  const FlowState state = flow_->state();
  if (in_session(state)) {
    const QJsonObject current = flow_->stats_json();
    if (overlay_->isVisible()) {
      overlay_->set_lines(
          summarize_stats(current, previous_stats_, previous_stats_age_.elapsed() / 1000.0));
    }
    previous_stats_ = current;
    previous_stats_age_.restart();
    if (current["agent"].toObject()["kind"].toString() == "receive-only") show_receive_only();
  }
  const QString warnings = QString::fromStdString(flow_->warnings());
  warnings_label_->setText(warnings);
  warnings_label_->setVisible(!warnings.isEmpty());
  write_stats_file();
}

void ViewerWindow::refresh_overlay() {
  const double seconds = previous_stats_.isEmpty() ? 0 : previous_stats_age_.elapsed() / 1000.0;
  overlay_->set_lines(summarize_stats(flow_->stats_json(), previous_stats_, seconds));
}

void ViewerWindow::set_overlay_visible(bool visible) {
  if (overlay_action_->isChecked() != visible) {
    overlay_action_->setChecked(visible);  // comes back here through toggled
    return;
  }
  if (visible) refresh_overlay();
  overlay_->setVisible(visible);
  remember("stats_overlay", visible);
}

void ViewerWindow::set_fullscreen(bool fullscreen) {
  if (fullscreen_action_->isChecked() != fullscreen) {
    fullscreen_action_->setChecked(fullscreen);  // comes back here through toggled
    return;
  }
  if (fullscreen == isFullScreen()) return;
  menuBar()->setVisible(!fullscreen);
  top_bar_->setVisible(!fullscreen);
  controls_->setVisible(!fullscreen);
  leave_fullscreen_->setEnabled(fullscreen);
  if (fullscreen) {
    was_maximized_ = isMaximized();
    showFullScreen();
  } else if (was_maximized_) {
    showMaximized();
  } else {
    showNormal();
  }
}

QJsonObject ViewerWindow::ui_state() const {
  QJsonObject ui;
  ui["state"] = state_name(flow_->state());
  ui["video_rect"] = rect_array(global_rect(*video_, video_->picture_rect()));
  ui["overlay_visible"] = overlay_->isVisible();
  if (overlay_->isVisible())
    ui["overlay_rect"] = rect_array(global_rect(*overlay_, overlay_->rect()));
  ui["frames_painted"] = static_cast<qint64>(video_->frames_painted());
  return ui;
}

void ViewerWindow::write_stats_file(const QJsonObject& ui) {
  if (launch_.command.stats_json.empty()) return;
  QJsonObject stats = flow_->stats_json();
  stats["ui"] = ui.isEmpty() ? ui_state() : ui;
  try {
    app::write_stats_json(launch_.command.stats_json, stats);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentcast-viewer: %s\n", e.what());
  }
}

void ViewerWindow::finish(int exit_code) {
  if (finishing_) return;
  finishing_ = true;
  exit_code_ = exit_code;
  ui_at_finish_ = ui_state();
  // The final figures are the stopped session's: written once it has wound down.
  if (in_session(flow_->state())) {
    flow_->stop();
  } else {
    complete_finish();
  }
}

void ViewerWindow::complete_finish() {
  if (finished_) return;
  finished_ = true;
  write_stats_file(ui_at_finish_);
  emit finished(exit_code_);
}

void ViewerWindow::closeEvent(QCloseEvent* event) {
  if (!closing_) {
    closing_ = true;
    remember("geometry", saveGeometry());
  }
  if (flow_->busy()) {
    // Out of sight at once, and closed for real when the session has wound down, so that
    // neither the window nor the exit waits on the network.
    flow_->stop();
    hide();
    event->ignore();
    return;
  }
  event->accept();
  // A hidden window's close does not end the application by itself: the run ends here
  // (with the last statistics), however the window was closed.
  finish(app::kExitOk);
}

}  // namespace agentcast::viewer_ui
