#pragma once
// What the sender app's widget tests share: a sender configured to start fast and leave
// nothing behind (the test pattern at 320x180, 15 fps; its identity and agent cache in a
// temporary directory), and waits bounded by a deadline that keep the event loop running.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include "agentcast/call/sender.h"
#include "agentcast/call/viewer.h"

namespace agentcast::sender_app::testing {

inline app::SenderOptions quick_sender_options(const QTemporaryDir& dir) {
  app::SenderOptions options;
  options.listen = "127.0.0.1:0";
  options.media.video = "test";
  options.media.audio = "tone";
  options.media.width = 320;
  options.media.height = 180;
  options.media.fps = 15;
  options.media.bitrate_kbps = 300;
  options.agent_dir = AGENTCAST_TEST_AGENT_DIR;
  options.identity_path = dir.filePath(QStringLiteral("identity.pem")).toStdString();
  options.agent_cache = dir.filePath(QStringLiteral("sender-agents")).toStdString();
  return options;
}

// Processes events until `done` or the deadline; true if `done`.
inline bool wait_for(const std::function<bool()>& done, int timeout_ms = 15'000) {
  return QTest::qWaitFor(done, timeout_ms);
}

// An in-process viewer on a thread of its own, as another machine would run it. Stopping
// never blocks the UI thread for longer than the viewer takes to notice.
class ViewerThread {
 public:
  explicit ViewerThread(app::ViewerOptions options) {
    thread_ = std::jthread([this, options = std::move(options)](std::stop_token stop) {
      try {
        app::Viewer viewer(options);
        viewer.run(stop);
      } catch (const std::exception& e) {
        error_ = e.what();
      }
      done_ = true;
    });
  }
  ~ViewerThread() { stop(); }

  // Asks it to stop and waits, with the event loop running, until it has.
  void stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    EXPECT_TRUE(wait_for([this] { return done_.load(); })) << "the viewer did not stop";
    thread_.join();
  }
  bool done() const { return done_; }
  std::string error() const { return done_ ? error_ : std::string(); }

 private:
  std::atomic<bool> done_{false};
  std::string error_;  // written before done_
  std::jthread thread_;
};

inline app::ViewerOptions quick_viewer_options(const QString& call_code, const QTemporaryDir& dir) {
  app::ViewerOptions options;
  options.call_code = call_code.toStdString();
  options.audio_out = "none";
  options.agent_cache = dir.filePath(QStringLiteral("viewer-agents")).toStdString();
  options.name = "test viewer";
  return options;
}

}  // namespace agentcast::sender_app::testing
