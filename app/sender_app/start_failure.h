#pragma once
// Why the sender could not start, in words a person can act on, and the exit code the
// command line gives for the same failure (so a script sees the same numbers).

#include <exception>

#include <QtCore/QString>

namespace agentcast::sender_app {

struct StartFailure {
  int exit_code = 1;  // app::ExitCode
  QString message;    // what went wrong and what to do about it
};

// `error` is what Sender's constructor or run() threw.
StartFailure describe_start_failure(const std::exception_ptr& error);

}  // namespace agentcast::sender_app
