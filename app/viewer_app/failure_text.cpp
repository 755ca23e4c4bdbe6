#include "failure_text.h"

#include <stdexcept>

#include "agentcast/call/sender.h"
#include "agentcast/call/viewer.h"
#include "agentcast/media/audio_source.h"
#include "agentcast/media/video_source.h"
#include "agentcast/net/call_code.h"

namespace agentcast::viewer_ui {
namespace {

Failure agent_refused(const app::ViewerError& e) {
  using Problem = app::ViewerError::AgentProblem;
  switch (e.agent_problem()) {
    case Problem::kSignature:
      return {FailureKind::kAgentSignature, e.what()};
    case Problem::kIncompatible:
      return {FailureKind::kAgentIncompatible, e.what()};
    case Problem::kTooLarge:
      return {FailureKind::kAgentTooLarge, e.what()};
    case Problem::kBroken:
      return {FailureKind::kAgentBroken, e.what()};
    case Problem::kCache:
      return {FailureKind::kAgentCache, e.what()};
    case Problem::kNone:
      break;
  }
  return {FailureKind::kAgentRefused, e.what()};
}

Failure viewer_error(const app::ViewerError& e) {
  using Kind = app::ViewerError::Kind;
  switch (e.kind()) {
    case Kind::kConnect:
      return {FailureKind::kConnect, e.what()};
    case Kind::kFingerprintMismatch:
      return {FailureKind::kFingerprintMismatch, e.what()};
    case Kind::kAgentRefused:
      return agent_refused(e);
    case Kind::kSenderRefused:
      return {FailureKind::kSenderRefused, e.what()};
    case Kind::kSessionRefused:
      return {FailureKind::kInsecureSession, e.what()};
    case Kind::kProtocol:
      return {FailureKind::kProtocol, e.what()};
  }
  return {FailureKind::kInternal, e.what()};
}

gui::FailureText text(const char* title, const char* message, const char* advice) {
  return {QString::fromUtf8(title), QString::fromUtf8(message), QString::fromUtf8(advice), {}};
}

gui::FailureText plain_text(FailureKind kind) {
  switch (kind) {
    case FailureKind::kBadCallCode:
      return text("Not a valid call code",
                  "This is not a call code AgentCast can use: it is incomplete or mistyped.",
                  "Copy the whole code from the sender again. It looks like "
                  "agentcast://HOST:PORT/#fp=…&k=… and must include everything after #fp=, "
                  "up to the last digit after k=.");
    case FailureKind::kBadOptions:
      return text("The viewer cannot start with these options",
                  "Some of the options the viewer was started with cannot be used together.",
                  "Read the explanation under Details, correct the options and start again.");
    case FailureKind::kNoCamera:
      return text("The camera could not be opened",
                  "The camera chosen for sending your picture back is missing or busy.",
                  "Connect the camera or close the program that uses it, or untick \"Send my "
                  "camera and microphone\" to only watch. Then connect again.");
    case FailureKind::kNoMicrophone:
      return text("The microphone could not be opened",
                  "The microphone chosen for sending your sound back is missing or busy.",
                  "Connect the microphone or close the program that uses it, or untick \"Send "
                  "my camera and microphone\" to only watch. Then connect again.");
    case FailureKind::kConnect:
      return text("Could not reach the sender", "Nobody answered at the address in the call code.",
                  "Check that the sender is still running and that the call code is the one it "
                  "shows now, and that no firewall blocks the connection. Then connect again.");
    case FailureKind::kFingerprintMismatch:
      return text("This is not the sender in the call code",
                  "A computer answered at the call code's address, but it is not the sender "
                  "the call code names: its identity does not match the code's fingerprint. "
                  "Nothing was received from it.",
                  "Ask the sender for the call code again over a channel you trust, and compare "
                  "the safety number aloud. If the code is right, someone may be intercepting "
                  "the connection: do not connect until this is explained.");
    case FailureKind::kAgentSignature:
      return text("The agent's signature is not valid",
                  "The agent's signature does not match the sender in the call code, so the "
                  "agent was not loaded and nothing was played.",
                  "Do not try to get around this. Ask the sender for a fresh call code over a "
                  "channel you trust and to check their AgentCast installation.");
    case FailureKind::kAgentIncompatible:
      return text("The sender's agent does not fit this computer",
                  "The agent the sender offered was built for another system or another "
                  "version of AgentCast, so this viewer could not load it.",
                  "Make sure the sender and this viewer run the same version of AgentCast on "
                  "supported systems.");
    case FailureKind::kAgentTooLarge:
      return text("The sender's agent is too large",
                  "The agent the sender offered is larger than this viewer accepts, so it was "
                  "not received.",
                  "If you trust this sender, start the viewer with a higher --max-agent-bytes "
                  "and connect again.");
    case FailureKind::kAgentBroken:
      return text("The sender's agent is damaged",
                  "The agent arrived incomplete or damaged, or it could not start.",
                  "Connect again. If it keeps happening, ask the sender to reinstall AgentCast.");
    case FailureKind::kAgentCache:
      return text("The agent could not be stored",
                  "This computer's private agent cache could not store the sender's agent.",
                  "Make sure there is free disk space and that the agent cache folder is "
                  "writable by you, then connect again.");
    case FailureKind::kAgentRefused:
      return text("The sender's agent was refused",
                  "The agent the sender offered did not pass this viewer's checks, so it was "
                  "not loaded.",
                  "Ask the sender for a fresh call code, and make sure you both run the same "
                  "version of AgentCast.");
    case FailureKind::kSenderRefused:
      return text("The sender did not let this viewer in",
                  "The sender turned this viewer away, for example because the call code's "
                  "join secret is not this call's (the sender was restarted, or the code was "
                  "mistyped) or the call already has all the viewers it allows.",
                  "Ask the sender for the call code it shows now, or to let you in (for "
                  "example by allowing more viewers), then connect again.");
    case FailureKind::kInsecureSession:
      return text("The sender wants insecure encryption",
                  "The sender asked for the patent's original cipher units, which are not "
                  "secure, so this viewer did not join.",
                  "Ask the sender to start without --insecure-reference-units. Only for a "
                  "test, start the viewer with --insecure-reference-units to accept them.");
    case FailureKind::kProtocol:
      return text("The connection to the sender broke",
                  "The connection was lost, or the sender answered something this viewer does "
                  "not understand.",
                  "Connect again. If it keeps happening, make sure the sender and this viewer "
                  "run the same version of AgentCast.");
    case FailureKind::kSessionEnded:
      return text("The call has ended", "The sender ended the session.",
                  "To watch again, ask the sender for its call code and connect.");
    case FailureKind::kConnectionLost:
      return text("The connection to the sender was lost",
                  "The call stopped because the connection to the sender closed without "
                  "the sender ending it.",
                  "Check the network between you and the sender, then connect again with "
                  "the same call code.");
    case FailureKind::kInternal:
      break;
  }
  return text("Something went wrong", "The viewer stopped because of an unexpected error.",
              "Connect again. If it keeps happening, report it with the text under Details.");
}

}  // namespace

bool call_code_failure(const std::string& call_code, Failure& failure) {
  try {
    net::CallCode::parse(call_code);
    return false;
  } catch (const std::invalid_argument& e) {
    failure = {FailureKind::kBadCallCode, e.what()};
    return true;
  }
}

Failure classify(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const app::ViewerError& e) {
    return viewer_error(e);
  } catch (const media::CameraUnavailableError& e) {
    return {FailureKind::kNoCamera, e.what()};
  } catch (const media::AudioDeviceError& e) {
    return {FailureKind::kNoMicrophone, e.what()};
  } catch (const std::invalid_argument& e) {
    // The call code is checked before the viewer is made: what remains are the options.
    return {FailureKind::kBadOptions, e.what()};
  } catch (const std::exception& e) {
    return {FailureKind::kInternal, e.what()};
  } catch (...) {
    return {FailureKind::kInternal, "an unknown error"};
  }
}

