// The viewer window driven through its connection's steps without a network: what the
// user sees at each step, the dialog of each failure, the overlay and full screen keys,
// --stats-json's "ui" object, the scripted exits, and the remembered settings.

#include <gtest/gtest.h>

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSlider>

#include <opencv2/core.hpp>

#include "agentcast/call/sender.h"
#include "stats_overlay.h"
#include "video_widget.h"
#include "viewer_test_support.h"
#include "viewer_window.h"

namespace agentcast::viewer_ui {
namespace {

using app::ViewerStep;
using test::wait_until;

app::ViewerProgress step(ViewerStep at) {
  app::ViewerProgress progress;
  progress.step = at;
  return progress;
}

std::vector<media::AudioDeviceInfo> one_speaker() {
  media::AudioDeviceInfo speaker;
  speaker.index = 4;
  speaker.name = "Speakers";
  speaker.host_api = "ALSA";
  speaker.output_channels = 2;
  media::AudioDeviceInfo microphone;
  microphone.index = 5;
  microphone.name = "Microphone";
  microphone.input_channels = 1;
  return {speaker, microphone};
}

QJsonObject read_json(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(file.readAll()).object();
}

class ViewerWindowTest : public ::testing::Test {
 protected:
  void open(const std::vector<std::string>& args, bool remember = false) {
    window_ = std::make_unique<ViewerWindow>(test::test_launch(args, remember), one_speaker());
    window_->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window_.get()));
  }
  void SetUp() override { open({"--audio-out", "none"}); }

  template <typename Widget>
  Widget& child(const char* name) {
    auto* widget = window_->findChild<Widget*>(name);
    if (widget == nullptr) throw std::runtime_error(std::string("no widget ") + name);
    return *widget;
  }
  QString step_label() { return child<QLabel>("stepLabel").text(); }
  QString state() { return window_->ui_state()["state"].toString(); }

  std::unique_ptr<ViewerWindow> window_;
};

