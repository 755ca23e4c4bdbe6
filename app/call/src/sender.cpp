#include "agentcast/call/sender.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <QtCore/QJsonArray>

#include "agentcast/call/agent_handshake.h"
#include "agentcast/crypto/identity.h"
#include "agentcast/net/call_code.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/feedback.h"
#include "agentcast/net/tls_channel.h"
#include "agentcast/net/udp_socket.h"
#include "agentcast/call/media_pipeline_in.h"
#include "agentcast/call/media_pipeline_out.h"
#include "agentcast/call/seed_distribution.h"
#include "agentcast/call/session_agent.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;
using net::MediaKind;

constexpr auto kHelloTimeout = 5s;
constexpr auto kAgentReadyTimeout = 10s;  // a viewer verifies and loads the agent in this time
constexpr std::int64_t kKeyframeRequestGapUs = 80'000;
constexpr std::size_t kMaxGreeters = 16;  // viewers getting their agent at the same time
constexpr std::int64_t kBackPublishIntervalUs = 1'000'000;

// Creates `dir` and any missing parents (XDG_CONFIG_HOME may name one that does not exist
// yet); each directory created is 0700, existing ones are left as they are.
std::string mkdir_private(const std::string& dir) {
  for (std::size_t slash = dir.find('/', 1); slash != std::string::npos;
       slash = dir.find('/', slash + 1)) {
    ::mkdir(dir.substr(0, slash).c_str(), 0700);
  }
  ::mkdir(dir.c_str(), 0700);
  return dir;
}

// The back direction's files are opened only when a viewer sends back; a path that cannot
// be written is reported now, at start-up, instead.
void check_writable(const std::string& path, const std::string& option) {
  if (path.empty()) return;
  const bool existed = std::filesystem::exists(path);
  std::ofstream probe(path, std::ios::app);
  if (!probe) throw std::runtime_error(option + " " + path + ": cannot write the file");
  probe.close();
  if (!existed) std::filesystem::remove(path);
}

void check_audio_out(const std::string& spec) {
  if (spec == "none" || spec == "default" || spec.rfind("device:", 0) == 0) return;
  if (spec.rfind("wav:", 0) == 0) return check_writable(spec.substr(4), "--audio-out wav:");
  throw std::invalid_argument(
      "--audio-out must be default, none, wav:PATH or a device number, not '" + spec + "'");
}

}  // namespace

std::string default_identity_path() {
  std::string base;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = mkdir_private(std::string(home) + "/.config");
  } else {
    throw std::runtime_error("neither XDG_CONFIG_HOME nor HOME is set: pass --identity PATH");
  }
  return mkdir_private(base + "/agentcast") + "/identity.pem";
}

struct Sender::Impl {
  struct Viewer {
    std::uint16_t slot = 0;
    std::string name;
    std::string agent;
    std::string address;
    bool send_back = false;
    bool agent_transferred = false;               // false: it had the agent cached
    std::unique_ptr<net::TlsConnection> control;  // used by the control thread only
    net::Endpoint media;         // from its hello's media port or its probe; empty until known
    bool video_started = false;  // video goes out from a keyframe on
    net::ReceiverReport report;
  };

  // The viewer of a two-way call and what it sends back. One at a time: the back files
  // (--record-back, ...) are one call's.
  struct BackCall {
    BackCall(std::uint16_t viewer_slot, std::string viewer_name, IncomingMediaOptions sinks)
        : slot(viewer_slot),
          name(std::move(viewer_name)),
          media(std::move(sinks), [viewer_slot](const std::string& text) {
            std::fprintf(stderr, "viewer %u sending back: %s\n", viewer_slot, text.c_str());
          }) {}
    const std::uint16_t slot;
    const std::string name;
    IncomingMedia media;
    SeedIntake seeds;
  };

  SenderOptions options;
  crypto::Identity identity;
  agent::AgentShelf shelf;  // the signed bundles it ships
  agent::AgentCache cache;
  agent::LoadedAgent resident;  // its own full agent, loaded through the same loader
  std::map<std::uint16_t, std::uint64_t> instructed_through;  // stream → last block posted
  std::atomic<std::uint64_t> instruction_blocks_posted{0}, agents_transferred{0},
      agents_from_cache{0};
  std::unique_ptr<net::TlsServer> control_server;
  std::unique_ptr<net::UdpSocket> udp;
  std::unique_ptr<SessionAgent> agent;
  std::unique_ptr<SeedDistributor> seeds;  // control thread
  std::vector<net::StreamDescription> streams;
  std::unique_ptr<OutgoingMedia> outgoing;

