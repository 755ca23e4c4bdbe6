#pragma once
// What the sender app starts with: the choices remembered from the last run (QSettings),
// overridden by whatever flags of `agentcast send` the command line gives. The remembered
// choices are kept as those same flags, so that one parser (app::parse_send_command) reads
// both and a flag on the command line simply comes later and wins.

#include <string>
#include <vector>

#include "agentcast/call/sender.h"
#include "command_line.h"

class QSettings;

namespace agentcast::sender_app {

struct SenderLaunch {
  app::SendCommand command;
  bool start_now = false;  // --start
  // Started by a script (--start and --duration): failures end the process with the
  // command line's exit code instead of waiting on a dialog.
  bool scripted() const { return start_now && command.duration_s > 0; }
};

// Stores the choices the form shows (sources, size, rate, mode, ...).
void remember_choices(QSettings& settings, const app::SenderOptions& options);
// Those choices as command line flags, in the order they were stored.
std::vector<std::string> remembered_flags(const QSettings& settings);

// Throws std::invalid_argument for a bad command line. Remembered choices that no longer
// parse (an older version's, edited by hand) are dropped rather than blocking the app.
SenderLaunch read_launch(const std::vector<std::string>& args, const QSettings& settings);

}  // namespace agentcast::sender_app
