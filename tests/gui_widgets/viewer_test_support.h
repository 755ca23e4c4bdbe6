#pragma once
// What the viewer app's widget tests share: bounded waiting that keeps the event loop
// running (queued progress, repaints), and a window made from command line flags.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>
#include <QtCore/QSettings>
#include <QtCore/QString>
#include <QtCore/QTimer>

#include "launch_options.h"

namespace agentcast::viewer_ui::test {

// Runs the event loop until `done` holds or `limit` has passed; returns `done()`. Wakes at
// least every 10 ms, and at once for each event, so it costs no fixed delay.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const QDeadlineTimer deadline(limit);
  QTimer wake;
  wake.start(10);
  while (!done()) {
    if (deadline.hasExpired()) return done();
    QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
  }
  return true;
}

// Lets everything already queued run (no waiting for anything new).
inline void settle() {
  for (int i = 0; i < 3; ++i)
    QCoreApplication::processEvents();
}

// A window's launch as the command line would make it. The user's remembered choices are
// neither read nor written unless `remember`.
inline Launch test_launch(const std::vector<std::string>& args, bool remember = false) {
  Launch launch = parse_launch(args);
  launch.use_settings = remember;
  launch.restore_geometry = false;
  return launch;
}

// QStrings compared as std::string, for GoogleTest's readable failure messages.
inline std::string text(const QString& qt) {
  return qt.toStdString();
}

inline void forget_settings() {
  QSettings("AgentCast", "agentcast-viewer").clear();
}

}  // namespace agentcast::viewer_ui::test
