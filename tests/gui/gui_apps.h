#pragma once
// agentcast-sender and agentcast-viewer started as a user would, on the virtual display:
// their windows placed with Qt's -geometry, their --stats-json read back while they run.

#include <QtCore/QJsonObject>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace agentcast::test {

class GuiApp {
 public:
  // `name` names its files in `dir` (NAME.json, NAME.out, NAME.err).
  GuiApp(const std::string& dir, const std::string& name, std::vector<std::string> argv);

  QJsonObject stats() const;
  bool running() { return !process_.wait_for(std::chrono::milliseconds(0)); }
  // What it said, for failure messages.
  std::string log() const;
  const std::string& stats_path() const { return stats_path_; }

 private:
  std::string stats_path_, err_path_;
  ChildProcess process_;
};

// `agentcast-sender --start` on loopback with a temporary identity and agent cache, the
// agents from the build tree, and `args` (media flags, -geometry). Waits for its call code.
struct StartedSender {
  std::unique_ptr<GuiApp> app;
  std::string call_code;
};
StartedSender start_sender_app(const std::string& dir, const std::vector<std::string>& args);

// `agentcast-viewer CALLCODE` with a temporary agent cache, no sound and `args`.
std::unique_ptr<GuiApp> start_viewer_app(const std::string& dir, const std::string& call_code,
                                         const std::vector<std::string>& args);

}  // namespace agentcast::test
