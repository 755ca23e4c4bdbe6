#pragma once
// Shipping the agent over the control channel (patent Fig. 4A, 20), both ends:
//   viewer: Hello (platform, ABI, kind wanted, cached hashes)
//   sender: AgentOffer + AgentChunks (the signed bundle)  or  UseCachedAgent(H)
//   viewer: verifies, caches, loads, then AgentReady(H)   or  Bye(reason) when it refuses
// The session parameters follow only after AgentReady. docs/PROTOCOL.md §11.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "agentcast/agent/agent_cache.h"
#include "agentcast/agent/agent_loader.h"
#include "agentcast/agent/agent_shelf.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/tls_channel.h"

namespace agentcast::app {

// The sender's side is the greeter's state machine (app/call/src/greeter.h): it never
// waits on a viewer.

// ---- viewer ----

// What a viewer shows while it gets its agent (the viewer app draws a progress bar).
// kWaitingForHost: the sender's host is asked whether to let this viewer in (bytes_total
// is then how long the sender waits for that answer, in milliseconds).
enum class AgentStep { kWaitingForHost, kReceiving, kVerifying, kLoading, kReady };
using AgentProgress =
    std::function<void(AgentStep step, std::uint64_t bytes_done, std::uint64_t bytes_total)>;

struct FetchedAgent {
  agent::LoadedAgent agent;
  bool from_cache = false;
};

// What was wrong with a refused agent, in the terms a user can act on.
enum class AgentProblem {
  kNone,
  kSignature,     // unknown signer, bad signature, or a binary that does not match it
  kIncompatible,  // another platform or ABI, the wrong kind, or the loader refused it
  kTooLarge,      // larger than the configured limit
  kBroken,        // truncated, unparsable, a broken transfer, or it failed to start
  kCache,         // the private agent cache could not store it
};
AgentProblem classify(const agent::LoadOutcome& refused) noexcept;

// The refusal of an agent, with the loader's reason; the sender has been told (Bye).
class AgentRefused : public std::runtime_error {
 public:
  AgentRefused(const std::string& reason, AgentProblem problem)
      : std::runtime_error(reason), problem_(problem) {}
  AgentProblem problem() const noexcept { return problem_; }

 private:
  AgentProblem problem_;
};

// The sender turned this viewer away (with `bye`) instead of shipping an agent.
class SenderRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Receives the agent the sender ships (after this viewer's Hello), verifies it against the
// sender's pinned fingerprint, caches and loads it, and answers AgentReady. Should the
// sender first say that its host is asked (admission_pending), `timeout` starts again once
// the host's time is up. Throws
// AgentRefused (the user's reason), SenderRefused or net::ControlError. Control messages that
// arrive early (instructions) are not expected before AgentReady and are refused as protocol
// errors.
FetchedAgent fetch_agent(net::TlsConnection& connection, const agent::LoadPolicy& policy,
                         const agent::AgentCache& cache, std::chrono::milliseconds timeout,
                         const AgentProgress& progress = {});

}  // namespace agentcast::app
