#pragma once
// What one peer may cost the sender (DESIGN.md rule 12, docs/PROTOCOL.md §11.4): deadlines
// for the greeting, bounds on unfinished connections, and what an admitted viewer's
// control connection may send, hold back or leave unread before its session is ended.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace agentcast::app {

using namespace std::chrono_literals;

struct ControlLimits {
  // The greeting: TLS handshake and hello within this time of the TCP accept ...
  std::chrono::milliseconds hello_within = 5s;
  // ... then the agent offered, sent and answered with AgentReady within this time plus
  // the bundle's size at the minimum rate: a greeter that reads slower is given up.
  std::chrono::milliseconds agent_ready_within = 10s;
  std::uint64_t agent_min_bytes_per_second = 64 * 1024;
  std::size_t greeting_output = 64 * 1024;  // agent chunks queued ahead of the socket
  std::size_t max_hello = 4096;
  // Connections that have not finished their greeting, in all and from one address.
  std::size_t max_unfinished = 64;
  std::size_t max_unfinished_per_address = 8;
  // With SenderOptions::ask_host, how long a viewer that proved its call code waits for
  // the host to admit or deny it (it counts among the unfinished connections meanwhile).
  std::chrono::milliseconds host_decides_within = 60s;

  // An admitted viewer's control connection.
  std::size_t max_message = 64 * 1024;
  std::size_t messages_per_turn = 32;
  double messages_per_second = 100;
  double message_burst = 200;
  std::chrono::milliseconds partial_message_within = 5s;   // else "stalled"
  std::chrono::milliseconds output_progress_within = 10s;  // else "stopped_reading"
  std::size_t max_pending_output = 256 * 1024;             // else "stopped_reading"
  std::chrono::milliseconds silent_after = 10s;            // no feedback: "silent"
};

// Why an admitted viewer's session ended (sender statistics `sessions_ended_by_reason`,
// stderr "viewer N left: DETAIL [REASON]").
enum class SessionEnd : std::uint8_t {
  kSilent,          // no feedback and no control message for `silent_after`
  kStalled,         // a message begun and not finished within `partial_message_within`
  kFlooding,        // more control messages than the rate allows
  kOversized,       // a control message longer than `max_message`
  kStoppedReading,  // its control output made no progress, or piled up past the bound
  kLeft,            // it said bye
  kClosed,          // its connection closed or failed
  kProtocol,        // it sent a message it may not send
  kSenderStopped,   // the sender stopped
  kRemoved,         // the host removed it (the others are re-keyed)
};

constexpr std::string_view to_string(SessionEnd reason) noexcept {
  switch (reason) {
    case SessionEnd::kSilent:
      return "silent";
    case SessionEnd::kStalled:
      return "stalled";
    case SessionEnd::kFlooding:
      return "flooding";
    case SessionEnd::kOversized:
      return "oversized";
    case SessionEnd::kStoppedReading:
      return "stopped_reading";
    case SessionEnd::kLeft:
      return "left";
    case SessionEnd::kClosed:
      return "closed";
    case SessionEnd::kProtocol:
      return "protocol";
    case SessionEnd::kSenderStopped:
      return "sender_stopped";
    case SessionEnd::kRemoved:
      return "removed";
  }
  return "unknown";
}

// Why a connection was turned away before it became a viewer (`viewers_refused_by_reason`).
enum class Refusal : std::uint8_t {
  kGreetingTimedOut,  // handshake, hello or agent transfer not done by its deadline
  kBadHello,          // the first message was no hello
  kNoJoinProof,       // its hello proves no join secret
  kWrongJoinProof,    // its hello proves another secret, or on another connection
  kInviteUsed,        // its single-use invitation already admitted a viewer
  kUnsupportedProtocol,
  kBroadcastOnly,     // it wants to send back to a broadcast
  kReceiveOnlyAgent,  // it wants to send back with an agent that cannot seal
  kBackBusy,          // another viewer is sending back
  kFull,              // --max-viewers reached
  kNoAgent,           // no agent for its platform or ABI
  kAgentNotReady,     // it refused the agent, or answered it with something else
  kBackUnavailable,   // the sender cannot play what it would send back
  kDeniedByHost,      // the host was asked (SenderOptions::ask_host) and said no
  kHostDidNotAnswer,  // the host was asked and did not answer within host_decides_within
  kOriginKeyFailed,   // the resident agent could not key the viewer's origin tags
};

constexpr std::string_view to_string(Refusal reason) noexcept {
  switch (reason) {
    case Refusal::kGreetingTimedOut:
      return "greeting_timed_out";
    case Refusal::kBadHello:
      return "bad_hello";
    case Refusal::kNoJoinProof:
      return "no_join_proof";
    case Refusal::kWrongJoinProof:
      return "wrong_join_proof";
    case Refusal::kInviteUsed:
      return "invite_used";
    case Refusal::kUnsupportedProtocol:
      return "unsupported_protocol";
    case Refusal::kBroadcastOnly:
      return "broadcast_only";
    case Refusal::kReceiveOnlyAgent:
      return "receive_only_agent";
    case Refusal::kBackBusy:
      return "back_busy";
    case Refusal::kFull:
      return "full";
    case Refusal::kNoAgent:
      return "no_agent";
    case Refusal::kAgentNotReady:
      return "agent_not_ready";
    case Refusal::kBackUnavailable:
      return "back_unavailable";
    case Refusal::kDeniedByHost:
      return "denied_by_host";
    case Refusal::kHostDidNotAnswer:
      return "host_did_not_answer";
    case Refusal::kOriginKeyFailed:
      return "origin_key_failed";
  }
  return "unknown";
}

}  // namespace agentcast::app