TEST_F(ViewerWindowTest, ShowsEachStepInOrder) {
  ConnectFlow& flow = window_->flow();
  EXPECT_EQ(test::text(step_label()), "Paste a call code and press Connect.");
  EXPECT_EQ(test::text(child<QPushButton>("connectButton").text()), "Connect");

  flow.inject_progress(step(ViewerStep::kConnecting));
  EXPECT_EQ(state(), "connecting");
  EXPECT_EQ(test::text(step_label()), "Connecting to the sender…");
  EXPECT_EQ(test::text(child<QPushButton>("connectButton").text()), "Disconnect");
  EXPECT_FALSE(child<QLineEdit>("callCode").isEnabled());
  EXPECT_FALSE(child<QCheckBox>("sendBack").isEnabled());  // a connection option

  flow.inject_progress(step(ViewerStep::kVerifyingCertificate));
  EXPECT_EQ(state(), "verifying_certificate");
  EXPECT_EQ(test::text(step_label()), "Checking the sender's certificate against the call code…");

  app::ViewerProgress receiving = step(ViewerStep::kReceivingAgent);
  receiving.bytes_total = 200'000;
  flow.inject_progress(receiving);
  auto& bar = child<QProgressBar>("agentProgress");
  EXPECT_EQ(state(), "receiving_agent");
  EXPECT_EQ(test::text(step_label()), "Receiving the sender's agent…");
  EXPECT_TRUE(bar.isVisible());
  EXPECT_EQ(bar.maximum(), 200'000);
  EXPECT_EQ(bar.value(), 0);
  EXPECT_EQ(test::text(bar.text()), "0 bytes of 195.3 KiB");
  receiving.bytes_done = 150'000;
  flow.inject_progress(receiving);
  EXPECT_EQ(bar.value(), 150'000);
  EXPECT_EQ(test::text(bar.text()), "146.5 KiB of 195.3 KiB");

  app::ViewerProgress verifying = step(ViewerStep::kVerifyingAgent);
  verifying.signer = "01234 56789 01234 56789";
  flow.inject_progress(verifying);
  EXPECT_EQ(state(), "verifying_agent");
  EXPECT_EQ(test::text(step_label()), "Verifying the agent's signature…");
  EXPECT_FALSE(bar.isVisible());
  EXPECT_TRUE(child<QLabel>("signerLabel").isVisible());
  EXPECT_EQ(test::text(child<QLabel>("signerLabel").text()),
            "Agent signed by 01234 56789 01234 56789");

  app::ViewerProgress loading = step(ViewerStep::kLoadingAgent);
  loading.agent_kind = "full";
  flow.inject_progress(loading);
  EXPECT_EQ(state(), "loading_agent");
  EXPECT_EQ(test::text(step_label()), "Loading the agent…");
  EXPECT_TRUE(child<QLabel>("signerLabel").text().contains("01234 56789"));  // still shown
  EXPECT_FALSE(child<QLabel>("sendBackReason").isVisible());

  flow.inject_progress(step(ViewerStep::kWaitingForFirstFrame));
  EXPECT_EQ(state(), "waiting_for_first_frame");
  EXPECT_EQ(test::text(step_label()), "Waiting for the first picture…");

  flow.inject_progress(step(ViewerStep::kPlaying));
  EXPECT_EQ(state(), "playing");
  EXPECT_EQ(test::text(step_label()), "Playing");
  // The first picture is reported from the video thread and may overtake: no step back.
  flow.inject_progress(step(ViewerStep::kWaitingForFirstFrame));
  EXPECT_EQ(state(), "playing");

  QTest::mouseClick(&child<QPushButton>("connectButton"), Qt::LeftButton);
  EXPECT_EQ(state(), "idle");
  EXPECT_EQ(test::text(step_label()), "Paste a call code and press Connect.");
  EXPECT_EQ(test::text(child<QPushButton>("connectButton").text()), "Connect");
  EXPECT_TRUE(child<QLineEdit>("callCode").isEnabled());
  EXPECT_TRUE(child<QCheckBox>("sendBack").isEnabled());
  EXPECT_FALSE(child<QLabel>("signerLabel").isVisible());
}

TEST_F(ViewerWindowTest, SaysWhenTheAgentComesFromTheCache) {
  window_->flow().inject_progress(step(ViewerStep::kConnecting));
  app::ViewerProgress verifying = step(ViewerStep::kVerifyingAgent);
  verifying.from_cache = true;
  verifying.signer = "11111 22222";
  window_->flow().inject_progress(verifying);
  EXPECT_EQ(test::text(step_label()),
            "Verifying the signature of the agent kept from an earlier call…");
  window_->flow().inject_progress(step(ViewerStep::kPlaying));
  EXPECT_TRUE(window_->flow().progress().from_cache);
}

TEST_F(ViewerWindowTest, PlayingWhileSendingBackSaysSo) {
  window_->flow().inject_progress(step(ViewerStep::kConnecting));
  app::ViewerProgress playing = step(ViewerStep::kPlaying);
  playing.sending_back = true;
  window_->flow().inject_progress(playing);
  EXPECT_EQ(test::text(step_label()), "Playing · your camera and microphone go to the sender");
}

TEST_F(ViewerWindowTest, ReceiveOnlyAgentGreysOutSendingBack) {
  auto& send_back = child<QCheckBox>("sendBack");
  send_back.setChecked(true);
  window_->flow().inject_progress(step(ViewerStep::kConnecting));
  app::ViewerProgress loading = step(ViewerStep::kLoadingAgent);
  loading.agent_kind = "receive-only";
  window_->flow().inject_progress(loading);
  const QString reason = "This is a broadcast: its receive-only agent cannot send";
  EXPECT_FALSE(send_back.isEnabled());
  EXPECT_EQ(test::text(send_back.toolTip()), test::text(reason));
  EXPECT_TRUE(child<QLabel>("sendBackReason").isVisible());
  EXPECT_EQ(test::text(child<QLabel>("sendBackReason").text()), test::text(reason));

  window_->disconnect_from_sender();
  EXPECT_TRUE(send_back.isEnabled());
  EXPECT_FALSE(child<QLabel>("sendBackReason").isVisible());
}

TEST_F(ViewerWindowTest, EachFailureShowsWhatWentWrongAndWhatToDo) {
  for (int k = 0; k <= static_cast<int>(FailureKind::kInternal); ++k) {
    const auto kind = static_cast<FailureKind>(k);
    SCOPED_TRACE(k);
    window_->flow().inject_progress(step(ViewerStep::kConnecting));
    const Failure failure{kind, "technical text " + std::to_string(k)};
    window_->flow().inject_failure(failure);
    QMessageBox* dialog = window_->failure_dialog();
    ASSERT_NE(dialog, nullptr);
    const gui::FailureText text = failure_text(failure);
    EXPECT_TRUE(dialog->isVisible());
    EXPECT_EQ(test::text(dialog->windowTitle()), test::text(text.title));
    EXPECT_EQ(test::text(dialog->text()), test::text(text.message));
    EXPECT_EQ(test::text(dialog->informativeText()), test::text(text.advice));
    EXPECT_EQ(dialog->detailedText().toStdString(), failure.detail);
    EXPECT_FALSE(text.title.isEmpty());
    EXPECT_FALSE(text.message.isEmpty());
    EXPECT_FALSE(text.advice.isEmpty());
    if (kind == FailureKind::kSessionEnded) {
      EXPECT_EQ(state(), "ended");
      EXPECT_EQ(test::text(step_label()), "The call has ended.");
    } else {
      EXPECT_EQ(state(), "failed");
      EXPECT_EQ(test::text(step_label()), test::text(text.title));
    }
    EXPECT_EQ(test::text(child<QPushButton>("connectButton").text()), "Connect");
    dialog->close();
    EXPECT_TRUE(wait_until([&] { return window_->failure_dialog() == nullptr; }));
  }
}

TEST_F(ViewerWindowTest, SignatureFailureInPlainWords) {
  window_->flow().inject_failure({FailureKind::kAgentSignature, "ed25519: verify failed"});
  QMessageBox* dialog = window_->failure_dialog();
  ASSERT_NE(dialog, nullptr);
  EXPECT_TRUE(dialog->text().contains(
      "the agent's signature does not match the sender in the call code", Qt::CaseInsensitive));
  EXPECT_EQ(test::text(dialog->detailedText()), "ed25519: verify failed");
}

TEST_F(ViewerWindowTest, SoundOutputChangedDuringASessionAppliesLater) {
  auto& picker = child<QComboBox>("audioOutputPicker");
  EXPECT_EQ(test::text(picker.currentData().toString()), "none");  // from --audio-out
  QStringList offered;
  for (int i = 0; i < picker.count(); ++i)
    offered << picker.itemData(i).toString();
  EXPECT_EQ(offered, QStringList({"default", "none", "device:4"}));  // no input devices

  window_->flow().inject_progress(step(ViewerStep::kPlaying));
  picker.setCurrentIndex(0);
  emit picker.activated(0);
  EXPECT_TRUE(child<QLabel>("audioNote").isVisible());
  EXPECT_TRUE(child<QLabel>("audioNote").text().contains("next connection"));
  window_->disconnect_from_sender();
  EXPECT_FALSE(child<QLabel>("audioNote").isVisible());
}

TEST_F(ViewerWindowTest, OverlayFollowsItsKeysAndMenu) {
  window_->activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(window_.get()));
  child<QPushButton>("connectButton").setFocus();  // typing S in the call code is text
  gui::StatsOverlay& overlay = window_->overlay();
  EXPECT_FALSE(overlay.isVisible());
  QTest::keyClick(window_.get(), Qt::Key_S);
  EXPECT_TRUE(overlay.isVisible());
  EXPECT_EQ(overlay.lines().size(), 6);
  QTest::keyClick(window_.get(), Qt::Key_I, Qt::ControlModifier);
  EXPECT_FALSE(overlay.isVisible());
  QAction* action = nullptr;
  for (QAction* candidate : window_->actions()) {
    if (candidate->text() == "&Statistics overlay") action = candidate;
  }
  ASSERT_NE(action, nullptr);
  action->trigger();
  EXPECT_TRUE(overlay.isVisible());
  // Over the video's top-left corner.
  EXPECT_EQ(overlay.parentWidget(), &window_->video());
  EXPECT_LT(overlay.x(), 20);
  EXPECT_LT(overlay.y(), 20);
}

TEST_F(ViewerWindowTest, FullScreenByKeyAndDoubleClick) {
  window_->activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(window_.get()));
  child<QPushButton>("connectButton").setFocus();
  QTest::keyClick(window_.get(), Qt::Key_F11);
  EXPECT_TRUE(window_->isFullScreen());
  EXPECT_FALSE(window_->menuBar()->isVisible());
  EXPECT_FALSE(child<QLabel>("stepLabel").isVisible());
  EXPECT_TRUE(window_->video().isVisible());
  QTest::keyClick(window_.get(), Qt::Key_Escape);
  EXPECT_FALSE(window_->isFullScreen());
  EXPECT_TRUE(window_->menuBar()->isVisible());
  EXPECT_TRUE(child<QLabel>("stepLabel").isVisible());

  QTest::mouseDClick(&window_->video(), Qt::LeftButton);
  EXPECT_TRUE(window_->isFullScreen());
  QTest::mouseDClick(&window_->video(), Qt::LeftButton);
  EXPECT_FALSE(window_->isFullScreen());

  open({"--audio-out", "none", "--fullscreen"});
  window_->start();
  EXPECT_TRUE(window_->isFullScreen());
}

