#include "commands.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "agentcast/call/sender.h"
#include "agentcast/call/thread_name.h"
#include "agentcast/call/viewer.h"
#include "agentcast/media/audio_source.h"
#include "agentcast/media/video_source.h"
#include "agentcast/net/tls_channel.h"
#include "command_line.h"
#include "stats_json.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;

// Ends a run on SIGINT/SIGTERM, after --duration, or when the run ends by itself; refreshes
// the statistics file meanwhile. Signals are blocked in every thread and taken here with
// sigtimedwait, so no code runs in a signal handler.
class RunControl {
 public:
  RunControl(double duration_s, std::string stats_path, std::function<QJsonObject()> stats)
      : stats_path_(std::move(stats_path)), stats_(std::move(stats)) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    const auto end =
        duration_s > 0 ? std::chrono::steady_clock::now() +
                             std::chrono::milliseconds(static_cast<std::int64_t>(duration_s * 1000))
                       : std::chrono::steady_clock::time_point::max();
    watcher_ = std::jthread([this, end](std::stop_token stop) {
      name_this_thread("ac-run-control");
      watch(stop, end);
    });
  }
  ~RunControl() {
    watcher_.request_stop();
    watcher_.join();
    write_stats();
  }
  std::stop_token token() const { return source_.get_token(); }

 private:
  void watch(std::stop_token stop, std::chrono::steady_clock::time_point end) {
    auto next_stats = std::chrono::steady_clock::now() + 1s;
    while (!stop.stop_requested() && !source_.stop_requested()) {
      const timespec wait{0, 100'000'000};
      if (sigtimedwait(&signals_, nullptr, &wait) > 0) source_.request_stop();
      const auto now = std::chrono::steady_clock::now();
      if (now >= end) source_.request_stop();
      if (now >= next_stats) {
        next_stats = now + 1s;
        write_stats();
      }
    }
  }
  void write_stats() {
    if (stats_path_.empty()) return;
    try {
      write_stats_json(stats_path_, stats_());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
    }
  }

  sigset_t signals_{};
  std::stop_source source_;
  std::string stats_path_;
  std::function<QJsonObject()> stats_;
  std::jthread watcher_;
};

// The host's commands on standard input: "remove N" removes viewer N (and re-keys the
// others); with `--ask` it also names each viewer that waits for the host on stderr and
// takes "admit N" / "deny N". The Sender's callback only raises a flag, so the greeter
// never waits on a terminal; this thread does the printing and reading.
class HostPrompt {
 public:
  HostPrompt(Sender& sender, bool ask) : sender_(sender), ask_(ask) {
    if (ask_) sender_.on_waiting_viewers_changed([this] { changed_.store(true); });
    reader_ = std::jthread([this](std::stop_token stop) {
      name_this_thread("ac-host-prompt");
      run(stop);
    });
  }

 private:
  void run(std::stop_token stop) {
    std::set<std::uint64_t> announced;
    std::string line;
    bool input_open = true;
    while (!stop.stop_requested()) {
      if (changed_.exchange(false)) {
        for (const PendingViewer& viewer : sender_.waiting_viewers()) {
          if (!announced.insert(viewer.id).second) continue;
          std::fprintf(
              stderr, "viewer %llu \"%s\" from %s asks to join: type 'admit %llu' or 'deny %llu'\n",
              static_cast<unsigned long long>(viewer.id), viewer.name.c_str(),
              viewer.address.c_str(), static_cast<unsigned long long>(viewer.id),
              static_cast<unsigned long long>(viewer.id));
        }
      }
      pollfd in{STDIN_FILENO, POLLIN, 0};
      // A sender started in the background of a shell must not read its terminal: that
      // would stop it (SIGTTIN).
      const bool background = ::isatty(STDIN_FILENO) && ::tcgetpgrp(STDIN_FILENO) != ::getpgrp();
      if (!input_open || background || ::poll(&in, 1, 100) <= 0) {
        if (background) std::this_thread::sleep_for(100ms);
        if (!input_open) std::this_thread::sleep_for(100ms);
        continue;
      }
      char buffer[256];
      const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (n <= 0) {
        input_open = false;  // nobody will answer: the waiting viewers run out of time
        continue;
      }
      line.append(buffer, static_cast<std::size_t>(n));
      for (std::size_t end; (end = line.find('\n')) != std::string::npos; line.erase(0, end + 1)) {
        answer(line.substr(0, end));
      }
      if (line.size() > 1024) line.clear();
    }
  }

