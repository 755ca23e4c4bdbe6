// The viewer window against a real sender on loopback, in this process: paste the call
// code, press Connect, and see what a user would — a playing picture with its statistics,
// or the dialog of what went wrong.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>

#include <QtCore/QElapsedTimer>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>

#include "agentcast/call/sender.h"
#include "sender_test_support.h"
#include "stats_overlay.h"
#include "video_widget.h"
#include "viewer_test_support.h"
#include "viewer_window.h"

namespace agentcast::viewer_ui {
namespace {

using namespace std::chrono_literals;
using test::wait_until;

// A sender of the test pattern and a tone, small, running on its own thread.
class LoopbackSender {
 public:
  LoopbackSender(const QTemporaryDir& dir, const std::string& agent) {
    app::SenderOptions options = sender_app::testing::quick_sender_options(dir);
    options.agent = agent;
    options.max_viewers = 2;
    sender_ = std::make_unique<app::Sender>(options);
    thread_ = std::jthread([this](std::stop_token stop) { sender_->run(stop); });
  }
  ~LoopbackSender() {
    thread_.request_stop();
    thread_.join();
  }
  std::string call_code() const { return sender_->call_code(); }
  std::string safety_number() const { return sender_->readable_fingerprint(); }

 private:
  std::unique_ptr<app::Sender> sender_;
  std::jthread thread_;
};

// A loopback TCP port that was free a moment ago and that nobody listens on now.
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

class ViewerLoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override { open({}); }
  void open(std::vector<std::string> args) {
    ASSERT_TRUE(dir_.isValid());
    if (std::find(args.begin(), args.end(), "--connect-timeout") == args.end()) {
      args.push_back("--connect-timeout");
      args.push_back("1");
    }
    for (std::string arg : {"--audio-out", "none", "--agent-cache"})
      args.push_back(arg);
    args.push_back(dir_.filePath("viewer-cache").toStdString());
    window_ = std::make_unique<ViewerWindow>(test::test_launch(args),
                                             std::vector<media::AudioDeviceInfo>{});
    window_->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window_.get()));
  }
  void TearDown() override {
    // Closing stops the session; waiting for Idle keeps the join in the destructor short.
    if (window_) {
      window_->close();
      wait_until([&] { return !in_session(window_->flow().state()); }, 10s);
    }
  }

  template <typename Widget>
  Widget& child(const char* name) {
    auto* widget = window_->findChild<Widget*>(name);
    if (widget == nullptr) throw std::runtime_error(std::string("no widget ") + name);
    return *widget;
  }
  // What a user does: paste the code and press Connect.
  void connect_with(const std::string& code) {
    auto& edit = child<QLineEdit>("callCode");
    edit.clear();
    edit.setText(QString::fromStdString(code));
    QTest::mouseClick(&child<QPushButton>("connectButton"), Qt::LeftButton);
  }
  bool playing() const {
    return window_->flow().state() == FlowState::kPlaying && window_->video().frames_painted() > 0;
  }
  bool failed() const { return window_->flow().state() == FlowState::kFailed; }

  QTemporaryDir dir_;
  std::unique_ptr<ViewerWindow> window_;
};