  mutable std::mutex viewers_mutex;
  std::map<std::uint16_t, Viewer> viewers;  // by slot

  // Set and cleared by the control thread, used by the receive thread; `last_back` keeps
  // the figures of a call that ended for the statistics file.
  mutable std::mutex back_mutex;
  std::shared_ptr<BackCall> back, last_back;

  std::atomic<std::uint64_t> viewers_refused{0}, keyframe_requests{0}, feedback_rejected{0},
      keyframe_requests_coalesced{0};
  std::function<void(const media::VideoFrame&)> back_frame_callback;  // set before run()
  std::atomic<float> back_volume{1.0F};
  std::atomic<bool> back_muted{false};
  std::int64_t last_keyframe_request_us = 0;  // guarded by viewers_mutex
  struct Greeted {
    std::unique_ptr<net::TlsConnection> connection;
    net::HelloMessage hello;
    agent::AgentKind kind = agent::AgentKind::kFull;
    bool transferred = false;
    bool send_back = false;  // hello.send_back, or send_back_if_call in a call
  };
  // Viewers that have their agent, waiting for the control thread to admit them.
  std::mutex greeted_mutex;
  std::vector<Greeted> greeted;

  explicit Impl(SenderOptions o)
      : options(std::move(o)),
        identity(crypto::Identity::load_or_create(
            options.identity_path.empty() ? default_identity_path() : options.identity_path)),
        shelf(identity, agent::find_agent_directory(options.agent_dir)),
        cache(options.agent_cache.empty() ? agent::AgentCache::default_directory()
                                          : options.agent_cache),
        resident(load_resident_agent(shelf, identity, cache)) {}

  // Fig. 1's agent 14: the sender trusts its own agent only as far as the loader checks it.
  static agent::LoadedAgent load_resident_agent(const agent::AgentShelf& shelf,
                                                const crypto::Identity& identity,
                                                const agent::AgentCache& cache) {
    agent::LoadPolicy policy;
    policy.trusted_signer = identity.fingerprint();
    policy.kind = agent::AgentKind::kFull;
    agent::LoadOutcome outcome =
        agent::load_agent(shelf.get(agent::AgentKind::kFull).bundle, policy, cache);
    if (!outcome.agent) {
      throw std::runtime_error("the resident agent was refused: " + outcome.reason);
    }
    return std::move(*outcome.agent);
  }

  std::shared_ptr<BackCall> current_back() const {
    std::lock_guard lock(back_mutex);
    return back;
  }

  void start_session();
  void control_loop(std::stop_token stop);
  void refuse_viewer(net::TlsConnection& connection, const std::string& reason);
  void greet(std::unique_ptr<net::TlsConnection> connection);
  void admit(Greeted greeting);
  std::shared_ptr<BackCall> start_back_call(std::uint16_t slot, const std::string& name,
                                            const agent::StreamJoinState& start);
  void end_back_call();
  void take_back_seed(std::uint16_t slot, const net::SeedMessage& seed);
  std::vector<net::InstructionsMessage> instructions_from(std::uint64_t first_block_of_now);
  std::vector<std::uint16_t> post_instructions();
  std::vector<std::uint16_t> distribute_seeds();
  void receive_loop(std::stop_token stop);
  void handle_feedback(std::uint16_t stream_id, const net::Feedback& feedback,
                       const net::Endpoint& from);
  std::vector<net::Endpoint> endpoints_for(const media::EncodedFrame& frame);
};

void Sender::Impl::start_session() {
  agent::SessionParams params = agent::SessionParams::generate(options.insecure_reference_units);
  params.seed_mode = options.seeds;
  params.select_mode = options.select;
  params.packets_per_epoch = options.packets_per_epoch;
  agent = std::make_unique<SessionAgent>(resident.library, params, agent::Role::kSender);
  outgoing->add_streams(*agent);
  streams = outgoing->streams();
  seeds = std::make_unique<SeedDistributor>(*agent, outgoing->stream_ids());
}

