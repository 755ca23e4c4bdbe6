#include "sender_script.h"

#include <cstdio>

#include <QtCore/QTimer>

#include "sender_window.h"
#include "stats_json.h"

namespace agentcast::sender_app {

SenderScript::SenderScript(SenderWindow& window, SenderLaunch launch, QObject* parent)
    : QObject(parent), window_(window), launch_(std::move(launch)) {
  window_.set_failure_dialogs(!launch_.scripted());
  SenderRunner* runner = window_.runner();
  connect(&window_, &SenderWindow::refreshed, this, &SenderScript::write_stats);
  connect(runner, &SenderRunner::started, this,
          [this](const QString& call_code, const QString&) { on_started(call_code); });
  connect(runner, &SenderRunner::stopped, this, [this] { on_ended(app::kExitOk); });
  connect(runner, &SenderRunner::failed, this, [this](const QString& message, int exit_code) {
    if (launch_.scripted()) {
      std::fprintf(stderr, "agentcast-sender: %s\n", message.toLocal8Bit().constData());
      quit_when_ended_ = true;
    }
    on_ended(exit_code);
  });
}

void SenderScript::begin() {
  if (launch_.start_now) window_.start();
  // A form problem (no file chosen, ...) never reaches the runner: a script hears of it here.
  if (launch_.scripted() && window_.state() != SenderRunner::State::kStarting) {
    std::fprintf(stderr, "agentcast-sender: %s\n",
                 window_.last_failure().toLocal8Bit().constData());
    QTimer::singleShot(0, this, [this] { emit finished(app::kExitUsage); });
  }
}

void SenderScript::on_started(const QString& call_code) {
  // As `agentcast send` does: the first line of standard output, for a script to read.
  std::printf("call code: %s\n", call_code.toLocal8Bit().constData());
  std::fflush(stdout);
  if (!launch_.command.call_code_file.empty()) {
    try {
      app::write_call_code_file(launch_.command.call_code_file, call_code.toStdString());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "agentcast-sender: %s\n", e.what());
    }
  }
  if (launch_.command.duration_s > 0 && !duration_armed_) {
    duration_armed_ = true;
    QTimer::singleShot(static_cast<int>(launch_.command.duration_s * 1000), this, [this] {
      quit_when_ended_ = true;
      window_.stop();
    });
  }
}

void SenderScript::on_ended(int exit_code) {
  write_stats(window_.stats_json());  // the last figures, as the command line writes them
  if (quit_when_ended_) emit finished(exit_code);
}

void SenderScript::write_stats(const QJsonObject& stats) {
  if (launch_.command.stats_json.empty()) return;
  try {
    app::write_stats_json(launch_.command.stats_json, stats);
  } catch (const std::exception& e) {
    // Once: a file that cannot be written every second would flood the terminal.
    if (!stats_error_reported_) std::fprintf(stderr, "agentcast-sender: %s\n", e.what());
    stats_error_reported_ = true;
  }
}

}  // namespace agentcast::sender_app
