#pragma once
// Why a connection failed or a session ended, in the words a viewer's user reads. Every
// way the core can fail (ViewerError's kinds and agent problems, a malformed call code, a
// missing camera or microphone for sending back, the sender ending the session) maps to
// one FailureKind, and each kind to a title, a plain message, advice, and the command
// line's exit code. Pure functions: the tests check each text.

#include <exception>
#include <string>

#include "failure_dialog.h"

namespace agentcast::viewer_ui {

enum class FailureKind {
  kBadCallCode,          // the call code does not parse
  kBadOptions,           // options that cannot work together (from the command line)
  kNoCamera,             // the camera to send back could not be opened
  kNoMicrophone,         // the microphone to send back could not be opened
  kConnect,              // nobody answered at the call code's address
  kFingerprintMismatch,  // someone answered, but not the sender the code names
  kAgentSignature,       // the agent is not signed by the sender in the code
  kAgentIncompatible,    // built for another platform or ABI, or the wrong kind
  kAgentTooLarge,        // larger than the viewer accepts
  kAgentBroken,          // truncated, unparsable, or it failed to start
  kAgentCache,           // the private agent cache could not store it
  kAgentRefused,         // refused for a reason the core did not name
  kSenderRefused,        // the sender turned this viewer away
  kInsecureSession,      // the sender wants the insecure reference units; not accepted
  kProtocol,             // the connection broke, or the sender broke the protocol
  kSessionEnded,         // the sender ended the session
  kConnectionLost,       // the control channel closed without the sender's goodbye
  kInternal,             // anything else
};

struct Failure {
  FailureKind kind = FailureKind::kInternal;
  std::string detail;  // the technical text (what()), shown under "Details"
};

// The failure a call code has, if any (the user pasted something that is not one).
bool call_code_failure(const std::string& call_code, Failure& failure);
// What an exception thrown by app::Viewer's constructor or run() means for the user.
Failure classify(std::exception_ptr error);
// A session that ended without the user stopping it; `reason` is Viewer::end_reason(),
// `by_sender` Viewer::ended_by_sender().
Failure session_ended(const std::string& reason, bool by_sender);

gui::FailureText failure_text(const Failure& failure);
// What `agentcast view` exits with for the same failure (app::ExitCode).
int exit_code(FailureKind kind);

}  // namespace agentcast::viewer_ui