// The viewers a frame goes to. A viewer's video starts at a keyframe: the frames before it
// could not be decoded anyway.
std::vector<net::Endpoint> Sender::Impl::endpoints_for(const media::EncodedFrame& frame) {
  std::vector<net::Endpoint> endpoints;
  std::lock_guard lock(viewers_mutex);
  for (auto& [slot, viewer] : viewers) {
    if (viewer.media.empty()) continue;
    if (frame.codec == media::Codec::kH264 && !viewer.video_started) {
      if (!frame.keyframe) continue;
      viewer.video_started = true;
    }
    endpoints.push_back(viewer.media);
  }
  return endpoints;
}

// The back streams begin where the viewer's feedback does, from the seed of its session
// message; their stream ids give them keys of their own.
std::shared_ptr<Sender::Impl::BackCall> Sender::Impl::start_back_call(
    std::uint16_t slot, const std::string& name, const agent::StreamJoinState& start) {
  auto call = std::make_shared<BackCall>(
      slot, name,
      IncomingMediaOptions{options.record_back_path, options.snapshot_back_path,
                           options.audio_out_back, options.latency_back_ms, 0});
  // The viewer does not say what size it sends: the recording takes it from the first
  // picture.
  net::StreamDescription video;
  video.id = net::back_video_stream_id(slot);
  video.kind = MediaKind::kVideo;
  video.codec = "h264";
  net::StreamDescription audio;
  audio.id = net::back_audio_stream_id(slot);
  audio.kind = MediaKind::kAudio;
  audio.codec = "opus";
  audio.sample_rate = media::kAudioSampleRate;
  audio.channels = media::kAudioChannels;
  call->media.open({video, audio});
  call->media.set_units(agent->params().units.units);
  if (back_frame_callback) call->media.on_frame(back_frame_callback);
  call->media.set_volume(back_volume.load());
  call->media.set_muted(back_muted.load());
  agent->add_incoming(video.id, MediaKind::kVideo, &start);
  agent->add_incoming(audio.id, MediaKind::kAudio, &start);
  call->media.start();
  return call;
}

void Sender::Impl::end_back_call() {
  std::shared_ptr<BackCall> call;
  {
    std::lock_guard lock(back_mutex);
    call = std::move(back);
    back.reset();
  }
  if (!call) return;
  call->media.publish(agent->stats());  // the final figures, while its streams are there
  agent->remove_incoming(net::back_video_stream_id(call->slot));
  agent->remove_incoming(net::back_audio_stream_id(call->slot));
  call->media.stop();
  call->media.finish();
}

// Refuses a viewer with a reason it is shown (and counts it).
void Sender::Impl::refuse_viewer(net::TlsConnection& connection, const std::string& reason) {
  viewers_refused.fetch_add(1);
  try {
    connection.send(net::encode_control(net::ByeMessage{reason}));
  } catch (const net::ControlError&) {
  }
  std::fprintf(stderr, "refused viewer %s: %s\n", connection.peer().c_str(), reason.c_str());
}

// The slow half of admitting a viewer, on a thread of its own so that a viewer that is
// slow to verify its agent (or never answers) holds up neither the others nor the seeds
// and instructions of the viewers already watching: the hello, then the agent (Fig. 4A:
// the viewer gets its agent and loads it before it learns anything of the session).
void Sender::Impl::greet(std::unique_ptr<net::TlsConnection> connection) {
  auto refuse = [&](const std::string& reason) { refuse_viewer(*connection, reason); };
  std::optional<std::vector<std::uint8_t>> bytes;
  try {
    bytes = connection->receive(kHelloTimeout, 4096);
  } catch (const net::ControlError& e) {
    return refuse(e.what());
  }
  if (!bytes) return refuse("no hello within 5 s");
  net::DecodedControl decoded = net::decode_control(*bytes);
  auto* hello = decoded.message ? std::get_if<net::HelloMessage>(&*decoded.message) : nullptr;
  if (hello == nullptr) return refuse("expected hello: " + decoded.error);
  if (hello->protocol != net::kControlProtocol) {
    return refuse("protocol " + std::to_string(hello->protocol) + " is not supported");
  }
  if (options.agent == "receive-only" && hello->send_back) {
    return refuse("this is a broadcast: viewers cannot send back");
  }
  if (hello->send_back && hello->agent != "full") {
    return refuse("a receive-only agent has no sending section: it cannot send back");
  }
  if (hello->send_back && current_back()) {
    return refuse("another viewer is sending back: one two-way call at a time");
  }
  // The viewer app's "send back if this is a call": a broadcast, or a call that already
  // has its two-way viewer, takes it as a plain viewer instead of turning it away.
  const bool send_back = hello->send_back || (hello->send_back_if_call && hello->agent == "full" &&
                                              options.agent != "receive-only" && !current_back());
  {
    std::lock_guard lock(viewers_mutex);
    if (static_cast<int>(viewers.size()) >= options.max_viewers) {
      return refuse("the sender is full (" + std::to_string(options.max_viewers) + " viewers)");
    }
  }
  const agent::AgentKind kind = options.agent == "receive-only" || hello->agent == "receive-only"
                                    ? agent::AgentKind::kReceiveOnly
                                    : agent::AgentKind::kFull;
  ServedAgent served;
  try {
    served = serve_agent(*connection, *hello, shelf, kind, kAgentReadyTimeout);
  } catch (const net::ControlError& e) {
    return refuse(std::string("the agent transfer failed: ") + e.what());
  }
  if (!served.ok) return refuse(served.reason);
  (served.transferred ? agents_transferred : agents_from_cache).fetch_add(1);
  std::lock_guard lock(greeted_mutex);
  greeted.push_back(
      {std::move(connection), std::move(*hello), kind, served.transferred, send_back});
}

