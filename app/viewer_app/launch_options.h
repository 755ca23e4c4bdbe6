#pragma once
// The viewer app's command line: `agentcast-viewer [CALLCODE] [every flag of agentcast
// view] [--stats-overlay] [--fullscreen]`. A call code given means "connect at once"; the
// flags configure every connection made in this run. Qt's own options (-geometry, ...)
// are taken by QApplication before this sees the arguments.

#include <string>
#include <vector>

#include "command_line.h"

namespace agentcast::viewer_ui {

struct Launch {
  app::ViewCommand command;  // command.viewer.call_code is empty when none was given
  bool stats_overlay = false;
  bool fullscreen = false;
  // What the command line chose overrides what the app remembered, for this run.
  bool audio_out_given = false;
  bool send_back_given = false;
  // Start as the user left the app, and remember their changes. Not in a script's run
  // (--duration): it neither depends on nor changes a person's choices.
  bool use_settings = true;
  bool restore_geometry = true;  // false when Qt's -geometry placed the window

  bool connect_at_once() const { return !command.viewer.call_code.empty(); }
  // A script is waiting: failures end the process with the command line's exit code
  // instead of a dialog that nobody would close.
  bool scripted() const { return command.duration_s > 0; }
};

// Throws std::invalid_argument naming the flag for anything unknown or malformed.
Launch parse_launch(const std::vector<std::string>& args);

// What "Send my camera and microphone" sends when the command line did not say: the
// camera and microphone, or the test pattern and tone where they are missing.
app::OutgoingMediaOptions default_send_back();

}  // namespace agentcast::viewer_ui
