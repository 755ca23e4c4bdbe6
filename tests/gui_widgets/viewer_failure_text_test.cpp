// Every way a connection can fail, from the exception the core throws to the words a
// user reads and the exit code a script sees.

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "agentcast/call/sender.h"
#include "agentcast/call/viewer.h"
#include "agentcast/media/audio_source.h"
#include "agentcast/media/video_source.h"
#include "failure_text.h"
#include "viewer_test_support.h"

namespace agentcast::viewer_ui {
namespace {

using Kind = app::ViewerError::Kind;
using Problem = app::ViewerError::AgentProblem;

template <typename Error>
Failure classified(const Error& error) {
  return classify(std::make_exception_ptr(error));
}

// What a user must be able to read in a failure's dialog (case-insensitive parts).
struct Expected {
  FailureKind kind;
  int exit_code;
  const char* title;
  const char* message;
  const char* advice;
};

void expect_text(const Failure& failure, const Expected& expected, const std::string& detail) {
  EXPECT_EQ(failure.kind, expected.kind);
  EXPECT_EQ(exit_code(failure.kind), expected.exit_code);
  const gui::FailureText text = failure_text(failure);
  EXPECT_TRUE(text.title.contains(expected.title, Qt::CaseInsensitive)) << text.title.toStdString();
  EXPECT_TRUE(text.message.contains(expected.message, Qt::CaseInsensitive))
      << text.message.toStdString();
  EXPECT_TRUE(text.advice.contains(expected.advice, Qt::CaseInsensitive))
      << text.advice.toStdString();
  // The technical text stays available, apart from the plain words.
  EXPECT_EQ(text.details.toStdString(), detail);
  EXPECT_FALSE(text.message.contains(QString::fromStdString(detail)));
}

TEST(ViewerFailureText, NobodyAnswering) {
  expect_text(classified(app::ViewerError(Kind::kConnect, "connect: refused")),
              {FailureKind::kConnect, app::kExitConnectFailed, "could not reach the sender",
               "nobody answered", "sender is still running"},
              "connect: refused");
}

TEST(ViewerFailureText, AnotherSenderAnswering) {
  expect_text(
      classified(app::ViewerError(Kind::kFingerprintMismatch, "fingerprint abc")),
      {FailureKind::kFingerprintMismatch, app::kExitRefused, "not the sender in the call code",
       "does not match the code's fingerprint", "channel you trust"},
      "fingerprint abc");
}

TEST(ViewerFailureText, AgentWithABadSignature) {
  expect_text(
      classified(app::ViewerError(Kind::kAgentRefused, "bad signature", Problem::kSignature)),
      {FailureKind::kAgentSignature, app::kExitRefused, "signature",
       "the agent's signature does not match the sender in the call code", "fresh call code"},
      "bad signature");
}

TEST(ViewerFailureText, AgentForAnotherSystem) {
  expect_text(classified(app::ViewerError(Kind::kAgentRefused, "abi 9", Problem::kIncompatible)),
              {FailureKind::kAgentIncompatible, app::kExitRefused, "does not fit this computer",
               "another system or another version", "same version of AgentCast"},
              "abi 9");
}

TEST(ViewerFailureText, AgentTooLarge) {
  expect_text(classified(app::ViewerError(Kind::kAgentRefused, "20 MB", Problem::kTooLarge)),
              {FailureKind::kAgentTooLarge, app::kExitRefused, "too large",
               "larger than this viewer accepts", "--max-agent-bytes"},
              "20 MB");
}

TEST(ViewerFailureText, AgentBroken) {
  expect_text(classified(app::ViewerError(Kind::kAgentRefused, "truncated", Problem::kBroken)),
              {FailureKind::kAgentBroken, app::kExitRefused, "damaged", "incomplete or damaged",
               "connect again"},
              "truncated");
}

TEST(ViewerFailureText, AgentCacheNotWritable) {
  expect_text(classified(app::ViewerError(Kind::kAgentRefused, "EACCES", Problem::kCache)),
              {FailureKind::kAgentCache, app::kExitRefused, "could not be stored",
               "agent cache could not store", "writable"},
              "EACCES");
}

TEST(ViewerFailureText, AgentRefusedForAnUnnamedReason) {
  expect_text(classified(app::ViewerError(Kind::kAgentRefused, "loader: refused", Problem::kNone)),
              {FailureKind::kAgentRefused, app::kExitRefused, "agent was refused",
               "did not pass this viewer's checks", "fresh call code"},
              "loader: refused");
}

TEST(ViewerFailureText, SenderTurningTheViewerAway) {
  expect_text(classified(app::ViewerError(Kind::kSenderRefused, "the call is full")),
              {FailureKind::kSenderRefused, app::kExitRefused, "did not let this viewer in",
               "turned this viewer away", "allowing more viewers"},
              "the call is full");
}

TEST(ViewerFailureText, SenderWantingInsecureUnits) {
  expect_text(classified(app::ViewerError(Kind::kSessionRefused, "reference units")),
              {FailureKind::kInsecureSession, app::kExitRefused, "insecure", "not secure",
               "without --insecure-reference-units"},
              "reference units");
}

TEST(ViewerFailureText, BrokenConnection) {
  expect_text(classified(app::ViewerError(Kind::kProtocol, "eof")),
              {FailureKind::kProtocol, app::kExitConnectFailed, "connection to the sender broke",
               "connection was lost", "connect again"},
              "eof");
}

TEST(ViewerFailureText, MalformedCallCode) {
  Failure failure;
  ASSERT_TRUE(call_code_failure("agentcast://sender:7000/", failure));
  EXPECT_FALSE(failure.detail.empty());
  expect_text(failure,
              {FailureKind::kBadCallCode, app::kExitUsage, "not a valid call code",
               "incomplete or mistyped", "#fp="},
              failure.detail);
  ASSERT_TRUE(call_code_failure("", failure));
  EXPECT_EQ(failure.kind, FailureKind::kBadCallCode);
  EXPECT_FALSE(call_code_failure(
      "agentcast://127.0.0.1:7000/#fp=" + std::string(64, 'a') + "&k=" + std::string(32, 'b'),
      failure));
  // Cut short when pasted: the join secret is missing, and the message says so.
  ASSERT_TRUE(call_code_failure("agentcast://127.0.0.1:7000/#fp=" + std::string(64, 'a'), failure));
  EXPECT_NE(failure.detail.find("incomplete"), std::string::npos) << failure.detail;
  EXPECT_NE(failure.detail.find("&k="), std::string::npos) << failure.detail;
}

TEST(ViewerFailureText, OptionsThatCannotWork) {
  expect_text(classified(std::invalid_argument("nothing to send")),
              {FailureKind::kBadOptions, app::kExitUsage, "cannot start with these options",
               "cannot be used together", "details"},
              "nothing to send");
}

TEST(ViewerFailureText, MissingCamera) {
  const media::CameraUnavailableError missing(2, "/dev/video2", "no such device");
  expect_text(classified(missing),
              {FailureKind::kNoCamera, app::kExitNoCamera, "camera could not be opened",
               "missing or busy", "untick"},
              missing.what());
}

TEST(ViewerFailureText, MissingMicrophone) {
  expect_text(classified(media::AudioDeviceError("microphone 3: no such device")),
              {FailureKind::kNoMicrophone, app::kExitNoAudioDevice,
               "microphone could not be opened", "missing or busy", "untick"},
              "microphone 3: no such device");
}

TEST(ViewerFailureText, SessionTheSenderEnded) {
  expect_text(session_ended("sender closed", true),
              {FailureKind::kSessionEnded, app::kExitOk, "the call has ended",
               "the sender ended the session", "call code"},
              "sender closed");
}

TEST(ViewerFailureText, ConnectionLostWithoutAGoodbye) {
  expect_text(session_ended("the control channel closed: connection reset", false),
              {FailureKind::kConnectionLost, app::kExitOk, "connection to the sender was lost",
               "without the sender ending it", "check the network"},
              "the control channel closed: connection reset");
}

TEST(ViewerFailureText, AnythingElse) {
  expect_text(
      classified(std::runtime_error("disk on fire")),
      {FailureKind::kInternal, app::kExitFailure, "something went wrong", "unexpected", "details"},
      "disk on fire");
  EXPECT_EQ(classify(std::make_exception_ptr(42)).kind, FailureKind::kInternal);
}

}  // namespace
}  // namespace agentcast::viewer_ui