TEST_F(ViewerLoopbackTest, PlaysACallAndShowsItsStatistics) {
  LoopbackSender sender(dir_, "full");
  QStringList states;
  std::uint64_t agent_bytes = 0;
  QObject::connect(&window_->flow(), &ConnectFlow::state_changed,
                   [&](FlowState state) { states << state_name(state); });
  QObject::connect(&window_->flow(), &ConnectFlow::progressed, [&] {
    agent_bytes = std::max(agent_bytes, window_->flow().progress().bytes_done);
  });
  connect_with(sender.call_code());
  ASSERT_TRUE(wait_until([&] { return playing() || failed(); }, 20s))
      << window_->ui_state()["state"].toString().toStdString();
  ASSERT_TRUE(playing()) << (window_->failure_dialog()
                                 ? window_->failure_dialog()->detailedText().toStdString()
                                 : std::string("no dialog"));
  // Every step a user should see, in order (the agent cache was empty: it was sent).
  EXPECT_EQ(states, QStringList({"connecting", "verifying_certificate", "receiving_agent",
                                 "verifying_agent", "loading_agent", "waiting_for_first_frame",
                                 "playing"}));
  EXPECT_GT(agent_bytes, 10'000u);
  EXPECT_EQ(window_->flow().progress().bytes_done, window_->flow().progress().bytes_total);
  EXPECT_EQ(test::text(child<QLabel>("stepLabel").text()), "Playing");
  // The signer as the sender shows it, to compare aloud.
  EXPECT_EQ(child<QLabel>("signerLabel").text().toStdString(),
            "Agent signed by " + sender.safety_number());
  EXPECT_EQ(window_->flow().progress().agent_kind, "full");
  EXPECT_TRUE(child<QCheckBox>("sendBack").isVisible());
  EXPECT_FALSE(child<QLabel>("sendBackReason").isVisible());
  // The picture keeps its 16:9 shape in whatever the window gives it.
  const QRect picture = window_->video().picture_rect();
  EXPECT_NEAR(static_cast<double>(picture.width()) / picture.height(), 16.0 / 9.0, 0.02);

  window_->activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(window_.get()));
  child<QPushButton>("connectButton").setFocus();
  QTest::keyClick(window_.get(), Qt::Key_S);
  gui::StatsOverlay& overlay = window_->overlay();
  EXPECT_TRUE(overlay.isVisible());
  EXPECT_TRUE(overlay.lines().filter("agent").join("").contains("full"))
      << overlay.lines().join("\n").toStdString();
  // A second later the rates are known.
  ASSERT_TRUE(wait_until([&] { return overlay.lines().value(0).contains("bit/s"); }, 5s))
      << overlay.lines().join("\n").toStdString();

  QTest::mouseClick(&child<QPushButton>("connectButton"), Qt::LeftButton);
  ASSERT_TRUE(wait_until([&] { return window_->flow().state() == FlowState::kIdle; }, 10s));
  EXPECT_EQ(window_->failure_dialog(), nullptr);
}

TEST_F(ViewerLoopbackTest, TwoWayCallSendsTheCameraBack) {
  // The command line's --send-back ticks the box; its camera and microphone fall back to
  // the test pattern and tone on a machine without them.
  open({"--send-back", "--size", "320x180", "--fps", "15"});
  EXPECT_TRUE(child<QCheckBox>("sendBack").isChecked());
  LoopbackSender sender(dir_, "full");
  connect_with(sender.call_code());
  ASSERT_TRUE(wait_until([&] { return playing() || failed(); }, 20s));
  ASSERT_TRUE(playing()) << (window_->failure_dialog()
                                 ? window_->failure_dialog()->detailedText().toStdString()
                                 : std::string("no dialog"));
  EXPECT_TRUE(window_->flow().progress().sending_back);
  EXPECT_EQ(test::text(child<QLabel>("stepLabel").text()),
            "Playing · your camera and microphone go to the sender");
  EXPECT_FALSE(child<QCheckBox>("sendBack").isEnabled());  // fixed for the session
  EXPECT_FALSE(child<QLabel>("sendBackReason").isVisible());
  ASSERT_TRUE(wait_until(
      [&] {
        return window_->flow().stats_json()["send_back"].toObject()["packets_sent"].toInt() > 0;
      },
      10s));
}

TEST_F(ViewerLoopbackTest, ClosingDuringACallNeverWaitsOnIt) {
  LoopbackSender sender(dir_, "full");
  connect_with(sender.call_code());
  ASSERT_TRUE(wait_until([&] { return playing() || failed(); }, 20s));
  ASSERT_TRUE(playing());
  std::vector<int> codes;
  QObject::connect(window_.get(), &ViewerWindow::finished,
                   [&](int code) { codes.push_back(code); });
  QElapsedTimer clock;
  clock.start();
  window_->close();
  EXPECT_LT(clock.elapsed(), 100);
  EXPECT_FALSE(window_->isVisible());  // gone for the user at once
  EXPECT_TRUE(codes.empty());          // but the app does not end under the session
  // The session winds down on its own thread; then the run ends, with nothing left to join.
  ASSERT_TRUE(wait_until([&] { return !codes.empty(); }, 10s));
  EXPECT_EQ(codes, std::vector<int>{app::kExitOk});
  EXPECT_FALSE(window_->flow().busy());
  EXPECT_EQ(window_->flow().state(), FlowState::kIdle);
  EXPECT_EQ(window_->failure_dialog(), nullptr);
}