TEST_F(ViewerWindowTest, StatsFileCarriesTheWindowsState) {
  QTemporaryDir dir;
  const QString path = dir.filePath("stats.json");
  open({"--audio-out", "none", "--stats-json", path.toStdString(), "--stats-overlay"});
  window_->flow().inject_progress(step(ViewerStep::kConnecting));
  window_->flow().inject_progress(step(ViewerStep::kPlaying));
  // A 16:9 picture in the window: its place on screen is what a screenshot test needs.
  window_->video().present(
      media::VideoFrame(cv::Mat(180, 320, CV_8UC3, cv::Scalar(0, 0, 255)), 0, 0));
  ASSERT_TRUE(wait_until([&] { return window_->video().frames_painted() > 0; }));
  ASSERT_TRUE(wait_until([&] { return read_json(path).contains("ui"); }));
  const QJsonObject ui = read_json(path)["ui"].toObject();
  EXPECT_EQ(test::text(ui["state"].toString()), "playing");
  EXPECT_TRUE(ui["overlay_visible"].toBool());
  EXPECT_GE(ui["frames_painted"].toInt(), 1);

  const QRect picture = window_->video().picture_rect();
  const QPoint corner = window_->video().mapToGlobal(picture.topLeft());
  const QJsonArray video = ui["video_rect"].toArray();
  ASSERT_EQ(video.size(), 4);
  EXPECT_EQ(video[0].toInt(), corner.x());
  EXPECT_EQ(video[1].toInt(), corner.y());
  EXPECT_EQ(video[2].toInt(), picture.width());
  EXPECT_EQ(video[3].toInt(), picture.height());
  EXPECT_NEAR(video[2].toDouble() / video[3].toDouble(), 16.0 / 9.0, 0.02);

  const QJsonArray overlay = ui["overlay_rect"].toArray();
  ASSERT_EQ(overlay.size(), 4);
  const QRect overlay_rect(overlay[0].toInt(), overlay[1].toInt(), overlay[2].toInt(),
                           overlay[3].toInt());
  const QRect video_rect(corner, picture.size());
  EXPECT_TRUE(video_rect.contains(overlay_rect.topLeft())) << "over the picture's corner";
  EXPECT_LT(overlay_rect.left() - video_rect.left(), 20);
  EXPECT_LT(overlay_rect.top() - video_rect.top(), 20);
}

