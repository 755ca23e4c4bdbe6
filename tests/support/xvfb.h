#pragma once
// A virtual X display for GUI tests: Xvfb started on a display number it picks itself,
// stopped when the test ends.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/process.h"

namespace agentcast::test {

class XvfbDisplay {
 public:
  // `log_path` takes Xvfb's output, which is what explains a display that did not start.
  explicit XvfbDisplay(const std::string& log_path,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30))
      : log_path_(log_path) {
    int fds[2];
    // Only the write end reaches Xvfb: the read end must close in the child, or our read
    // would never see end-of-file when Xvfb dies before writing its number.
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + errno_text());
    const int read_end = fds[0], write_end = fds[1];
    ::fcntl(write_end, F_SETFD, 0);
    const std::string fd_text = std::to_string(write_end);
    // -noreset: by default the server resets whenever its last client leaves, which races
    // with the next test program connecting.
    std::vector<std::string> argv = {"Xvfb",        "-displayfd", fd_text, "-screen", "0",
                                     "1600x900x24", "-nolisten",  "tcp",   "-noreset"};
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawnp(&pid_, "Xvfb", &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(write_end);
    if (rc != 0) {
      ::close(read_end);
      throw std::runtime_error("cannot start Xvfb (" + std::string(std::strerror(rc)) +
                               "): the GUI tests need it; install the xvfb package "
                               "(scripts/setup.sh does)");
    }
    std::string number;
    const std::string failure = read_display_number(read_end, timeout, number);
    ::close(read_end);
    if (!failure.empty()) {
      stop();
      throw std::runtime_error("Xvfb " + failure + "; its log (" + log_path_ + "):\n" +
                               read_file(log_path_));
    }
    display_ = ":" + number;
  }
  ~XvfbDisplay() { stop(); }
  XvfbDisplay(const XvfbDisplay&) = delete;
  XvfbDisplay& operator=(const XvfbDisplay&) = delete;

  // For DISPLAY, e.g. ":99".
  const std::string& display() const { return display_; }

 private:
  static std::string errno_text() { return std::strerror(errno); }

  // Xvfb writes the number and a newline once it accepts clients. Returns why not, or "".
  static std::string read_display_number(int fd, std::chrono::milliseconds timeout,
                                         std::string& number) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (number.empty() || number.back() != '\n') {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return "gave no display number within " + std::to_string(timeout.count()) + " ms";
      }
      pollfd p{fd, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno != EINTR) return "could not be waited for: " + errno_text();
      if (ready <= 0) continue;
      char buffer[16];
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno != EINTR) return "could not be read from: " + errno_text();
      if (n == 0) return "exited before it gave a display number";
      if (n > 0) number.append(buffer, static_cast<std::size_t>(n));
    }
    number.pop_back();
    return "";
  }

  // TERM first, so that Xvfb removes its lock file and socket; KILL if it does not go.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    const bool gone = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; },
                                 std::chrono::seconds(10));
    if (!gone) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

  std::string log_path_;
  std::string display_;
  pid_t pid_ = -1;
};

}  // namespace agentcast::test
