#include "sender.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <QtCore/QJsonArray>

#include "agentcast/agent/media_agent.h"
#include "agentcast/crypto/identity.h"
#include "agentcast/media/audio_source.h"
#include "agentcast/media/file_source.h"
#include "agentcast/media/frame_buffer.h"
#include "agentcast/media/h264_codec.h"
#include "agentcast/media/opus_codec.h"
#include "agentcast/media/packetizer.h"
#include "agentcast/media/video_source.h"
#include "agentcast/net/call_code.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/feedback.h"
#include "agentcast/net/tls_channel.h"
#include "agentcast/net/udp_socket.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;
using net::MediaKind;

constexpr std::size_t kCaptureQueueFrames = 2;  // capture → encoder: freshness first
constexpr std::size_t kSendQueueFrames = 64;    // encoders → network send
constexpr auto kHelloTimeout = 5s;

std::string mkdir_private(const std::string& dir) {
  ::mkdir(dir.c_str(), 0700);  // an existing directory is fine
  return dir;
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
    std::unique_ptr<net::TlsConnection> control;  // used by the control thread only
    net::Endpoint media;                          // empty until its probe arrives
    bool video_started = false;                   // video goes out from a keyframe on
    net::ReceiverReport report;
  };

  SenderOptions options;
  crypto::Identity identity;
  std::unique_ptr<net::TlsServer> control_server;
  std::unique_ptr<net::UdpSocket> udp;
  std::unique_ptr<agent::MediaAgent> agent;
  std::vector<net::StreamDescription> streams;

  std::unique_ptr<media::VideoSource> video_source;
  std::unique_ptr<media::FileSource> video_file;
  std::unique_ptr<media::AudioSource> audio_source;
  std::unique_ptr<media::FileSource> audio_file;
  std::unique_ptr<media::H264Encoder> video_encoder;
  std::unique_ptr<media::OpusAudioEncoder> audio_encoder;

  media::FrameBuffer<media::VideoFrame> capture_queue{kCaptureQueueFrames};
  media::FrameBuffer<media::EncodedFrame> send_queue{kSendQueueFrames};
  std::atomic<bool> keyframe_wanted{false};

  mutable std::mutex viewers_mutex;
  std::map<std::uint16_t, Viewer> viewers;  // by slot

  std::atomic<std::uint64_t> frames_captured{0}, frames_encoded{0}, audio_frames_encoded{0};
  std::atomic<std::uint64_t> packets_sent{0}, bytes_sent{0}, send_errors{0};
  std::atomic<std::uint64_t> video_frames_sent{0}, audio_frames_sent{0};
  std::atomic<std::uint64_t> viewers_refused{0}, keyframe_requests{0}, feedback_rejected{0};
  std::atomic<std::uint64_t> seeds_generated{0}, seeds_distributed{0};

  // Distributed seed mode: the seed each outgoing stream holds for its next epoch, so that
  // a viewer joining before that epoch starts can be given it too. Control thread only.
  struct PendingSeed {
    std::uint32_t epoch = 0;
    crypto::Secret seed;
  };
  std::map<std::uint16_t, PendingSeed> pending_seeds;  // by stream id

  explicit Impl(SenderOptions o)
      : options(std::move(o)),
        identity(crypto::Identity::load_or_create(
            options.identity_path.empty() ? default_identity_path() : options.identity_path)) {}

  bool has_video() const { return video_source || video_file; }
  bool has_audio() const { return audio_source || audio_file; }

  void open_sources();
  void start_session();
  void control_loop(std::stop_token stop);
  void admit(std::unique_ptr<net::TlsConnection> connection);
  std::vector<std::uint16_t> distribute_seeds();
  bool send_seed(net::TlsConnection& control, std::uint16_t stream_id, const PendingSeed& pending);
  void receive_loop(std::stop_token stop);
  void handle_feedback(std::uint16_t stream_id, const net::Feedback& feedback,
                       const net::Endpoint& from);
  void capture_video_loop(std::stop_token stop);
  void encode_video_loop(std::stop_token stop);
  void audio_loop(std::stop_token stop);
  void send_loop(std::stop_token stop);
  std::vector<net::Endpoint> endpoints_for(const media::EncodedFrame& frame);
};

