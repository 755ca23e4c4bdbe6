#include "quit_signals.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QtCore/QSocketNotifier>

namespace agentcast::gui {
namespace {

int signal_pipe[2] = {-1, -1};

// Only what is async-signal-safe: one byte into the pipe, read on the UI thread.
void forward_signal(int) {
  const char byte = 1;
  [[maybe_unused]] const ssize_t written = ::write(signal_pipe[1], &byte, 1);
}

}  // namespace

void on_quit_signals(QObject* context, std::function<void()> quit) {
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, signal_pipe) != 0) return;
  auto* notifier = new QSocketNotifier(signal_pipe[0], QSocketNotifier::Read, context);
  QObject::connect(notifier, &QSocketNotifier::activated, context, [quit = std::move(quit)] {
    char byte = 0;
    [[maybe_unused]] const ssize_t got = ::read(signal_pipe[0], &byte, 1);
    quit();
  });
  struct sigaction action {};
  action.sa_handler = forward_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace agentcast::gui
