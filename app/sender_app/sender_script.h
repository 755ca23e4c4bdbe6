#pragma once
// What the command line asks of the app beyond filling the form, as `agentcast send`
// does it: --start, --call-code-file, --stats-json (with the window's "ui" object),
// --duration; and for a script (--start with --duration), failures end the process with
// the command line's exit code rather than opening a dialog nobody will click.

#include <QtCore/QObject>

#include "sender_launch.h"

namespace agentcast::sender_app {

class SenderWindow;

class SenderScript : public QObject {
  Q_OBJECT

 public:
  SenderScript(SenderWindow& window, SenderLaunch launch, QObject* parent = nullptr);

  // Starts sending now when --start was given.
  void begin();

 signals:
  // The app is done (--duration ran out, or a script's sender failed): exit with this.
  void finished(int exit_code);

 private:
  void write_stats(const QJsonObject& stats);
  void on_started(const QString& call_code);
  void on_ended(int exit_code);

  SenderWindow& window_;
  SenderLaunch launch_;
  bool duration_armed_ = false;
  bool quit_when_ended_ = false;
  bool stats_error_reported_ = false;
};

}  // namespace agentcast::sender_app