TEST_F(ViewerWindowTest, ScriptedFailureExitsWithItsCodeAndNoDialog) {
  QTemporaryDir dir;
  const QString path = dir.filePath("stats.json");
  open({"--audio-out", "none", "--duration", "60", "--stats-json", path.toStdString()});
  std::vector<int> codes;
  QObject::connect(window_.get(), &ViewerWindow::finished,
                   [&](int code) { codes.push_back(code); });
  window_->flow().inject_progress(step(ViewerStep::kConnecting));
  window_->flow().inject_failure({FailureKind::kFingerprintMismatch, "fingerprint"});
  EXPECT_EQ(codes, std::vector<int>{app::kExitRefused});
  EXPECT_EQ(window_->failure_dialog(), nullptr);
  EXPECT_EQ(test::text(read_json(path)["ui"].toObject()["state"].toString()), "failed");
}

TEST_F(ViewerWindowTest, ScriptedBadCallCodeExitsWithTheUsageCode) {
  open({"agentcast://sender:7000/", "--audio-out", "none", "--duration", "60"});
  std::vector<int> codes;
  QObject::connect(window_.get(), &ViewerWindow::finished,
                   [&](int code) { codes.push_back(code); });
  window_->start();
  EXPECT_EQ(codes, std::vector<int>{app::kExitUsage});
  EXPECT_EQ(window_->failure_dialog(), nullptr);
}