void Sender::Impl::open_sources() {
  media::VideoSourceOptions video_options;
  video_options.width = options.width;
  video_options.height = options.height;
  video_options.fps = options.fps;
  video_options.seconds_per_image = options.seconds_per_image;
  const std::string& video = options.video;
  if (video.rfind("file:", 0) == 0) {
    media::FileSourceOptions file_options;
    file_options.loop = options.loop;
    file_options.width = options.width;
    file_options.height = options.height;
    video_file = media::FileSource::open(video.substr(5), file_options);
    if (!video_file->has_video()) throw std::runtime_error(video + ": the file has no video");
    if (!video_file->video_passthrough()) {
      options.fps = static_cast<int>(video_file->fps() > 0 ? video_file->fps() : options.fps);
    }
  } else if (video != "none") {
    video_source = media::open_video_source(video, video_options);
  }
  if (video_source || (video_file && !video_file->video_passthrough())) {
    media::H264EncoderSettings settings;
    settings.width = options.width;
    settings.height = options.height;
    settings.fps = options.fps;
    settings.bitrate_kbps = options.bitrate_kbps;
    settings.keyframe_interval = options.keyframe_interval;
    video_encoder = std::make_unique<media::H264Encoder>(settings);
  }

  const std::string& audio = options.audio;
  if (audio.rfind("file:", 0) == 0) {
    media::FileSourceOptions file_options;
    file_options.loop = options.loop;
    audio_file = media::FileSource::open(audio.substr(5), file_options);
    if (!audio_file->has_audio()) throw std::runtime_error(audio + ": the file has no audio");
  } else if (audio != "none") {
    audio_source = media::open_audio_source(audio);
  }
  if (has_audio()) audio_encoder = std::make_unique<media::OpusAudioEncoder>();
  if (!has_video() && !has_audio())
    throw std::invalid_argument("--video none --audio none: nothing to send");
}

