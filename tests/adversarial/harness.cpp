#include "adversarial/harness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace agentcast::test::adversarial {

std::string agentcast_binary() {
  if (const char* other = std::getenv("AGENTCAST_ADVERSARIAL_BINARY");
      other != nullptr && *other != '\0') {
    return other;
  }
  return AGENTCAST_BINARY;
}

QJsonObject read_json(const std::string& path) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(read_file(path))).object();
}

double number(const QJsonObject& object, const char* name) {
  const QJsonValue value = object[QString::fromUtf8(name)];
  return value.isDouble() ? value.toDouble() : -1;
}

double number(const QJsonObject& object, const char* group, const char* name) {
  const QJsonValue inner = object[QString::fromUtf8(group)];
  return inner.isObject() ? number(inner.toObject(), name) : -1;
}

Invitation Invitation::parse(const std::string& text) {
  return Invitation{text, net::CallCode::parse(text)};
}

net::Endpoint Invitation::sender() const {
  return net::Endpoint::resolve(code.host, code.port);
}

Invitation Invitation::via_port(std::uint16_t port) const {
  net::CallCode other = code;
  other.port = port;
  return Invitation{other.to_string(), other};
}

std::vector<SessionEnd> session_ends(const std::string& sender_stderr) {
  // "viewer 3 left: it stopped reading [stopped_reading]", or today's "viewer 3 left".
  static const std::regex line_pattern(R"(^viewer (\d+) left(?:: (.*?))?(?: \[([a-z_]+)\])?$)");
  std::vector<SessionEnd> ends;
  std::istringstream lines(sender_stderr);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, line_pattern)) continue;
    ends.push_back({std::stoi(match[1].str()), match[2].str(), match[3].str(), line});
  }
  return ends;
}

std::vector<SessionEnd> session_ends_of(const std::string& sender_stderr, const std::string& name) {
  const auto slot = joined_slot(sender_stderr, name);
  if (!slot) return {};
  const auto joined = sender_stderr.find(" joined: " + name + " (");
  std::vector<SessionEnd> ends = session_ends(sender_stderr.substr(joined));
  std::erase_if(ends, [&](const SessionEnd& e) { return e.slot != *slot; });
  return ends;
}

std::optional<int> joined_slot(const std::string& sender_stderr, const std::string& name) {
  const auto at = sender_stderr.find(" joined: " + name + " (");
  if (at == std::string::npos) return std::nullopt;
  const auto line = sender_stderr.rfind("viewer ", at);
  if (line == std::string::npos) return std::nullopt;
  return std::stoi(sender_stderr.substr(line + 7));
}

std::optional<QJsonObject> ended_session(const QJsonObject& sender_stats, const std::string& name) {
  const QJsonArray ended = sender_stats[key::kSessionsEnded].toArray();
  for (const auto& entry : ended) {
    const QJsonObject e = entry.toObject();
    if (e["name"].toString().toStdString() == name) return e;
  }
  return std::nullopt;
}

double count_in(const QJsonObject& sender_stats, const char* group, const std::string& name) {
  const QJsonValue inner = sender_stats[QString::fromUtf8(group)];
  if (!inner.isObject()) return -1;
  const QJsonValue value = inner.toObject()[QString::fromStdString(name)];
  return value.isDouble() ? value.toDouble() : 0;
}

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

RssSampler::RssSampler(pid_t pid) : pid_(pid), baseline_(rss_kib(pid)), peak_(baseline_) {
  thread_ = std::jthread([this](std::stop_token stop) {
    // Bounded: a test never lasts an hour.
    for (int i = 0; i < 36'000 && !stop.stop_requested(); ++i) {
      const long now = rss_kib(pid_);
      long seen = peak_.load();
      while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(100ms);
    }
  });
}

RssSampler::~RssSampler() {
  thread_.request_stop();
}

ViewerProcess::ViewerProcess(const std::string& dir, const std::string& name,
                             const Invitation& invitation, const ViewerOptions& options)
    : name_(name),
      stats_path_(dir + "/" + name + ".json"),
      err_path_(dir + "/" + name + ".err"),
      started_(Clock::now()) {
  const std::string cache =
      options.cache_dir.empty() ? dir + "/" + name + "-agents" : options.cache_dir;
  std::vector<std::string> args = {agentcast_binary(), "view",
                                   invitation.text,    "--headless",
                                   "--audio-out",      "none",
                                   "--name",           name,
                                   "--agent-cache",    cache,
                                   "--stats-json",     stats_path_,
                                   "--duration",       std::to_string(options.duration_s)};
  args.insert(args.end(), options.extra.begin(), options.extra.end());
  process_ = std::make_unique<ChildProcess>(args, dir + "/" + name + ".out", err_path_);
}

bool ViewerProcess::wait_playing(std::chrono::milliseconds timeout) const {
  return wait_until([&] { return number(stats(), "frames_decoded") > 0; }, timeout);
}

int ViewerProcess::finish(std::chrono::milliseconds timeout) {
  if (exit_) return *exit_;
  // The sender's bye ends a viewer by itself; one that lingers is told to stop.
  if (auto code = process_->wait_for(3s)) {
    exit_ = code;
    return *exit_;
  }
  process_->signal(SIGINT);
  exit_ = process_->wait_for(timeout).value_or(-1);
  return *exit_;
}

