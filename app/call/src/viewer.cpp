#include "agentcast/call/viewer.h"

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <QtCore/QJsonObject>

#include "agentcast/agent/bundle.h"
#include "agentcast/call/media_pipeline_in.h"
#include "agentcast/call/media_pipeline_out.h"
#include "agentcast/call/seed_distribution.h"
#include "agentcast/call/session_agent.h"
#include "agentcast/call/thread_name.h"
#include "agentcast/crypto/selection.h"
#include "agentcast/net/call_code.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/feedback.h"
#include "agentcast/net/path_challenge.h"
#include "agentcast/net/tls_channel.h"
#include "agentcast/net/udp_socket.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;
using net::MediaKind;

constexpr std::int64_t kProbeIntervalUs = 100'000;  // until media flows
constexpr std::int64_t kKeepaliveIntervalUs = 1'000'000;
constexpr std::int64_t kReportIntervalUs = 1'000'000;

ViewerProgress step_of(ViewerStep step) {
  ViewerProgress progress;
  progress.step = step;
  return progress;
}

}  // namespace

struct Viewer::Impl {
  ViewerOptions options;
  net::CallCode code;
  std::unique_ptr<net::TlsConnection> control;
  std::unique_ptr<SessionAgent> agent;
  std::unique_ptr<net::UdpSocket> udp;
  net::Endpoint sender_media;
  std::uint16_t slot = 0;

  IncomingMedia incoming;
  std::unique_ptr<OutgoingMedia> back;          // a two-way call: what goes to the sender
  std::unique_ptr<SeedDistributor> back_seeds;  // control thread
  // Instructed selection: the last block posted of each of its own streams to the sender.
  std::map<std::uint16_t, std::uint64_t> own_instructed_through;  // control thread
  std::atomic<bool> joined{false};                                // agent and back_seeds are set
  SeedIntake seeds;
  std::optional<FetchedAgent> fetched;
  std::int64_t start_us = media::now_us(), agent_ready_us = 0;
  std::vector<net::InstructionsMessage> early_instructions;  // before the session message
  std::atomic<std::uint64_t> instructions_received{0}, instructions_refused{0}, feedback_dropped{0},
      packets_from_strangers{0}, path_challenges_answered{0};
  // A receive-only agent cannot seal: its feedback waits here for the control thread.
  std::mutex feedback_mutex;
  std::deque<std::vector<std::uint8_t>> feedback_queue;
  mutable std::mutex text_mutex;
  std::string warnings, end_reason;
  std::function<void(const media::VideoFrame&)> frame_callback;
  std::atomic<bool> first_frame_reported{false};
  ViewerProgress joined_progress;  // written before the decode threads start
  bool ended_by_sender = false;    // guarded by text_mutex

  explicit Impl(ViewerOptions o)
      : options(std::move(o)),
        code(net::CallCode::parse(options.call_code)),
        incoming(IncomingMediaOptions{options.record_path, options.snapshot_path, options.audio_out,
                                      options.latency_ms, media::now_us()},
                 [this](const std::string& text) { warn(text); }) {
    if (options.send_back) open_back();
    incoming.on_frame([this](const media::VideoFrame& frame) {
      if (!first_frame_reported.exchange(true)) {
        ViewerProgress playing = joined_progress;
        playing.step = ViewerStep::kPlaying;
        progress(playing);
      }
      if (frame_callback) frame_callback(frame);
    });
  }

  void open_back() {
    back = std::make_unique<OutgoingMedia>(options.back);
    for (const std::string& warning : back->warnings())
      warn(warning);
  }

  void progress(ViewerProgress step) const {
    if (options.on_progress) options.on_progress(step);
  }

  // Reported once, when it happens, and kept for a user interface to show.
  void warn(const std::string& text) {
    std::fprintf(stderr, "%s\n", text.c_str());
    std::lock_guard lock(text_mutex);
    if (!warnings.empty()) warnings += "\n";
    warnings += text;
  }

  void connect(std::stop_token stop);
  void join_session(const net::Endpoint& sender);
  void provide(const net::InstructionsMessage& message);
  void post_own_instructions();
  void join(const net::SessionMessage& session);
  void send_feedback(const net::Feedback& feedback);
  void receive_loop(std::stop_token stop);
  void control_loop(std::stop_token stop);
};

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
  net::HelloMessage hello;
  hello.name = options.name;
  hello.agent = options.agent.empty() ? "full" : options.agent;
  hello.platform = agent::this_platform();
  hello.abi = agent::kAgentAbiVersion;
  hello.cached = cache.hashes(net::kMaxCachedAgents);
  hello.media_port = udp->local_endpoint().port();
  hello.send_back = options.send_back;
  hello.send_back_if_call = options.send_back_if_call && !options.send_back;
  control->send(net::encode_control(hello));

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
  agent_ready_us = media::now_us();

  // The session parameters follow AgentReady; instructions for the first blocks come first.
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
    join(*session);
    ViewerProgress joined_step = step_of(ViewerStep::kWaitingForFirstFrame);
    joined_step.signer = signer;
    joined_step.agent_kind = std::string(agent::to_string(fetched->agent.manifest.kind));
    joined_step.from_cache = fetched->from_cache;
    joined_step.sending_back = back != nullptr;
    joined_progress = joined_step;
    progress(joined_step);
    return;
  }
}