// The quick half, on the control thread (which alone adds viewers and sends seeds and
// instructions, so that a joiner misses none of them).
void Sender::Impl::admit(Greeted greeting) {
  std::unique_ptr<net::TlsConnection> connection = std::move(greeting.connection);
  const net::HelloMessage* hello = &greeting.hello;
  const agent::AgentKind kind = greeting.kind;
  auto refuse = [&](const std::string& reason) { refuse_viewer(*connection, reason); };
  bool send_back = greeting.send_back;
  if (send_back && current_back()) {
    if (hello->send_back) {
      return refuse("another viewer is sending back: one two-way call at a time");
    }
    send_back = false;  // it only asked "if this is a call"
  }
  std::uint16_t slot = 0;
  {
    std::lock_guard lock(viewers_mutex);
    if (static_cast<int>(viewers.size()) >= options.max_viewers) {
      return refuse("the sender is full (" + std::to_string(options.max_viewers) + " viewers)");
    }
    while (viewers.count(slot) != 0)
      ++slot;
  }
  const bool viewer_can_seal = kind == agent::AgentKind::kFull;

  // A fresh seed for this viewer's streams to the sender: no viewer can read another's.
  agent::StreamJoinState feedback{0, crypto::Secret::random(crypto::kSeedSize)};
  net::SessionMessage session;
  session.params = agent->params();
  session.params.initial_seed = feedback.seed;
  session.viewer_slot = slot;
  session.streams = streams;
  session.send_back = send_back;
  for (auto& stream : session.streams) {
    agent::StreamJoinState state = agent->join_state(stream.id);
    stream.epoch = state.epoch;
    stream.seed = state.seed;
  }
  std::shared_ptr<BackCall> call;
  if (send_back) {
    try {
      call = start_back_call(slot, hello->name, feedback);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cannot receive what viewer %u sends back: %s\n", slot, e.what());
      agent->remove_incoming(net::back_video_stream_id(slot));
      agent->remove_incoming(net::back_audio_stream_id(slot));
      return refuse("the sender cannot take what is sent back");
    }
  }
  auto forget = [&] {
    agent->remove_incoming(net::feedback_stream_id(slot));
    if (call) {
      agent->remove_incoming(net::back_video_stream_id(slot));
      agent->remove_incoming(net::back_audio_stream_id(slot));
      call->media.stop();
    }
  };
  if (viewer_can_seal) {
    agent->add_incoming(net::feedback_stream_id(slot), MediaKind::kControl, &feedback);
  }
  try {
    // Instructed selection: the current block's units and the next, before any packet the
    // viewer could receive.
    for (const auto& message : instructions_from(0)) {
      connection->send(net::encode_control(message));
    }
    connection->send(net::encode_control(session));
  } catch (const net::ControlError&) {
    return forget();
  }
  // A seed already handed to a stream was sent to the viewers there were; this viewer
  // needs it too, before the stream reaches that epoch. If the stream is there already,
  // the join state carried it, and the stream's following seed goes to every viewer.
  for (const auto& stream : session.streams) {
    const net::SeedMessage* pending = seeds->pending(stream.id, stream.epoch + 1);
    if (pending != nullptr && !seeds->send(*connection, *pending)) return forget();
  }
  Viewer viewer;
  viewer.slot = slot;
  viewer.name = hello->name;
  viewer.agent = std::string(agent::to_string(kind));
  viewer.agent_transferred = greeting.transferred;
  viewer.address = connection->peer();
  if (!viewer_can_seal || hello->media_port != 0) {
    // A receive-only agent cannot seal a probe: its hello says where media go.
    viewer.media = connection->peer_endpoint().with_port(hello->media_port);
  }
  viewer.send_back = send_back;
  viewer.control = std::move(connection);
  std::fprintf(stderr, "viewer %u joined: %s (%s, %s agent %s%s)\n", slot, viewer.name.c_str(),
               viewer.address.c_str(), viewer.agent.c_str(),
               greeting.transferred ? "sent" : "cached", viewer.send_back ? ", sending back" : "");
  const bool media_known = !viewer.media.empty();
  {
    std::lock_guard lock(viewers_mutex);
    viewers.emplace(slot, std::move(viewer));
  }
  if (media_known) outgoing->request_keyframe();  // a joiner starts at a keyframe
  if (call) {
    std::lock_guard lock(back_mutex);
    back = call;
    last_back = call;
  }
}