  void answer(const std::string& command) {
    char verb[16] = {};
    unsigned long long id = 0;
    const int fields = std::sscanf(command.c_str(), "%15s %llu", verb, &id);
    if (fields == 2 && std::string(verb) == "remove") {
      if (id > 0xffff || !sender_.remove_viewer(static_cast<std::uint16_t>(id))) {
        std::fprintf(stderr, "there is no viewer %llu\n", id);
      } else {
        std::fprintf(stderr, "removing viewer %llu\n", id);
      }
      return;
    }
    if (fields != 2 || (std::string(verb) != "admit" && std::string(verb) != "deny")) {
      if (!command.empty()) {
        std::fprintf(stderr, "type 'remove N'%s\n", ask_ ? ", 'admit N' or 'deny N'" : "");
      }
      return;
    }
    if (!ask_) {
      std::fprintf(stderr, "nobody is asked about (start with --ask)\n");
      return;
    }
    const bool admit = std::string(verb) == "admit";
    if (!sender_.decide(id, admit)) {
      std::fprintf(stderr, "viewer %llu is not waiting (it left or its time ran out)\n", id);
    } else {
      std::fprintf(stderr, "viewer %llu %s\n", id, admit ? "admitted" : "denied");
    }
  }

  Sender& sender_;
  bool ask_;
  std::atomic<bool> changed_{false};
  std::jthread reader_;
};

}  // namespace

int run_send(const std::vector<std::string>& args) {
  const SendCommand command = parse_send_command(args);
  const SenderOptions& options = command.sender;
  std::unique_ptr<Sender> sender;
  try {
    sender = std::make_unique<Sender>(options);
  } catch (const media::CameraUnavailableError& e) {
    std::fprintf(stderr, "agentcast send: %s\n", e.what());
    return kExitNoCamera;
  } catch (const media::AudioDeviceError& e) {
    std::fprintf(stderr, "agentcast send: %s\n", e.what());
    return kExitNoAudioDevice;
  }
  const std::string code = sender->call_code();
  std::printf("call code: %s\n", code.c_str());
  for (int i = 0; i < command.invites; ++i)
    std::printf("invite: %s\n", sender->new_invite().c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "sender fingerprint (compare it with the viewer's over another channel):\n%s\n",
               sender->readable_fingerprint().c_str());
  if (!command.call_code_file.empty()) write_call_code_file(command.call_code_file, code);
  if (options.insecure_reference_units) {
    std::fprintf(stderr, "WARNING: the insecure LFSR reference units are enabled\n");
  }
  {
    RunControl control(command.duration_s, command.stats_json,
                       [&] { return sender->stats_json(); });
    // After RunControl, so that its thread inherits the blocked SIGINT/SIGTERM.
    HostPrompt prompt(*sender, options.ask_host);
    sender->run(control.token());
  }
  return kExitOk;
}

int run_view(const std::vector<std::string>& args) {
  const ViewCommand command = parse_view_command(args);
  std::unique_ptr<Viewer> owned;
  try {
    owned = std::make_unique<Viewer>(command.viewer);
  } catch (const media::CameraUnavailableError& e) {
    std::fprintf(stderr, "agentcast view: %s\n", e.what());
    return kExitNoCamera;
  } catch (const media::AudioDeviceError& e) {
    std::fprintf(stderr, "agentcast view: %s\n", e.what());
    return kExitNoAudioDevice;
  }
  Viewer& viewer = *owned;
  try {
    RunControl control(command.duration_s, command.stats_json, [&] { return viewer.stats_json(); });
    viewer.run(control.token());
  } catch (const ViewerError& e) {
    std::fprintf(stderr, "agentcast view: %s\n", e.what());
    return e.is_refusal() ? kExitRefused : kExitConnectFailed;
  }
  if (const std::string reason = viewer.end_reason(); !reason.empty()) {
    std::fprintf(stderr, "session ended: %s\n", reason.c_str());
  }
  return kExitOk;
}

}  // namespace agentcast::app