TEST_F(ViewerWindowTest, InteractiveBadCallCodeShowsTheDialog) {
  child<QLineEdit>("callCode").setText("agentcast://sender:7000/");
  QTest::mouseClick(&child<QPushButton>("connectButton"), Qt::LeftButton);
  ASSERT_NE(window_->failure_dialog(), nullptr);
  EXPECT_EQ(test::text(window_->failure_dialog()->windowTitle()), "Not a valid call code");
  EXPECT_EQ(state(), "failed");
}

TEST_F(ViewerWindowTest, DurationEndsTheRunWithZero) {
  QTemporaryDir dir;
  const QString path = dir.filePath("stats.json");
  open({"--audio-out", "none", "--duration", "1", "--stats-json", path.toStdString()});
  std::vector<int> codes;
  QObject::connect(window_.get(), &ViewerWindow::finished,
                   [&](int code) { codes.push_back(code); });
  window_->start();
  ASSERT_TRUE(wait_until([&] { return !codes.empty(); }, std::chrono::seconds(5)));
  EXPECT_EQ(codes, std::vector<int>{app::kExitOk});
  EXPECT_EQ(test::text(read_json(path)["ui"].toObject()["state"].toString()), "idle");
}

TEST_F(ViewerWindowTest, RemembersTheUsersChoices) {
  test::forget_settings();
  open({}, /*remember=*/true);
  child<QSlider>("volume").setValue(40);
  child<QCheckBox>("mute").setChecked(true);
  child<QCheckBox>("sendBack").setChecked(true);
  window_->set_overlay_visible(true);
  auto& picker = child<QComboBox>("audioOutputPicker");
  picker.setCurrentIndex(picker.findData("device:4"));
  emit picker.activated(picker.currentIndex());
  child<QLineEdit>("callCode").setText("agentcast://sender:7000/");
  window_->connect_to_sender();  // remembered even when it fails
  window_->close();

  open({}, /*remember=*/true);
  EXPECT_EQ(child<QSlider>("volume").value(), 40);
  EXPECT_TRUE(child<QCheckBox>("mute").isChecked());
  EXPECT_TRUE(child<QCheckBox>("sendBack").isChecked());
  EXPECT_TRUE(window_->overlay().isVisible());
  EXPECT_EQ(test::text(child<QComboBox>("audioOutputPicker").currentData().toString()), "device:4");
  EXPECT_EQ(test::text(child<QLineEdit>("callCode").text()), "agentcast://sender:7000/");

  // The command line wins for its run.
  open({"--audio-out", "none"}, /*remember=*/true);
  EXPECT_EQ(test::text(child<QComboBox>("audioOutputPicker").currentData().toString()), "none");
  test::forget_settings();
}

}  // namespace
}  // namespace agentcast::viewer_ui