// The seed generating section of the sender's media (Fig. 15, 18). Returns the viewers
// that could not be reached.
std::vector<std::uint16_t> Sender::Impl::distribute_seeds() {
  std::vector<std::uint16_t> unreachable;
  seeds->distribute([&](const net::SeedMessage& seed) {
    // The map is iterated without viewers_mutex: only this thread adds or removes viewers
    // or touches their control connections, and a blocking TLS write must not hold up the
    // send thread's endpoints_for().
    for (auto& [slot, viewer] : viewers) {
      if (std::find(unreachable.begin(), unreachable.end(), slot) != unreachable.end()) continue;
      if (!seeds->send(*viewer.control, seed)) unreachable.push_back(slot);
    }
  });
  return unreachable;
}

// A viewer that sends back generates its own streams' seeds (distributed mode). It may
// name only those streams: any other would be another viewer's, or the sender's own.
void Sender::Impl::take_back_seed(std::uint16_t slot, const net::SeedMessage& seed) {
  const std::shared_ptr<BackCall> call = current_back();
  if (!call || call->slot != slot) return;
  const bool own = seed.stream_id == net::back_video_stream_id(slot) ||
                   seed.stream_id == net::back_audio_stream_id(slot);
  call->seeds.provide(*agent, seed, own);
}

// Instructed selection (Fig. 5): the messages that give a viewer the units of each stream
// from its current block through the next one, starting no lower than `first_block`.
std::vector<net::InstructionsMessage> Sender::Impl::instructions_from(std::uint64_t first_block) {
  std::vector<net::InstructionsMessage> messages;
  if (agent->params().select_mode != net::SelectMode::kInstructed) return messages;
  for (const auto& stream : streams) {
    const std::uint64_t current =
        agent->next_sequence(stream.id).value_or(0) / crypto::kScheduleBlockPackets;
    for (std::uint64_t block = std::max(current, first_block); block <= current + 1; ++block) {
      messages.push_back({stream.id, block, agent->instructions(stream.id, block)});
    }
  }
  return messages;
}

// Posts each stream's next block once the stream has begun the one before it, to every
// viewer. Returns the viewers that could not be reached.
std::vector<std::uint16_t> Sender::Impl::post_instructions() {
  std::vector<std::uint16_t> unreachable;
  if (agent->params().select_mode != net::SelectMode::kInstructed) return unreachable;
  for (const auto& stream : streams) {
    const std::uint64_t due =
        agent->next_sequence(stream.id).value_or(0) / crypto::kScheduleBlockPackets + 1;
    const auto posted = instructed_through.try_emplace(stream.id, 1).first;  // admit sent 0, 1
    for (std::uint64_t block = posted->second + 1; block <= due; ++block) {
      const net::InstructionsMessage message{stream.id, block,
                                             agent->instructions(stream.id, block)};
      const std::vector<std::uint8_t> bytes = net::encode_control(message);
      for (auto& [slot, viewer] : viewers) {
        try {
          viewer.control->send(bytes);
        } catch (const net::ControlError&) {
          unreachable.push_back(slot);
        }
      }
      posted->second = block;
      instruction_blocks_posted.fetch_add(1);
    }
  }
  return unreachable;
}

