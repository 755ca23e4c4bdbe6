#include "gui/gui_apps.h"

#include <stdexcept>

#include "gui/stats_file.h"

namespace agentcast::test {
namespace {

using namespace std::chrono_literals;

// Long enough for any test; the test ends them sooner.
constexpr const char* kDurationSeconds = "240";

}  // namespace

GuiApp::GuiApp(const std::string& dir, const std::string& name, std::vector<std::string> argv)
    : stats_path_(dir + "/" + name + ".json"),
      err_path_(dir + "/" + name + ".err"),
      process_(argv, dir + "/" + name + ".out", err_path_) {}

QJsonObject GuiApp::stats() const {
  return read_stats(stats_path_);
}

std::string GuiApp::log() const {
  return read_file(err_path_);
}

StartedSender start_sender_app(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {AGENTCAST_SENDER_APP, "--start",
                                   "--listen",           "127.0.0.1:0",
                                   "--duration",         kDurationSeconds,
                                   "--identity",         dir + "/identity.pem",
                                   "--call-code-file",   dir + "/code.txt",
                                   "--stats-json",       dir + "/sender.json",
                                   "--agent-dir",        AGENTCAST_TEST_AGENT_DIR,
                                   "--agent-cache",      dir + "/sender-agents"};
  argv.insert(argv.end(), args.begin(), args.end());
  StartedSender started{std::make_unique<GuiApp>(dir, "sender", argv), ""};
  const auto has_code = [&] {
    return read_file(dir + "/code.txt").find('\n') != std::string::npos;
  };
  if (!wait_until(has_code, 30s)) {
    throw std::runtime_error("agentcast-sender wrote no call code to " + dir +
                             "/code.txt within 30 s: " + started.app->log());
  }
  started.call_code = read_file(dir + "/code.txt");
  started.call_code.pop_back();
  return started;
}

std::unique_ptr<GuiApp> start_viewer_app(const std::string& dir, const std::string& call_code,
                                         const std::vector<std::string>& args) {
  std::vector<std::string> argv = {
      AGENTCAST_VIEWER_APP, call_code,     "--duration", kDurationSeconds, "--stats-json",
      dir + "/viewer.json", "--audio-out", "none",       "--agent-cache",  dir + "/viewer-agents"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<GuiApp>(dir, "viewer", argv);
}

}  // namespace agentcast::test
