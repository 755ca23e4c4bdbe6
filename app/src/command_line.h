#pragma once
// The flags of `agentcast send` and `agentcast view` (DESIGN.md, "Command line contract"),
// read into options once for every front end: the command line tool and the sender and
// viewer apps, which take the same flags so that a script can start them configured.

#include <set>
#include <string>
#include <vector>

#include "agentcast/call/sender.h"
#include "agentcast/call/viewer.h"
#include "options.h"

namespace agentcast::app {

struct SendCommand {
  SenderOptions sender;
  std::string call_code_file;  // --call-code-file: written once the sender listens
  int invites = 0;             // --invites N: single-use codes printed after the call code
  std::string stats_json;      // --stats-json: refreshed every second and at the end
  double duration_s = 0;       // --duration: 0 runs until stopped
  Options flags;               // everything given, for a front end's own extra flags
};

struct ViewCommand {
  ViewerOptions viewer;  // viewer.call_code is empty when none was given
  std::string stats_json;
  double duration_s = 0;
  bool headless = false;
  Options flags;
};

// Throw std::invalid_argument naming the flag for anything unknown or malformed.
// `extra_valued` and `extra_flags` are a front end's own options, accepted besides the
// command's (the apps' --start, --stats-overlay, ...).
SendCommand parse_send_command(const std::vector<std::string>& args,
                               const std::set<std::string>& extra_valued = {},
                               const std::set<std::string>& extra_flags = {});
// The call code is the first argument; with `call_code_optional` (the viewer app, where
// it can be pasted later) the arguments may start with a flag instead.
ViewCommand parse_view_command(const std::vector<std::string>& args,
                               bool call_code_optional = false,
                               const std::set<std::string>& extra_valued = {},
                               const std::set<std::string>& extra_flags = {});

// Writes the call code and a newline to `path` for a script to pick up; throws
// std::runtime_error naming the path.
void write_call_code_file(const std::string& path, const std::string& call_code);

}  // namespace agentcast::app