Failure session_ended(const std::string& reason, bool by_sender) {
  return {by_sender ? FailureKind::kSessionEnded : FailureKind::kConnectionLost, reason};
}

gui::FailureText failure_text(const Failure& failure) {
  gui::FailureText result = plain_text(failure.kind);
  result.details = QString::fromStdString(failure.detail);
  return result;
}

int exit_code(FailureKind kind) {
  switch (kind) {
    case FailureKind::kBadCallCode:
    case FailureKind::kBadOptions:
      return app::kExitUsage;
    case FailureKind::kNoCamera:
      return app::kExitNoCamera;
    case FailureKind::kNoMicrophone:
      return app::kExitNoAudioDevice;
    case FailureKind::kConnect:
    case FailureKind::kProtocol:
      return app::kExitConnectFailed;
    case FailureKind::kFingerprintMismatch:
    case FailureKind::kAgentSignature:
    case FailureKind::kAgentIncompatible:
    case FailureKind::kAgentTooLarge:
    case FailureKind::kAgentBroken:
    case FailureKind::kAgentCache:
    case FailureKind::kAgentRefused:
    case FailureKind::kSenderRefused:
    case FailureKind::kInsecureSession:
      return app::kExitRefused;
    case FailureKind::kSessionEnded:
    case FailureKind::kConnectionLost:
      return app::kExitOk;  // as `agentcast view`: the session ran and ended
    case FailureKind::kInternal:
      break;
  }
  return app::kExitFailure;
}

}  // namespace agentcast::viewer_ui