TEST_F(ViewerLoopbackTest, WrongFingerprintIsRefused) {
  LoopbackSender sender(dir_, "full");
  std::string code = sender.call_code();
  const auto fp = code.find("#fp=") + 4;
  code[fp] = code[fp] == '0' ? '1' : '0';
  connect_with(code);
  ASSERT_TRUE(wait_until([&] { return failed(); }, 20s));
  ASSERT_NE(window_->failure_dialog(), nullptr);
  EXPECT_EQ(window_->flow().failure()->kind, FailureKind::kFingerprintMismatch);
  EXPECT_EQ(test::text(window_->failure_dialog()->windowTitle()),
            "This is not the sender in the call code");
  EXPECT_FALSE(window_->failure_dialog()->detailedText().isEmpty());
}

TEST_F(ViewerLoopbackTest, NobodyListening) {
  const std::uint16_t port = closed_port();
  ASSERT_NE(port, 0);
  connect_with("agentcast://127.0.0.1:" + std::to_string(port) + "/#fp=" + std::string(64, 'a') +
               "&k=" + std::string(32, 'b'));
  ASSERT_TRUE(wait_until([&] { return failed(); }, 20s));
  ASSERT_NE(window_->failure_dialog(), nullptr);
  EXPECT_EQ(window_->flow().failure()->kind, FailureKind::kConnect);
  EXPECT_EQ(test::text(window_->failure_dialog()->windowTitle()), "Could not reach the sender");
}

// Giving up while the viewer still retries an absent sender is prompt: Disconnect does not
// wait out the connect timeout.
TEST_F(ViewerLoopbackTest, DisconnectWhileRetryingIsPrompt) {
  open({"--connect-timeout", "60"});
  const std::uint16_t port = closed_port();
  ASSERT_NE(port, 0);
  connect_with("agentcast://127.0.0.1:" + std::to_string(port) + "/#fp=" + std::string(64, 'a') +
               "&k=" + std::string(32, 'b'));
  ASSERT_EQ(window_->flow().state(), FlowState::kConnecting);
  QTest::mouseClick(&child<QPushButton>("connectButton"), Qt::LeftButton);  // now "Disconnect"
  // Far less than the 60 s of retries it was allowed.
  ASSERT_TRUE(wait_until([&] { return !in_session(window_->flow().state()); }, 10s));
  EXPECT_EQ(window_->failure_dialog(), nullptr) << "giving up is not a failure";
}

TEST_F(ViewerLoopbackTest, MalformedCallCode) {
  connect_with("agentcast://127.0.0.1/#fp=zz");
  ASSERT_TRUE(wait_until([&] { return failed(); }, 5s));
  ASSERT_NE(window_->failure_dialog(), nullptr);
  EXPECT_EQ(test::text(window_->failure_dialog()->windowTitle()), "Not a valid call code");
}

TEST_F(ViewerLoopbackTest, BroadcastWithSendBackCheckedPlaysAndSaysWhyNot) {
  LoopbackSender sender(dir_, "receive-only");
  child<QCheckBox>("sendBack").setChecked(true);
  connect_with(sender.call_code());
  ASSERT_TRUE(wait_until([&] { return playing() || failed(); }, 20s));
  ASSERT_TRUE(playing()) << (window_->failure_dialog()
                                 ? window_->failure_dialog()->detailedText().toStdString()
                                 : std::string("no dialog"));
  EXPECT_EQ(window_->flow().progress().agent_kind, "receive-only");
  const QString reason = "This is a broadcast: its receive-only agent cannot send";
  auto& send_back = child<QCheckBox>("sendBack");
  EXPECT_FALSE(send_back.isEnabled());
  EXPECT_TRUE(send_back.isChecked());  // the choice stays for the next call
  EXPECT_EQ(test::text(send_back.toolTip()), test::text(reason));
  EXPECT_TRUE(child<QLabel>("sendBackReason").isVisible());
  EXPECT_EQ(test::text(child<QLabel>("sendBackReason").text()), test::text(reason));
  EXPECT_FALSE(window_->flow().progress().sending_back);
}

}  // namespace
}  // namespace agentcast::viewer_ui