Stage::Stage(const std::string& name)
    : dir_((std::filesystem::path(AGENTCAST_TEST_OUTPUT_DIR) / ("adv-" + name)).string()) {
#ifdef AGENTCAST_TEST_SANITIZED
  // AddressSanitizer keeps freed memory in a quarantine (256 MB by default) that fills as
  // a process runs: the processes this stage starts get a small one, so that their RSS
  // says what they hold.
  const char* given = std::getenv("ASAN_OPTIONS");
  std::string options = given != nullptr ? given : "";
  if (options.find("quarantine_size_mb") == std::string::npos) {
    options += std::string(options.empty() ? "" : ":") +
               "quarantine_size_mb=" + std::to_string(kSanitizerQuarantineMb);
    ::setenv("ASAN_OPTIONS", options.c_str(), 1);
  }
#endif
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
}

Stage::~Stage() {
  if (sender_ && sender_exit_ == -1) {
    sender_->signal(SIGINT);
    sender_->wait_for(10s);
  }
  if (host_input_ >= 0) ::close(host_input_);
}

void Stage::take_host_input() {
  const std::string fifo = dir_ + "/host-input";
  ::unlink(fifo.c_str());
  if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("cannot make " + fifo);
  // Read and write: opening never waits for the other end, and the sender's reads see no
  // end of input while the test holds it.
  host_input_ = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (host_input_ < 0) throw std::runtime_error("cannot open " + fifo);
}

void Stage::tell_sender(const std::string& line) {
  if (host_input_ < 0) throw std::runtime_error("the sender's input was not taken");
  const std::string text = line + "\n";
  if (::write(host_input_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw std::runtime_error("cannot write to the sender's input");
  }
}

void Stage::start_sender(const std::vector<std::string>& extra, int max_viewers) {
  std::vector<std::string> args = {agentcast_binary(),
                                   "send",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--video",
                                   "test",
                                   "--size",
                                   kSize,
                                   "--fps",
                                   std::to_string(kFps),
                                   "--audio",
                                   "tone",
                                   "--max-viewers",
                                   std::to_string(max_viewers),
                                   "--duration",
                                   "280",
                                   "--identity",
                                   dir_ + "/identity.pem",
                                   "--stats-json",
                                   dir_ + "/sender.json",
                                   "--call-code-file",
                                   dir_ + "/code.txt",
                                   "--agent-cache",
                                   dir_ + "/sender-agents"};
  args.insert(args.end(), extra.begin(), extra.end());
  if (host_input_ >= 0) {
    // The process's standard input is /dev/null; a shell that execs the sender puts the
    // test's pipe there instead (the pid stays the same).
    args.insert(args.begin(), {"/bin/sh", "-c", "exec \"$0\" \"$@\" < '" + dir_ + "/host-input'"});
  }
  sender_ = std::make_unique<ChildProcess>(args, dir_ + "/sender.out", dir_ + "/sender.err");
  const std::string code_file = dir_ + "/code.txt";
  if (!wait_until([&] { return read_file(code_file).find('\n') != std::string::npos; }, 30s)) {
    throw std::runtime_error("the sender printed no call code: " + sender_err());
  }
  std::string text = read_file(code_file);
  text.pop_back();
  invitation_ = Invitation::parse(text);
  // Its statistics file exists from its first second on.
  wait_until([&] { return !sender_stats().isEmpty(); }, 10s);
}

std::vector<Invitation> Stage::invites() const {
  std::vector<Invitation> invites;
  std::istringstream out(read_file(dir_ + "/sender.out"));
  constexpr std::string_view kPrefix = "invite: ";
  for (std::string line; std::getline(out, line);) {
    if (line.starts_with(kPrefix))
      invites.push_back(Invitation::parse(line.substr(kPrefix.size())));
  }
  return invites;
}

ViewerProcess& Stage::start_viewer(const std::string& name, const ViewerOptions& options) {
  viewers_.push_back(std::make_unique<ViewerProcess>(
      dir_, name, options.invitation ? *options.invitation : *invitation_, options));
  return *viewers_.back();
}

std::optional<int> Stage::wait_joined(const std::string& name,
                                      std::chrono::milliseconds timeout) const {
  std::optional<int> slot;
  wait_until(
      [&] {
        slot = joined_slot(sender_err(), name);
        return slot.has_value();
      },
      timeout);
  return slot;
}

std::optional<SessionEnd> Stage::wait_session_end(const std::string& name,
                                                  std::chrono::milliseconds timeout) const {
  std::optional<SessionEnd> end;
  wait_until(
      [&] {
        const auto ends = session_ends_of(sender_err(), name);
        if (!ends.empty()) end = ends.front();
        return end.has_value();
      },
      timeout);
  return end;
}

void Stage::finish() {
  if (!sender_ || sender_exit_ != -1) return;
  sender_->signal(SIGINT);
  sender_exit_ = sender_->wait_for(40s).value_or(-1);
  for (auto& viewer : viewers_)
    viewer->finish(20s);
  final_stats_ = sender_stats();
  final_err_ = sender_err();
}

double seconds_since(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

}  // namespace agentcast::test::adversarial