void Viewer::Impl::provide(const net::InstructionsMessage& message) {
  instructions_received.fetch_add(1, std::memory_order_relaxed);
  if (!agent->provide_instructions(message.stream_id, message.block, message.runs)) {
    instructions_refused.fetch_add(1, std::memory_order_relaxed);
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
    const agent::StreamJoinState start{stream.epoch, stream.seed};
    agent->add_incoming(stream.id, stream.kind, &start);
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

void Viewer::Impl::send_feedback(const net::Feedback& feedback) {
  std::vector<std::uint8_t> payload = net::encode_feedback(feedback);
  if (!agent->can_send()) {
    // The sender knows this viewer's media port from its hello: no probe is needed.
    if (std::holds_alternative<net::ProbeFeedback>(feedback)) return;
    std::lock_guard lock(feedback_mutex);
    if (feedback_queue.size() >= 16) {
      feedback_queue.pop_front();
      feedback_dropped.fetch_add(1, std::memory_order_relaxed);
    }
    feedback_queue.push_back(std::move(payload));
    return;
  }
  std::vector<std::uint8_t> packet(payload.size() + net::kPacketOverhead);
  const net::SealResult sealed = agent->seal(net::feedback_stream_id(slot), payload, packet);
  if (sealed.status == net::SealStatus::kOk) {
    udp->send_to(crypto::Bytes(packet.data(), sealed.size), sender_media);
  }
}

void Viewer::Impl::receive_loop(std::stop_token stop) {
  name_this_thread("ac-receive");
  std::vector<std::uint8_t> datagram(net::kMaxMtu);
  std::vector<std::uint8_t> payload(net::kMaxMtu);
  bool media_seen = false;
  std::int64_t next_probe = 0, next_report = media::now_us() + kReportIntervalUs;
  while (!stop.stop_requested()) {
    std::int64_t now = media::now_us();
    if (now >= next_probe) {
      send_feedback(net::ProbeFeedback{slot});
      next_probe = now + (media_seen ? kKeepaliveIntervalUs : kProbeIntervalUs);
    }
    // Wake for the next datagram or the jitter buffers' next deadline, whichever is first.
    std::int64_t wake = std::min(next_probe, now + 20'000);
    if (auto deadline = incoming.next_deadline_us()) wake = std::min(wake, *deadline);
    const auto timeout = std::chrono::milliseconds(std::max<std::int64_t>(0, (wake - now) / 1000));
    const net::UdpReceive got = udp->receive(datagram, timeout);
    now = media::now_us();
    const crypto::Bytes received(datagram.data(), got.size);
    if (got.status == net::UdpStatus::kOk && !(got.from == sender_media)) {
      // Only the sender sends media and challenges: a stranger's datagram never reaches
      // the agent, so it can neither fill the replay window nor cost a decryption.
      packets_from_strangers.fetch_add(1, std::memory_order_relaxed);
    } else if (got.status == net::UdpStatus::kOk) {
      if (const auto token = net::parse_path_challenge(received)) {
        // docs/PROTOCOL.md §12: the echo goes back sealed (or over the control channel).
        path_challenges_answered.fetch_add(1, std::memory_order_relaxed);
        send_feedback(net::PathResponse{*token});
      } else if (const net::OpenResult opened = agent->open(received, payload);
                 opened.status == net::OpenStatus::kOk) {
        media_seen = true;
        incoming.insert(opened.header, crypto::Bytes(payload.data(), opened.size), now);
      }
    }
    incoming.pump(now);
    if (incoming.poll_keyframe_request(now))
      send_feedback(net::KeyframeRequest{net::kVideoStreamId});
    if (now >= next_report) {
      next_report = now + kReportIntervalUs;
      send_feedback(incoming.publish(agent->stats()));
    }
  }
  incoming.publish(agent->stats());  // the final figures for the statistics file
}

void Viewer::Impl::control_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    // A two-way call in distributed seed mode: this viewer is the seed generating section
    // of its own back streams, exactly as the sender is of its media.
    if (back_seeds) {
      back_seeds->distribute(
          [&](const net::SeedMessage& seed) { back_seeds->send(*control, seed); });
    }
    std::optional<std::vector<std::uint8_t>> message;
    try {
      post_own_instructions();
      std::deque<std::vector<std::uint8_t>> feedback;
      {
        std::lock_guard lock(feedback_mutex);
        feedback.swap(feedback_queue);
      }
      for (auto& data : feedback)
        control->send(net::encode_control(net::FeedbackMessage{data}));
      // A receive-only viewer's keyframe requests wait in the queue for this loop.
      message = control->receive(agent->can_send() ? 100ms : 20ms, 64 * 1024);
    } catch (const net::ControlError& e) {
      std::lock_guard lock(text_mutex);
      end_reason = std::string("the control channel closed: ") + e.what();
      return;
    }
    if (!message) continue;
    net::DecodedControl decoded = net::decode_control(*message);
    if (!decoded.message) continue;
    if (auto* bye = std::get_if<net::ByeMessage>(&*decoded.message)) {
      std::lock_guard lock(text_mutex);
      end_reason = bye->reason;
      ended_by_sender = true;
      return;
    }
    if (auto* seed = std::get_if<net::SeedMessage>(&*decoded.message)) {
      seeds.provide(*agent, *seed);
    } else if (auto* posted = std::get_if<net::InstructionsMessage>(&*decoded.message)) {
      provide(*posted);
    }
  }
}

Viewer::Viewer(ViewerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Viewer::~Viewer() = default;

void Viewer::on_frame(std::function<void(const media::VideoFrame&)> callback) {
  impl_->frame_callback = std::move(callback);
}

void Viewer::set_volume(float volume) noexcept {
  impl_->incoming.set_volume(volume);
}

void Viewer::set_muted(bool muted) noexcept {
  impl_->incoming.set_muted(muted);
}

std::string_view to_string(ViewerStep step) noexcept {
  switch (step) {
    case ViewerStep::kConnecting:
      return "connecting";
    case ViewerStep::kVerifyingCertificate:
      return "verifying the sender's certificate";
    case ViewerStep::kReceivingAgent:
      return "receiving the agent";
    case ViewerStep::kVerifyingAgent:
      return "verifying the agent's signature";
    case ViewerStep::kLoadingAgent:
      return "loading the agent";
    case ViewerStep::kWaitingForFirstFrame:
      return "waiting for the first frame";
    case ViewerStep::kPlaying:
      return "playing";
  }
  return "unknown";
}

void Viewer::run(std::stop_token stop) {
  Impl& v = *impl_;
  v.connect(stop);
  {
    // The session ends when the caller stops or the sender leaves.
    std::stop_source session;
    std::stop_callback forward(stop, [&] { session.request_stop(); });
    v.incoming.start();
    std::jthread receiver([&](std::stop_token t) { v.receive_loop(t); });
    if (v.back) {
      v.back->start(*v.agent, *v.udp, [&v](const media::EncodedFrame&) {
        return std::vector<net::Endpoint>{v.sender_media};
      });
    }
    v.control_loop(session.get_token());
    // Nothing more goes back once the call is over, so that the sender's figures of what
    // was sent and what arrived agree.
    if (v.back) v.back->stop();
    if (!stop.stop_requested()) v.incoming.drain();  // the sender left: play out what is in flight
    receiver.request_stop();
    receiver.join();
    v.incoming.stop();
  }
  try {
    v.control->send(net::encode_control(net::ByeMessage{"viewer closed"}));
  } catch (const net::ControlError&) {
  }
  v.incoming.finish();
}

std::string Viewer::warnings() const {
  std::lock_guard lock(impl_->text_mutex);
  return impl_->warnings;
}

std::string Viewer::end_reason() const {
  std::lock_guard lock(impl_->text_mutex);
  return impl_->end_reason;
}

bool Viewer::ended_by_sender() const {
  std::lock_guard lock(impl_->text_mutex);
  return impl_->ended_by_sender;
}

QJsonObject Viewer::stats_json() const {
  const Impl& v = *impl_;
  QJsonObject stats;
  v.incoming.write_stats(stats);
  stats["seeds_received"] = static_cast<qint64>(v.seeds.received());
  stats["seeds_refused"] = static_cast<qint64>(v.seeds.refused());
  stats["instructions_received"] = static_cast<qint64>(v.instructions_received.load());
  stats["instructions_refused"] = static_cast<qint64>(v.instructions_refused.load());
  stats["feedback_dropped"] = static_cast<qint64>(v.feedback_dropped.load());
  stats["packets_from_strangers"] = static_cast<qint64>(v.packets_from_strangers.load());
  stats["path_challenges_answered"] = static_cast<qint64>(v.path_challenges_answered.load());
  // `fetched` is written before `joined` is set, by the thread that connects.
  if (v.joined.load(std::memory_order_acquire) && v.fetched) {
    QJsonObject agent_info;
    agent_info["kind"] =
        QString::fromStdString(std::string(agent::to_string(v.fetched->agent.manifest.kind)));
    agent_info["hash"] = QString::fromStdString(v.fetched->agent.content_hash);
    agent_info["bundle_bytes"] = static_cast<qint64>(v.fetched->agent.bundle_size);
    agent_info["from_cache"] = v.fetched->from_cache;
    agent_info["ready_ms"] = static_cast<double>(v.agent_ready_us - v.start_us) / 1000.0;
    stats["agent"] = agent_info;
  }
  if (v.back && v.joined.load(std::memory_order_acquire)) {
    QJsonObject back;
    v.back->write_stats(back, v.agent->stats());
    back["seeds_generated"] = static_cast<qint64>(v.back_seeds->generated());
    back["seeds_distributed"] = static_cast<qint64>(v.back_seeds->distributed());
    stats["send_back"] = back;
  }
  return stats;
}

}  // namespace agentcast::app