void Sender::Impl::control_loop(std::stop_token stop) {
  std::vector<std::pair<std::uint16_t, net::Feedback>> pending_feedback;
  struct Greeter {
    std::jthread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Greeter> greeters;  // joined when they finish, or when the loop ends
  while (!stop.stop_requested()) {
    std::vector<std::uint16_t> gone = distribute_seeds();
    for (std::uint16_t slot : post_instructions()) {
      if (std::find(gone.begin(), gone.end(), slot) == gone.end()) gone.push_back(slot);
    }
    std::string error;
    if (auto connection = control_server->accept(greeters.empty() ? 100ms : 20ms, &error)) {
      if (greeters.size() >= kMaxGreeters) {
        refuse_viewer(*connection, "too many viewers are joining at once: try again");
      } else {
        auto done = std::make_shared<std::atomic<bool>>(false);
        greeters.push_back({std::jthread([this, done, c = std::move(connection)]() mutable {
                              greet(std::move(c));
                              done->store(true);
                            }),
                            done});
      }
    } else if (!error.empty()) {
      std::fprintf(stderr, "control: %s\n", error.c_str());
    }
    std::erase_if(greeters, [](Greeter& g) { return g.done->load(); });
    std::vector<Greeted> ready;
    {
      std::lock_guard lock(greeted_mutex);
      ready.swap(greeted);
    }
    for (Greeted& greeting : ready)
      admit(std::move(greeting));
    // A viewer whose control channel closes has left.
    {
      std::lock_guard lock(viewers_mutex);
      for (auto& [slot, viewer] : viewers) {
        if (std::find(gone.begin(), gone.end(), slot) != gone.end()) continue;
        try {
          while (auto message = viewer.control->receive(0ms, 4096)) {
            auto decoded = net::decode_control(*message);
            if (!decoded.message) continue;
            if (std::holds_alternative<net::ByeMessage>(*decoded.message)) {
              gone.push_back(slot);
              break;
            }
            if (const auto* seed = std::get_if<net::SeedMessage>(&*decoded.message)) {
              take_back_seed(slot, *seed);
            } else if (const auto* fed = std::get_if<net::FeedbackMessage>(&*decoded.message)) {
              // A receive-only viewer's feedback, over the control channel.
              if (auto feedback = net::decode_feedback(fed->data)) {
                pending_feedback.emplace_back(slot, std::move(*feedback));
              }
            }
          }
        } catch (const net::ControlError&) {
          gone.push_back(slot);
        }
      }
      for (std::uint16_t slot : gone) {
        std::fprintf(stderr, "viewer %u left\n", slot);
        viewers.erase(slot);
      }
    }
    for (const auto& [slot, feedback] : pending_feedback) {
      if (!std::holds_alternative<net::ProbeFeedback>(feedback)) {
        handle_feedback(net::feedback_stream_id(slot), feedback, net::Endpoint{});
      }
    }
    pending_feedback.clear();
    for (std::uint16_t slot : gone) {
      agent->remove_incoming(net::feedback_stream_id(slot));
      if (const auto call = current_back(); call && call->slot == slot) end_back_call();
    }
  }
  std::lock_guard lock(viewers_mutex);
  for (auto& [slot, viewer] : viewers) {
    try {
      viewer.control->send(net::encode_control(net::ByeMessage{"the sender stopped"}));
    } catch (const net::ControlError&) {
    }
  }
}

void Sender::Impl::handle_feedback(std::uint16_t stream_id, const net::Feedback& feedback,
                                   const net::Endpoint& from) {
  std::lock_guard lock(viewers_mutex);
  for (auto& [slot, viewer] : viewers) {
    if (net::feedback_stream_id(slot) != stream_id) continue;
    if (const auto* probe = std::get_if<net::ProbeFeedback>(&feedback)) {
      if (probe->viewer_slot != slot) return;
      if (!(viewer.media == from)) {
        viewer.media = from;           // where this viewer's media goes, now or after it moved
        outgoing->request_keyframe();  // a joiner starts at a keyframe
      }
    } else if (std::holds_alternative<net::KeyframeRequest>(feedback)) {
      keyframe_requests.fetch_add(1);
      // One keyframe answers every viewer that lost one: requests that arrive within 80 ms
      // of the last forced keyframe are folded into it, so viewers (struggling or hostile)
      // cannot force more than about 12 a second. A viewer repeats its request every
      // 100 ms while it still needs one, so a lost keyframe is asked for again in time.
      const std::int64_t now = media::now_us();
      if (now - last_keyframe_request_us >= kKeyframeRequestGapUs) {
        last_keyframe_request_us = now;
        outgoing->request_keyframe();
      } else {
        keyframe_requests_coalesced.fetch_add(1);
      }
    } else if (const auto* report = std::get_if<net::ReceiverReport>(&feedback)) {
      viewer.report = *report;
    }
    return;
  }
}

// Viewers' feedback and, in a two-way call, what one of them sends back: both arrive on
// the media socket.
void Sender::Impl::receive_loop(std::stop_token stop) {
  std::vector<std::uint8_t> datagram(net::kMaxMtu);
  std::vector<std::uint8_t> payload(net::kMaxMtu);
  std::int64_t next_publish = media::now_us() + kBackPublishIntervalUs;
  std::shared_ptr<BackCall> call;
  while (!stop.stop_requested()) {
    call = current_back();
    std::int64_t now = media::now_us();
    std::int64_t wake = now + 100'000;
    if (call) {
      if (auto deadline = call->media.next_deadline_us()) wake = std::min(wake, *deadline);
    }
    const auto timeout = std::chrono::milliseconds(std::max<std::int64_t>(0, (wake - now) / 1000));
    const net::UdpReceive got = udp->receive(datagram, timeout);
    now = media::now_us();
    if (got.status == net::UdpStatus::kOk) {
      const net::OpenResult opened = agent->open(crypto::Bytes(datagram.data(), got.size), payload);
      const crypto::Bytes plain(payload.data(), opened.size);
      if (opened.status != net::OpenStatus::kOk) {
        feedback_rejected.fetch_add(1);
      } else if (opened.header.kind == MediaKind::kControl) {
        if (auto feedback = net::decode_feedback(plain)) {
          handle_feedback(opened.header.stream_id, *feedback, got.from);
        }
      } else if (call && call->media.carries(opened.header.stream_id)) {
        call->media.insert(opened.header, plain, now);
      }
    }
    if (!call) continue;
    // The back direction has no way to ask the viewer for a keyframe: its encoder sends
    // one every second instead (commands.cpp), which bounds a freeze after a loss.
    call->media.pump(now);
    if (now >= next_publish) {
      next_publish = now + kBackPublishIntervalUs;
      call->media.publish(agent->stats());
    }
  }
  if (call) call->media.publish(agent->stats());
}

Sender::Sender(SenderOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl& s = *impl_;
  if (s.options.max_viewers < 1 || s.options.max_viewers > 255) {
    throw std::invalid_argument("--max-viewers must be between 1 and 255");
  }
  if (s.options.agent != "full" && s.options.agent != "receive-only") {
    throw std::invalid_argument("--agent must be full or receive-only");
  }
  check_writable(s.options.record_back_path, "--record-back");
  check_writable(s.options.snapshot_back_path, "--snapshot-back");
  check_audio_out(s.options.audio_out_back);
  s.outgoing = std::make_unique<OutgoingMedia>(s.options.media);
  s.start_session();
  const net::Endpoint listen = net::Endpoint::resolve(s.options.listen);
  s.control_server = std::make_unique<net::TlsServer>(s.identity, listen);
  // Media uses UDP on the same port number as the control channel.
  net::Endpoint media = listen;
  const net::Endpoint bound = s.control_server->local_endpoint();
  media.address = bound.address;
  s.udp = std::make_unique<net::UdpSocket>(media);
}

Sender::~Sender() {
  // The pipelines' threads use the agent and the socket: they go first.
  impl_->end_back_call();
  impl_->outgoing.reset();
}

std::string Sender::call_code() const {
  const net::Endpoint bound = impl_->control_server->local_endpoint();
  std::string host = bound.to_string();
  host = host.substr(0, host.rfind(':'));
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  return net::CallCode{host, bound.port(), impl_->identity.fingerprint()}.to_string();
}

void Sender::on_preview(std::function<void(const media::VideoFrame&)> callback) {
  impl_->outgoing->on_preview(std::move(callback));
}

void Sender::on_back_frame(std::function<void(const media::VideoFrame&)> callback) {
  impl_->back_frame_callback = std::move(callback);
}

void Sender::set_back_volume(float volume) {
  impl_->back_volume.store(std::clamp(volume, 0.0F, 1.0F));
  if (const auto call = impl_->current_back()) call->media.set_volume(volume);
}

void Sender::set_back_muted(bool muted) {
  impl_->back_muted.store(muted);
  if (const auto call = impl_->current_back()) call->media.set_muted(muted);
}

std::string Sender::readable_fingerprint() const {
  return crypto::readable_fingerprint(impl_->identity.fingerprint());
}

void Sender::run(std::stop_token stop) {
  Impl& s = *impl_;
  std::jthread control([&](std::stop_token t) { s.control_loop(t); });
  std::jthread receiver([&](std::stop_token t) { s.receive_loop(t); });
  s.outgoing->start(*s.agent, *s.udp,
                    [&s](const media::EncodedFrame& frame) { return s.endpoints_for(frame); });
  {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    wake.wait(lock, stop, [] { return false; });
  }
  // In this order: nothing more goes out, the viewers are told (and a viewer that sends
  // back stops), what it sent is still in flight is played out, then the rest stops.
  s.outgoing->stop();
  control.request_stop();
  control.join();
  if (const auto call = s.current_back()) call->media.drain();
  receiver.request_stop();
  receiver.join();
  s.end_back_call();
}

QJsonObject Sender::stats_json() const {
  const Impl& s = *impl_;
  QJsonObject stats;
  auto count = [](const std::atomic<std::uint64_t>& v) {
    return static_cast<qint64>(v.load(std::memory_order_relaxed));
  };
  s.outgoing->write_stats(stats, s.agent->stats());
  stats["keyframe_requests"] = count(s.keyframe_requests);
  stats["keyframe_requests_coalesced"] = count(s.keyframe_requests_coalesced);
  stats["viewers_refused"] = count(s.viewers_refused);
  stats["seeds_generated"] = static_cast<qint64>(s.seeds->generated());
  stats["seeds_distributed"] = static_cast<qint64>(s.seeds->distributed());
  stats["select_mode"] =
      s.options.select == net::SelectMode::kInstructed ? "instructed" : "synchronized";
  stats["instruction_blocks_posted"] = count(s.instruction_blocks_posted);
  QJsonObject resident;
  resident["hash"] = QString::fromStdString(s.resident.content_hash);
  resident["bundle_bytes"] = static_cast<qint64>(s.resident.bundle_size);
  resident["receive_only_bundle_bytes"] =
      static_cast<qint64>(s.shelf.get(agent::AgentKind::kReceiveOnly).bundle.size());
  resident["name"] = QString::fromStdString(s.resident.manifest.name);
  stats["agent"] = resident;
  stats["agents_transferred"] = count(s.agents_transferred);
  stats["agents_from_cache"] = count(s.agents_from_cache);
  QJsonArray viewers;
  {
    std::lock_guard lock(s.viewers_mutex);
    for (const auto& [slot, viewer] : s.viewers) {
      QJsonObject v;
      v["slot"] = slot;
      v["name"] = QString::fromStdString(viewer.name);
      v["address"] = QString::fromStdString(viewer.address);
      v["agent"] = QString::fromStdString(viewer.agent);
      v["agent_transferred"] = viewer.agent_transferred;
      v["send_back"] = viewer.send_back;
      v["packets_lost"] = static_cast<qint64>(viewer.report.packets_lost);
      v["latency_p50_ms"] = viewer.report.latency_p50_us / 1000.0;
      viewers.append(v);
    }
  }
  stats["viewers"] = viewers;
  std::shared_ptr<Impl::BackCall> call;
  {
    std::lock_guard lock(s.back_mutex);
    call = s.last_back;
  }
  if (call) {
    QJsonObject back;
    call->media.write_stats(back);
    back["slot"] = call->slot;
    back["name"] = QString::fromStdString(call->name);
    back["seeds_received"] = static_cast<qint64>(call->seeds.received());
    back["seeds_refused"] = static_cast<qint64>(call->seeds.refused());
    stats["back"] = back;
  }
  return stats;
}

}  // namespace agentcast::app