void Sender::Impl::start_session() {
  agent::SessionParams params = agent::SessionParams::generate(options.insecure_reference_units);
  params.seed_mode = options.seeds;
  params.packets_per_epoch = options.packets_per_epoch;
  agent = std::make_unique<agent::MediaAgent>(params, agent::Role::kSender);
  if (has_video()) {
    agent->add_outgoing(net::kVideoStreamId, MediaKind::kVideo);
    net::StreamDescription video;
    video.id = net::kVideoStreamId;
    video.kind = MediaKind::kVideo;
    video.codec = "h264";
    video.width = options.width;
    video.height = options.height;
    video.fps = options.fps;
    if (video_file && video_file->video_passthrough()) {
      video.width = video_file->size().width;
      video.height = video_file->size().height;
      video.fps = static_cast<int>(video_file->fps() + 0.5);
    }
    streams.push_back(video);
  }
  if (has_audio()) {
    agent->add_outgoing(net::kAudioStreamId, MediaKind::kAudio);
    net::StreamDescription audio;
    audio.id = net::kAudioStreamId;
    audio.kind = MediaKind::kAudio;
    audio.codec = "opus";
    audio.sample_rate = media::kAudioSampleRate;
    audio.channels = media::kAudioChannels;
    streams.push_back(std::move(audio));
  }
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

void Sender::Impl::admit(std::unique_ptr<net::TlsConnection> connection) {
  auto refuse = [&](const std::string& reason) {
    viewers_refused.fetch_add(1);
    try {
      connection->send(net::encode_control(net::ByeMessage{reason}));
    } catch (const net::ControlError&) {
    }
    std::fprintf(stderr, "refused viewer %s: %s\n", connection->peer().c_str(), reason.c_str());
  };
  std::optional<std::vector<std::uint8_t>> bytes;
  try {
    bytes = connection->receive(kHelloTimeout, 4096);
  } catch (const net::ControlError& e) {
    return refuse(e.what());
  }
  if (!bytes) return refuse("no hello within 5 s");
  const net::DecodedControl decoded = net::decode_control(*bytes);
  const auto* hello = decoded.message ? std::get_if<net::HelloMessage>(&*decoded.message) : nullptr;
  if (hello == nullptr) return refuse("expected hello: " + decoded.error);
  if (hello->protocol != net::kControlProtocol) {
    return refuse("protocol " + std::to_string(hello->protocol) + " is not supported");
  }
  if (options.agent == "receive-only" && hello->agent == "full") {
    return refuse("this is a broadcast: only receive-only agents may join");
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
  // A fresh seed for this viewer's feedback stream: no viewer can read another's.
  agent::StreamJoinState feedback{0, crypto::Secret::random(crypto::kSeedSize)};
  net::SessionMessage session;
  session.session_id = agent->params().session_id;
  session.initial_seed = feedback.seed;
  session.units = agent->params().units;
  session.seed_mode = agent->params().seed_mode;
  session.packets_per_epoch = agent->params().packets_per_epoch;
  session.mtu = static_cast<std::uint32_t>(agent->mtu());
  session.viewer_slot = slot;
  session.streams = streams;
  for (auto& stream : session.streams) {
    agent::StreamJoinState state = agent->join_state(stream.id);
    stream.epoch = state.epoch;
    stream.seed = state.seed;
  }
  agent->add_incoming(net::feedback_stream_id(slot), MediaKind::kControl, &feedback);
  try {
    connection->send(net::encode_control(session));
  } catch (const net::ControlError& e) {
    agent->remove_incoming(net::feedback_stream_id(slot));
    return;
  }
  // A seed already handed to a stream was sent to the viewers there were; this viewer
  // needs it too, before the stream reaches that epoch. If the stream is there already,
  // the join state carried it, and the stream's following seed goes to every viewer.
  for (const auto& stream : session.streams) {
    auto pending = pending_seeds.find(stream.id);
    if (pending == pending_seeds.end() || pending->second.epoch != stream.epoch + 1) continue;
    if (!send_seed(*connection, stream.id, pending->second)) {
      agent->remove_incoming(net::feedback_stream_id(slot));
      return;
    }
  }
  Viewer viewer;
  viewer.slot = slot;
  viewer.name = hello->name;
  viewer.agent = hello->agent;
  viewer.address = connection->peer();
  viewer.control = std::move(connection);
  std::fprintf(stderr, "viewer %u joined: %s (%s, %s agent)\n", slot, viewer.name.c_str(),
               viewer.address.c_str(), viewer.agent.c_str());
  std::lock_guard lock(viewers_mutex);
  viewers.emplace(slot, std::move(viewer));
}

bool Sender::Impl::send_seed(net::TlsConnection& control, std::uint16_t stream_id,
                             const PendingSeed& pending) {
  try {
    control.send(net::encode_control(net::SeedMessage{stream_id, pending.epoch, pending.seed}));
  } catch (const net::ControlError&) {
    return false;
  }
  seeds_distributed.fetch_add(1, std::memory_order_relaxed);
  return true;
}

// The seed generating section (Fig. 15, 18). A stream may use its next epoch's seed only
// after packets_per_epoch more packets, so drawing it as soon as the previous one is taken
// puts it at every viewer a whole epoch ahead of use. Returns the viewers that could not
// be reached.
std::vector<std::uint16_t> Sender::Impl::distribute_seeds() {
  std::vector<std::uint16_t> unreachable;
  if (agent->params().seed_mode != net::SeedMode::kDistributed) return unreachable;
  for (const net::StreamDescription& stream : streams) {
    // Only this thread hands out seeds, and a stream cannot change epoch without one, so
    // the epoch owed stays owed until set_next_seed() below.
    const std::optional<std::uint32_t> epoch = agent->epoch_needing_seed(stream.id);
    if (!epoch) continue;
    PendingSeed pending{*epoch, crypto::Secret::random(crypto::kSeedSize)};
    seeds_generated.fetch_add(1, std::memory_order_relaxed);
    // The viewers first: a stream already past its quota changes epoch on its next packet.
    // The map is iterated without viewers_mutex: only this thread adds or removes viewers
    // or touches their control connections, and a blocking TLS write must not hold up the
    // send thread's endpoints_for().
    for (auto& [slot, viewer] : viewers) {
      if (std::find(unreachable.begin(), unreachable.end(), slot) != unreachable.end()) continue;
      if (!send_seed(*viewer.control, stream.id, pending)) unreachable.push_back(slot);
    }
    if (!agent->set_next_seed(stream.id, pending.epoch, pending.seed)) {
      std::fprintf(stderr, "stream %u refused the seed of epoch %u\n", stream.id, pending.epoch);
      continue;
    }
    pending_seeds[stream.id] = std::move(pending);
  }
  return unreachable;
}

void Sender::Impl::control_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::vector<std::uint16_t> gone = distribute_seeds();
    std::string error;
    if (auto connection = control_server->accept(100ms, &error)) {
      admit(std::move(connection));
    } else if (!error.empty()) {
      std::fprintf(stderr, "control: %s\n", error.c_str());
    }
    // A viewer whose control channel closes has left.
    {
      std::lock_guard lock(viewers_mutex);
      for (auto& [slot, viewer] : viewers) {
        if (std::find(gone.begin(), gone.end(), slot) != gone.end()) continue;
        try {
          while (auto message = viewer.control->receive(0ms, 4096)) {
            auto decoded = net::decode_control(*message);
            if (decoded.message && std::holds_alternative<net::ByeMessage>(*decoded.message)) {
              gone.push_back(slot);
              break;
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
    for (std::uint16_t slot : gone)
      agent->remove_incoming(net::feedback_stream_id(slot));
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
        viewer.media = from;     // where this viewer's media goes, now or after it moved
        keyframe_wanted = true;  // a joiner starts at a keyframe
      }
    } else if (std::holds_alternative<net::KeyframeRequest>(feedback)) {
      keyframe_requests.fetch_add(1);
      keyframe_wanted = true;
    } else if (const auto* report = std::get_if<net::ReceiverReport>(&feedback)) {
      viewer.report = *report;
    }
    return;
  }
}

void Sender::Impl::receive_loop(std::stop_token stop) {
  std::vector<std::uint8_t> datagram(net::kMaxMtu);
  std::vector<std::uint8_t> payload(net::kMaxMtu);
  while (!stop.stop_requested()) {
    const net::UdpReceive got = udp->receive(datagram, 100ms);
    if (got.status != net::UdpStatus::kOk) continue;
    const net::OpenResult opened = agent->open(crypto::Bytes(datagram.data(), got.size), payload);
    if (opened.status != net::OpenStatus::kOk) {
      feedback_rejected.fetch_add(1);
      continue;
    }
    if (auto feedback = net::decode_feedback(crypto::Bytes(payload.data(), opened.size))) {
      handle_feedback(opened.header.stream_id, *feedback, got.from);
    }
  }
}

void Sender::Impl::capture_video_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::optional<media::VideoFrame> frame =
        video_file ? video_file->next_raw_video() : video_source->next();
    if (!frame) break;
    frames_captured.fetch_add(1);
    capture_queue.push(std::move(*frame));
  }
  capture_queue.close();
}

void Sender::Impl::encode_video_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    if (video_file && video_file->video_passthrough()) {
      auto encoded = video_file->next_encoded_video();
      if (!encoded) break;
      frames_captured.fetch_add(1);
      frames_encoded.fetch_add(1);
      send_queue.push(std::move(*encoded));
      continue;
    }
    auto frame = capture_queue.pop_for(100ms, stop);
    if (!frame) {
      if (capture_queue.closed()) break;
      continue;
    }
    if (keyframe_wanted.exchange(false)) video_encoder->request_keyframe();
    for (auto& encoded : video_encoder->encode(*frame)) {
      frames_encoded.fetch_add(1);
      send_queue.push(std::move(encoded));
    }
  }
}

