#include "agentcast/call/agent_handshake.h"

#include <algorithm>
#include <vector>

namespace agentcast::app {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds remaining(Clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

void send(net::TlsConnection& connection, const net::ControlMessage& message) {
  connection.send(net::encode_control(message));
}

}  // namespace

AgentProblem classify(const agent::LoadOutcome& refused) noexcept {
  using agent::BundleError;
  using agent::LoadError;
  switch (refused.error) {
    case LoadError::kWrongKind:
    case LoadError::kNotLoadable:
      return AgentProblem::kIncompatible;
    case LoadError::kInitFailed:
      return AgentProblem::kBroken;
    case LoadError::kCache:
      return AgentProblem::kCache;
    case LoadError::kBundle:
      break;
  }
  switch (refused.bundle_error) {
    case BundleError::kUnknownSigner:
    case BundleError::kBadSignature:
    case BundleError::kTamperedBinary:
      return AgentProblem::kSignature;
    case BundleError::kWrongPlatform:
    case BundleError::kWrongAbi:
      return AgentProblem::kIncompatible;
    case BundleError::kOversized:
      return AgentProblem::kTooLarge;
    case BundleError::kTruncated:
    case BundleError::kBadMagic:
    case BundleError::kTrailingBytes:
    case BundleError::kManifestUnparsable:
      return AgentProblem::kBroken;
  }
  return AgentProblem::kBroken;
}

FetchedAgent fetch_agent(net::TlsConnection& connection, const agent::LoadPolicy& policy,
                         const agent::AgentCache& cache, std::chrono::milliseconds timeout,
                         const AgentProgress& progress) {
  Clock::time_point deadline = Clock::now() + timeout;
  auto report = [&](AgentStep step, std::uint64_t done, std::uint64_t total) {
    if (progress) progress(step, done, total);
  };
  // Tells the sender why, then stops: nothing has been loaded.
  auto refuse = [&](const std::string& reason,
                    AgentProblem problem = AgentProblem::kBroken) -> AgentRefused {
    try {
      send(connection, net::ByeMessage{"refused the agent: " + reason});
    } catch (const net::ControlError&) {
      // The sender is gone: the user still gets the reason.
    }
    return AgentRefused(reason, problem);
  };

  // The next control message before the deadline; a timeout or a message that does not
  // parse refuses the agent.
  auto next_message = [&](const std::string& while_doing) -> net::ControlMessage {
    const auto bytes = connection.receive(remaining(deadline));
    if (!bytes) throw refuse(while_doing + ", no answer in time");
    net::DecodedControl decoded = net::decode_control(*bytes);
    if (!decoded.message) {
      throw refuse(while_doing + ", a control message did not parse: " + decoded.error);
    }
    return std::move(*decoded.message);
  };

  net::ControlMessage first = next_message("while waiting for the agent");
  if (const auto* pending = std::get_if<net::AdmissionPendingMessage>(&first)) {
    // Never before the sender's own deadline: its answer (the agent or a bye) is what
    // ends the wait.
    report(AgentStep::kWaitingForHost, 0, pending->wait_ms);
    deadline = Clock::now() + std::chrono::milliseconds(pending->wait_ms) + timeout;
    first = next_message("while waiting for the host to let this viewer in");
  }
  if (const auto* bye = std::get_if<net::ByeMessage>(&first)) {
    throw SenderRefused(bye->reason);
  }

  agent::LoadOutcome outcome;
  FetchedAgent fetched;
  if (const auto* cached = std::get_if<net::UseCachedAgentMessage>(&first)) {
    fetched.from_cache = true;
    report(AgentStep::kVerifying, 0, 0);
    outcome = agent::load_cached_agent(cached->hash, policy, cache);
  } else if (const auto* offer = std::get_if<net::AgentOfferMessage>(&first)) {
    if (offer->size > policy.max_bundle_size) {
      throw refuse("the agent is " + std::to_string(offer->size) +
                       " bytes, more than the limit of " + std::to_string(policy.max_bundle_size),
                   AgentProblem::kTooLarge);
    }
    std::vector<std::uint8_t> bundle;
    bundle.reserve(static_cast<std::size_t>(offer->size));
    report(AgentStep::kReceiving, 0, offer->size);
    while (bundle.size() < offer->size) {
      const net::ControlMessage message = next_message("while receiving the agent");
      const auto* chunk = std::get_if<net::AgentChunkMessage>(&message);
      if (chunk == nullptr) throw refuse("the agent transfer was interrupted by another message");
      if (chunk->offset != bundle.size() || chunk->data.empty() ||
          chunk->data.size() > offer->size - bundle.size()) {
        throw refuse("the agent transfer is out of order or longer than announced");
      }
      bundle.insert(bundle.end(), chunk->data.begin(), chunk->data.end());
      report(AgentStep::kReceiving, bundle.size(), offer->size);
    }
    if (agent::content_hash(bundle) != offer->hash) {
      throw refuse("the agent's bytes do not match the hash the sender announced",
                   AgentProblem::kSignature);
    }
    report(AgentStep::kVerifying, bundle.size(), offer->size);
    outcome = agent::load_agent(bundle, policy, cache);
  } else {
    throw refuse("the sender sent something other than an agent");
  }
  if (!outcome.agent) throw refuse(outcome.reason, classify(outcome));
  report(AgentStep::kLoading, outcome.agent->bundle_size, outcome.agent->bundle_size);
  send(connection, net::AgentReadyMessage{outcome.agent->content_hash});
  report(AgentStep::kReady, outcome.agent->bundle_size, outcome.agent->bundle_size);
  fetched.agent = std::move(*outcome.agent);
  return fetched;
}

}  // namespace agentcast::app
