// The viewer's way into a call: connecting with backoff, the pinned TLS handshake, the
// agent (received, verified, loaded), the session it joins, and the instructions it posts
// for its own streams.
#include <cstdio>

#include "agentcast/agent/bundle.h"
#include "agentcast/crypto/join_proof.h"
#include "agentcast/crypto/selection.h"
#include "viewer_impl.h"

namespace agentcast::app {

using namespace std::chrono_literals;
using net::MediaKind;

void Viewer::Impl::connect(std::stop_token stop) {
  const auto gave_up = [] {
    return ViewerError(ViewerError::Kind::kConnect, "stopped before the session began");
  };
  const net::Endpoint sender = net::Endpoint::resolve(code.host, code.port);
  // Fig. 4B: the connecting side retries with backoff until the other agent answers.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.connect_timeout_ms);
  auto backoff = 50ms;
  progress(step_of(ViewerStep::kConnecting));
  std::mutex backoff_mutex;
  std::condition_variable_any backoff_wait;  // wakes early when the user gives up
  for (;;) {
    if (stop.stop_requested()) throw gave_up();
    try {
      control = net::tls_connect(sender, code.fingerprint, 5s,
                                 [this] { progress(step_of(ViewerStep::kVerifyingCertificate)); });
      break;
    } catch (const net::FingerprintMismatch& e) {
      throw ViewerError(ViewerError::Kind::kFingerprintMismatch, e.what());
    } catch (const net::ControlError& e) {
      if (std::chrono::steady_clock::now() + backoff >= deadline) {
        throw ViewerError(ViewerError::Kind::kConnect, e.what());
      }
      std::unique_lock lock(backoff_mutex);
      backoff_wait.wait_for(lock, stop, backoff, [] { return false; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
  }
  // From here on every wait is on the control channel: giving up closes it.
  std::stop_callback interrupt(stop, [this] { control->interrupt(); });
  try {
    join_session(sender);
  } catch (const std::exception&) {
    if (stop.stop_requested()) throw gave_up();
    throw;
  }
}

void Viewer::Impl::join_session(const net::Endpoint& sender) {
  // Where the sender actually answered (a call code may name 0.0.0.0 or a host name):
  // media and challenges from any other address are a stranger's.
  sender_media = control->peer_endpoint();
  if (sender_media.empty()) sender_media = sender;
  udp = std::make_unique<net::UdpSocket>(
      net::Endpoint::resolve(sender_media.address.ss_family == AF_INET6 ? "[::]:0" : "0.0.0.0:0"));
  const agent::AgentCache cache(options.agent_cache.empty() ? agent::AgentCache::default_directory()
                                                            : options.agent_cache);
  send_hello(cache);
  receive_agent(cache);
  agent_ready_us = media::now_us();
  join(await_session());
  ViewerProgress joined_step = step_of(ViewerStep::kWaitingForFirstFrame);
  joined_step.signer = crypto::readable_fingerprint(code.fingerprint);
  joined_step.agent_kind = std::string(agent::to_string(fetched->agent.manifest.kind));
  joined_step.from_cache = fetched->from_cache;
  joined_step.sending_back = back != nullptr;
  joined_progress = joined_step;
  progress(joined_step);
}

void Viewer::Impl::send_hello(const agent::AgentCache& cache) {
  net::HelloMessage hello;
  hello.name = options.name;
  hello.agent = options.agent.empty() ? "full" : options.agent;
  hello.platform = agent::this_platform();
  hello.abi = agent::kAgentAbiVersion;
  hello.cached = cache.hashes(net::kMaxCachedAgents);
  hello.media_port = udp->local_endpoint().port();
  hello.send_back = options.send_back;
  hello.send_back_if_call = options.send_back_if_call && !options.send_back;
  const crypto::JoinProof proof = crypto::join_proof(code.join_secret, control->channel_binding());
  hello.join_proof.assign(proof.begin(), proof.end());
  control->send(net::encode_control(hello));
}

void Viewer::Impl::receive_agent(const agent::AgentCache& cache) {
  agent::LoadPolicy policy;
  policy.trusted_signer = code.fingerprint;  // only the sender in the call code may sign it
  // Without --agent a viewer takes the agent the sender ships (a broadcast ships the
  // receive-only one); sending back needs a full one.
  if (options.send_back || options.agent == "full") policy.kind = agent::AgentKind::kFull;
  if (options.agent == "receive-only") policy.kind = agent::AgentKind::kReceiveOnly;
  policy.max_bundle_size = options.max_agent_bytes;
  // The loader accepts only bundles signed by the key the call code pins.
  const std::string signer = crypto::readable_fingerprint(code.fingerprint);
  auto on_agent = [&](AgentStep step, std::uint64_t done, std::uint64_t total) {
    if (step == AgentStep::kWaitingForHost) {
      ViewerProgress waiting = step_of(ViewerStep::kWaitingForHost);
      waiting.host_wait_ms = total;
      return progress(waiting);
    }
    ViewerProgress shown = step_of(ViewerStep::kReceivingAgent);
    shown.bytes_done = done;
    shown.bytes_total = total;
    if (step != AgentStep::kReceiving) shown.signer = signer;
    if (step == AgentStep::kVerifying) {
      shown.step = ViewerStep::kVerifyingAgent;
      shown.from_cache = total == 0;  // nothing was received
    } else if (step == AgentStep::kLoading) {
      shown.step = ViewerStep::kLoadingAgent;
    } else if (step == AgentStep::kReady) {
      return;  // the session parameters come next: waiting for the first frame
    }
    progress(shown);
  };
  try {
    fetched = fetch_agent(*control, policy, cache, 10s, on_agent);
  } catch (const SenderRefused& e) {
    throw ViewerError(ViewerError::Kind::kSenderRefused,
                      std::string("the sender refused: ") + e.what());
  } catch (const AgentRefused& e) {
    throw ViewerError(ViewerError::Kind::kAgentRefused,
                      std::string("refused the sender's agent: ") + e.what(), e.problem());
  } catch (const net::ControlError& e) {
    throw ViewerError(ViewerError::Kind::kProtocol,
                      std::string("the connection failed while the agent arrived: ") + e.what());
  }
}

// The session parameters follow AgentReady; instructions for the first blocks may come
// first and are kept for join().
net::SessionMessage Viewer::Impl::await_session() {
  for (int messages = 0;; ++messages) {
    auto reply = control->receive(10s, 64 * 1024);
    if (!reply) throw ViewerError(ViewerError::Kind::kProtocol, "the sender did not answer");
    net::DecodedControl decoded = net::decode_control(*reply);
    if (!decoded.message) {
      throw ViewerError(ViewerError::Kind::kProtocol,
                        "the sender's answer does not parse: " + decoded.error);
    }
    if (auto* bye = std::get_if<net::ByeMessage>(&*decoded.message)) {
      throw ViewerError(ViewerError::Kind::kSenderRefused, "the sender refused: " + bye->reason);
    }
    if (auto* posted = std::get_if<net::InstructionsMessage>(&*decoded.message);
        posted != nullptr && messages < 2 * static_cast<int>(net::kMaxStreams)) {
      early_instructions.push_back(std::move(*posted));
      continue;
    }
    auto* session = std::get_if<net::SessionMessage>(&*decoded.message);
    if (session == nullptr) {
      throw ViewerError(ViewerError::Kind::kProtocol, "expected the session parameters");
    }
    return std::move(*session);
  }
}

void Viewer::Impl::provide(const net::InstructionsMessage& message) {
  ViewerCounters::count(counters.instructions_received);
  if (!agent->provide_instructions(message.stream_id, message.block, message.runs)) {
    ViewerCounters::count(counters.instructions_refused);
  }
}

// Instructed selection (docs/PROTOCOL.md §11): this viewer is the sending section of its
// own streams to the sender (feedback, and what it sends back), so it posts their blocks
// to the sender as the sender does for its media: the first two at once, then each next
// one as soon as the stream enters the block before it.
void Viewer::Impl::post_own_instructions() {
  if (agent->params().select_mode != net::SelectMode::kInstructed || !agent->can_send()) return;
  std::vector<std::uint16_t> own{net::feedback_stream_id(slot)};
  if (back) {
    own.push_back(net::back_video_stream_id(slot));
    own.push_back(net::back_audio_stream_id(slot));
  }
  for (const std::uint16_t stream : own) {
    const std::optional<std::uint64_t> next = agent->next_sequence(stream);
    if (!next) continue;  // not a stream this viewer sends
    const std::uint64_t due = *next / crypto::kScheduleBlockPackets + 1;
    const auto [posted, fresh] = own_instructed_through.try_emplace(stream, 0);
    for (std::uint64_t block = fresh ? 0 : posted->second + 1; block <= due; ++block) {
      control->send(net::encode_control(
          net::InstructionsMessage{stream, block, agent->instructions(stream, block)}));
    }
    posted->second = std::max(posted->second, due);
  }
}

void Viewer::Impl::join(const net::SessionMessage& session) {
  if (session.params.units.reference_policy == crypto::ReferenceUnits::kAllowInsecure &&
      !options.insecure_reference_units) {
    throw ViewerError(ViewerError::Kind::kSessionRefused,
                      "the sender wants the insecure reference units; pass "
                      "--insecure-reference-units to accept them");
  }
  try {
    agent = std::make_unique<SessionAgent>(fetched->agent.library, session.params,
                                           agent::Role::kViewer);
  } catch (const agent::AgentError& e) {
    throw ViewerError(ViewerError::Kind::kAgentRefused, e.what(), AgentProblem::kBroken);
  }
  // "Send my camera if this is a call": the sender says whether it takes them.
  if (session.send_back && !back && agent->can_send()) open_back();
  if (session.send_back != (back != nullptr)) {
    throw ViewerError(ViewerError::Kind::kProtocol,
                      back ? "the sender does not take what this viewer would send back"
                           : "the sender expects media back that this viewer does not send");
  }
  slot = session.viewer_slot;
  // Every stream of this viewer's to the sender starts from the session's initial seed;
  // their stream ids (labels) give each its own keys. A receive-only agent has none.
  if (agent->can_send()) agent->add_outgoing(net::feedback_stream_id(slot), MediaKind::kControl);
  if (back) {
    back->assign_stream_ids(net::back_video_stream_id(slot), net::back_audio_stream_id(slot));
    back->add_streams(*agent);
    back_seeds = std::make_unique<SeedDistributor>(*agent, back->stream_ids());
  }
  for (const auto& stream : session.streams) {
    const agent::StreamJoinState start{stream.epoch, stream.seed, stream.first_sequence};
    agent->add_incoming(stream.id, stream.kind, &start);
    sender_streams.push_back(stream.id);
  }
  for (const auto& posted : early_instructions)
    provide(posted);
  early_instructions.clear();
  try {
    post_own_instructions();  // before any packet of its own can reach the sender
  } catch (const net::ControlError& e) {
    throw ViewerError(ViewerError::Kind::kProtocol,
                      std::string("the connection failed as the session began: ") + e.what());
  }
  incoming.set_units(session.params.units.units);
  incoming.open(session.streams);
  joined.store(true, std::memory_order_release);
}

}  // namespace agentcast::app