void Sender::Impl::audio_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    auto frame = audio_file ? audio_file->next_audio() : audio_source->next();
    if (!frame) break;
    if (auto encoded = audio_encoder->encode(*frame)) {
      audio_frames_encoded.fetch_add(1);
      send_queue.push(std::move(*encoded));
    }
  }
}

void Sender::Impl::send_loop(std::stop_token stop) {
  media::Packetizer packetizer(agent->max_payload());
  std::vector<std::uint8_t> packet(agent->mtu());
  std::uint64_t dropped_seen = 0;
  while (!stop.stop_requested()) {
    auto frame = send_queue.pop_for(100ms, stop);
    // A frame lost to backpressure breaks the picture's references: start again at a keyframe.
    if (const std::uint64_t dropped = send_queue.dropped(); dropped != dropped_seen) {
      dropped_seen = dropped;
      keyframe_wanted = true;
    }
    if (!frame) continue;
    const std::vector<net::Endpoint> endpoints = endpoints_for(*frame);
    if (endpoints.empty()) continue;  // nobody to send to yet
    const std::uint16_t stream =
        frame->codec == media::Codec::kH264 ? net::kVideoStreamId : net::kAudioStreamId;
    // Broadcast: each packet is sealed once and the same bytes go to every viewer.
    (frame->codec == media::Codec::kH264 ? video_frames_sent : audio_frames_sent).fetch_add(1);
    packetizer.fragment(*frame, [&](std::span<const std::uint8_t> fragment) {
      const net::SealResult sealed = agent->seal(stream, fragment, packet);
      if (sealed.status != net::SealStatus::kOk) {
        send_errors.fetch_add(1);
        return;
      }
      for (const net::Endpoint& to : endpoints) {
        if (udp->send_to(crypto::Bytes(packet.data(), sealed.size), to) == net::UdpStatus::kOk) {
          packets_sent.fetch_add(1, std::memory_order_relaxed);
          bytes_sent.fetch_add(sealed.size, std::memory_order_relaxed);
        } else {
          send_errors.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
}

Sender::Sender(SenderOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl& s = *impl_;
  if (s.options.max_viewers < 1 || s.options.max_viewers > 255) {
    throw std::invalid_argument("--max-viewers must be between 1 and 255");
  }
  if (s.options.agent != "full" && s.options.agent != "receive-only") {
    throw std::invalid_argument("--agent must be full or receive-only");
  }
  s.open_sources();
  s.start_session();
  const net::Endpoint listen = net::Endpoint::resolve(s.options.listen);
  s.control_server = std::make_unique<net::TlsServer>(s.identity, listen);
  // Media uses UDP on the same port number as the control channel.
  net::Endpoint media = listen;
  const net::Endpoint bound = s.control_server->local_endpoint();
  media.address = bound.address;
  s.udp = std::make_unique<net::UdpSocket>(media);
}

Sender::~Sender() = default;

std::string Sender::call_code() const {
  const net::Endpoint bound = impl_->control_server->local_endpoint();
  std::string host = bound.to_string();
  host = host.substr(0, host.rfind(':'));
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  return net::CallCode{host, bound.port(), impl_->identity.fingerprint()}.to_string();
}

std::string Sender::readable_fingerprint() const {
  return crypto::readable_fingerprint(impl_->identity.fingerprint());
}

void Sender::run(std::stop_token stop) {
  Impl& s = *impl_;
  {
    std::vector<std::jthread> threads;
    threads.emplace_back([&](std::stop_token t) { s.control_loop(t); });
    threads.emplace_back([&](std::stop_token t) { s.receive_loop(t); });
    threads.emplace_back([&](std::stop_token t) { s.send_loop(t); });
    if (s.video_source || (s.video_file && !s.video_file->video_passthrough())) {
      threads.emplace_back([&](std::stop_token t) { s.capture_video_loop(t); });
    }
    if (s.has_video()) threads.emplace_back([&](std::stop_token t) { s.encode_video_loop(t); });
    if (s.has_audio()) threads.emplace_back([&](std::stop_token t) { s.audio_loop(t); });
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    wake.wait(lock, stop, [] { return false; });
    for (auto& thread : threads)
      thread.request_stop();
    s.capture_queue.close();
    s.send_queue.close();
    if (s.video_file) s.video_file->interrupt();
    if (s.audio_file) s.audio_file->interrupt();
  }  // joins every thread
}

QJsonObject Sender::stats_json() const {
  const Impl& s = *impl_;
  QJsonObject stats;
  auto count = [](const std::atomic<std::uint64_t>& v) {
    return static_cast<qint64>(v.load(std::memory_order_relaxed));
  };
  stats["frames_captured"] = count(s.frames_captured);
  stats["frames_dropped_buffer"] = static_cast<qint64>(s.capture_queue.dropped());
  stats["frames_encoded"] = count(s.frames_encoded);
  stats["audio_frames_encoded"] = count(s.audio_frames_encoded);
  stats["video_frames_sent"] = count(s.video_frames_sent);
  stats["audio_frames_sent"] = count(s.audio_frames_sent);
  stats["send_queue_dropped"] = static_cast<qint64>(s.send_queue.dropped());
  stats["packets_sent"] = count(s.packets_sent);
  stats["bytes_sent"] = count(s.bytes_sent);
  stats["send_errors"] = count(s.send_errors);
  stats["keyframe_requests"] = count(s.keyframe_requests);
  stats["viewers_refused"] = count(s.viewers_refused);
  stats["seeds_generated"] = count(s.seeds_generated);
  stats["seeds_distributed"] = count(s.seeds_distributed);
  const agent::AgentStats agent_stats = s.agent->stats();
  std::uint64_t switches = 0, epochs = 0, sealed = 0, delayed = 0;
  for (const auto& [id, sending] : agent_stats.sending) {
    switches += sending.unit_switches;
    delayed += sending.epoch_changes_delayed;
    epochs = std::max(epochs, sending.epochs);
    sealed += sending.packets_sealed;
  }
  stats["packets_sealed"] = static_cast<qint64>(sealed);
  stats["unit_switches"] = static_cast<qint64>(switches);
  stats["epochs"] = static_cast<qint64>(epochs);
  stats["epoch_changes_delayed"] = static_cast<qint64>(delayed);
  QJsonArray viewers;
  {
    std::lock_guard lock(s.viewers_mutex);
    for (const auto& [slot, viewer] : s.viewers) {
      QJsonObject v;
      v["slot"] = slot;
      v["name"] = QString::fromStdString(viewer.name);
      v["address"] = QString::fromStdString(viewer.address);
      v["agent"] = QString::fromStdString(viewer.agent);
      v["packets_lost"] = static_cast<qint64>(viewer.report.packets_lost);
      v["latency_p50_ms"] = viewer.report.latency_p50_us / 1000.0;
      viewers.append(v);
    }
  }
  stats["viewers"] = viewers;
  return stats;
}

}  // namespace agentcast::app
