#include "viewer.h"

#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include <QtCore/QJsonObject>

#include "agentcast/agent/media_agent.h"
#include "agentcast/media/audio_output.h"
#include "agentcast/media/frame_buffer.h"
#include "agentcast/media/h264_codec.h"
#include "agentcast/media/jitter_buffer.h"
#include "agentcast/media/opus_codec.h"
#include "agentcast/media/recorder.h"
#include "agentcast/media/snapshot.h"
#include "agentcast/net/call_code.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/feedback.h"
#include "agentcast/net/tls_channel.h"
#include "agentcast/net/udp_socket.h"
#include "latency.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;
using net::MediaKind;

constexpr std::size_t kDecodeQueueFrames = 32;
constexpr std::int64_t kProbeIntervalUs = 100'000;  // until media flows
constexpr std::int64_t kKeepaliveIntervalUs = 1'000'000;
constexpr std::int64_t kReportIntervalUs = 1'000'000;
constexpr std::uint64_t kMaxConcealedFrames = 10;  // 200 ms: beyond that, silence is honest

// Loss accounting of one incoming stream, kept by the receive thread.
struct SequenceTracker {
  std::optional<std::uint64_t> first;
  std::uint64_t highest = 0;
  void saw(std::uint64_t sequence) {
    if (!first || sequence < *first) first = sequence;
    highest = std::max(highest, sequence);
  }
  std::uint64_t expected() const { return first ? highest - *first + 1 : 0; }
};

}  // namespace

struct Viewer::Impl {
  ViewerOptions options;
  net::CallCode code;
  std::unique_ptr<net::TlsConnection> control;
  std::unique_ptr<agent::MediaAgent> agent;
  std::unique_ptr<net::UdpSocket> udp;
  net::Endpoint sender_media;
  std::uint16_t slot = 0;
  bool has_video = false, has_audio = false;
  net::StreamDescription video_stream;

  media::JitterBuffer video_jitter, audio_jitter;
  media::FrameBuffer<media::EncodedFrame> video_queue{kDecodeQueueFrames};
  media::FrameBuffer<media::ReleasedFrame> audio_queue{kDecodeQueueFrames};
  std::unique_ptr<media::AudioSink> audio_sink;
  std::mutex recorder_mutex;
  std::unique_ptr<media::Recorder> recorder;
  media::LatestFrame latest;
  std::function<void(const media::VideoFrame&)> frame_callback;

  std::int64_t started_us = media::now_us();
  std::atomic<std::int64_t> first_frame_us{0};
  std::atomic<std::uint64_t> frames_decoded{0}, audio_frames_played{0}, keyframe_requests{0};
  std::atomic<std::uint64_t> audio_frames_concealed{0};
  std::atomic<std::uint64_t> seeds_received{0}, seeds_refused{0};
  std::atomic<std::int64_t> last_packet_us{0};
  std::atomic<std::size_t> frames_in_jitter_buffers{0};  // published by the receive thread
  std::int64_t last_frame_us = 0;                        // video thread
  std::int64_t longest_video_gap_us = 0;  // between decoded frames, guarded by stats_mutex
  mutable std::mutex stats_mutex;         // guards what the receive and decode threads publish
  LatencyRecorder latency;
  agent::AgentStats agent_stats;
  std::uint64_t packets_expected = 0;
  media::JitterStats video_jitter_stats, audio_jitter_stats;
  media::H264DecoderStats decoder_stats;
  mutable std::mutex text_mutex;
  std::string warnings, end_reason;

  explicit Impl(ViewerOptions o)
      : options(std::move(o)),
        code(net::CallCode::parse(options.call_code)),
        video_jitter(jitter_config()),
        audio_jitter(jitter_config()) {}

  media::JitterConfig jitter_config() const {
    media::JitterConfig config;
    config.latency_us = std::int64_t{options.latency_ms} * 1000;
    return config;
  }

  // Reported once, when it happens, and kept for a user interface to show.
  void warn(const std::string& text) {
    std::fprintf(stderr, "%s\n", text.c_str());
    std::lock_guard lock(text_mutex);
    if (!warnings.empty()) warnings += "\n";
    warnings += text;
  }

  void connect();
  void join(const net::SessionMessage& session);
  void send_feedback(const net::Feedback& feedback);
  void receive_loop(std::stop_token stop);
  net::ReceiverReport publish_stats(const std::map<std::uint16_t, SequenceTracker>& sequences);
  void video_loop(std::stop_token stop);
  void audio_loop(std::stop_token stop);
  void control_loop(std::stop_token stop);
  void drain();
};

// The sender said goodbye: let what is still in flight arrive and play out, until the
// network has been quiet for a moment and the queues are empty, or a second has passed.
void Viewer::Impl::drain() {
  const std::int64_t give_up = media::now_us() + 1'000'000;
  const std::int64_t quiet_us = 200'000 + std::int64_t{options.latency_ms} * 1000;
  while (media::now_us() < give_up) {
    const bool quiet = media::now_us() - last_packet_us.load() > quiet_us;
    if (quiet && frames_in_jitter_buffers.load() == 0 && video_queue.size() == 0 &&
        audio_queue.size() == 0) {
      return;
    }
    std::this_thread::sleep_for(10ms);
  }
}

void Viewer::Impl::connect() {
  const net::Endpoint sender = net::Endpoint::resolve(code.host, code.port);
  // Fig. 4B: the connecting side retries with backoff until the other agent answers.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.connect_timeout_ms);
  auto backoff = 50ms;
  for (;;) {
    try {
      control = net::tls_connect(sender, code.fingerprint, 5s);
      break;
    } catch (const net::FingerprintMismatch& e) {
      throw ViewerError(ViewerError::Kind::kRefused, e.what());
    } catch (const net::ControlError& e) {
      if (std::chrono::steady_clock::now() + backoff >= deadline) {
        throw ViewerError(ViewerError::Kind::kConnect, e.what());
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
  }
  net::HelloMessage hello;
  hello.name = options.name;
  control->send(net::encode_control(hello));
  auto reply = control->receive(10s, 64 * 1024);
  if (!reply) throw ViewerError(ViewerError::Kind::kProtocol, "the sender did not answer");
  net::DecodedControl decoded = net::decode_control(*reply);
  if (!decoded.message) {
    throw ViewerError(ViewerError::Kind::kProtocol,
                      "the sender's answer does not parse: " + decoded.error);
  }
  if (auto* bye = std::get_if<net::ByeMessage>(&*decoded.message)) {
    throw ViewerError(ViewerError::Kind::kRefused, "the sender refused: " + bye->reason);
  }
  auto* session = std::get_if<net::SessionMessage>(&*decoded.message);
  if (session == nullptr) {
    throw ViewerError(ViewerError::Kind::kProtocol, "expected the session parameters");
  }
  sender_media = sender;
  join(*session);
}

void Viewer::Impl::join(const net::SessionMessage& session) {
  if (session.units.reference_policy == crypto::ReferenceUnits::kAllowInsecure &&
      !options.insecure_reference_units) {
    throw ViewerError(ViewerError::Kind::kRefused,
                      "the sender wants the insecure reference units; pass "
                      "--insecure-reference-units to accept them");
  }
  agent::SessionParams params;
  params.session_id = session.session_id;
  params.initial_seed = session.initial_seed;
  params.units = session.units;
  params.seed_mode = session.seed_mode;
  params.packets_per_epoch = session.packets_per_epoch;
  params.mtu = session.mtu;
  agent = std::make_unique<agent::MediaAgent>(params, agent::Role::kViewer);
  slot = session.viewer_slot;
  agent->add_outgoing(net::feedback_stream_id(slot), MediaKind::kControl);
  media::RecorderStreams recorded;
  for (const auto& stream : session.streams) {
    const agent::StreamJoinState start{stream.epoch, stream.seed};
    agent->add_incoming(stream.id, stream.kind, &start);
    if (stream.kind == MediaKind::kVideo) {
      has_video = true;
      video_stream = stream;
      recorded.video = media::RecorderVideo{stream.width, stream.height, double(stream.fps)};
    } else {
      has_audio = true;
      recorded.audio = media::RecorderAudio{stream.sample_rate, stream.channels};
    }
  }
  udp = std::make_unique<net::UdpSocket>(
      net::Endpoint::resolve(sender_media.address.ss_family == AF_INET6 ? "[::]:0" : "0.0.0.0:0"));
  if (!options.record_path.empty()) {
    recorder = std::make_unique<media::Recorder>(options.record_path, recorded);
  }
  if (has_audio) {
    std::string warning;
    audio_sink = media::open_audio_sink_or_fallback(options.audio_out, warning);
    if (!warning.empty()) warn(warning);
  }
}

void Viewer::Impl::send_feedback(const net::Feedback& feedback) {
  const std::vector<std::uint8_t> payload = net::encode_feedback(feedback);
  std::vector<std::uint8_t> packet(payload.size() + net::kPacketOverhead);
  const net::SealResult sealed = agent->seal(net::feedback_stream_id(slot), payload, packet);
  if (sealed.status == net::SealStatus::kOk) {
    udp->send_to(crypto::Bytes(packet.data(), sealed.size), sender_media);
  }
}

// Publishes the receive thread's figures for stats_json(), and sums them up for the sender.
net::ReceiverReport Viewer::Impl::publish_stats(
    const std::map<std::uint16_t, SequenceTracker>& sequences) {
  std::uint64_t expected = 0;
  for (const auto& [id, tracker] : sequences)
    expected += tracker.expected();
  std::lock_guard lock(stats_mutex);
  agent_stats = agent->stats();
  packets_expected = expected;
  video_jitter_stats = video_jitter.stats();
  audio_jitter_stats = audio_jitter.stats();
  net::ReceiverReport report;
  for (const auto& [id, stream] : agent_stats.receiving)
    report.packets_received += stream.accepted();
  report.packets_lost = expected > report.packets_received ? expected - report.packets_received : 0;
  report.frames_decoded = frames_decoded.load();
  report.latency_p50_us = static_cast<std::uint32_t>(latency.percentile_ms(50) * 1000);
  report.latency_p95_us = static_cast<std::uint32_t>(latency.percentile_ms(95) * 1000);
  return report;
}

void Viewer::Impl::receive_loop(std::stop_token stop) {
  std::vector<std::uint8_t> datagram(net::kMaxMtu);
  std::vector<std::uint8_t> payload(net::kMaxMtu);
  std::map<std::uint16_t, SequenceTracker> sequences;
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
    for (const auto* jitter : {&video_jitter, &audio_jitter}) {
      if (auto deadline = jitter->next_deadline_us()) wake = std::min(wake, *deadline);
    }
    const auto timeout = std::chrono::milliseconds(std::max<std::int64_t>(0, (wake - now) / 1000));
    const net::UdpReceive got = udp->receive(datagram, timeout);
    now = media::now_us();
    if (got.status == net::UdpStatus::kOk) {
      const net::OpenResult opened = agent->open(crypto::Bytes(datagram.data(), got.size), payload);
      if (opened.status == net::OpenStatus::kOk) {
        media_seen = true;
        last_packet_us.store(now, std::memory_order_relaxed);
        sequences[opened.header.stream_id].saw(opened.header.sequence);
        auto& jitter = opened.header.kind == MediaKind::kVideo ? video_jitter : audio_jitter;
        jitter.insert(crypto::Bytes(payload.data(), opened.size), now);
      }
    }
    while (auto frame = video_jitter.pop(now)) {
      if (!video_queue.push(std::move(frame->frame))) break;
    }
    while (auto frame = audio_jitter.pop(now)) {
      if (!audio_queue.push(std::move(*frame))) break;
    }
    frames_in_jitter_buffers.store(video_jitter.stats().depth_frames +
                                   audio_jitter.stats().depth_frames);
    if (video_jitter.poll_keyframe_request(now)) {
      keyframe_requests.fetch_add(1);
      send_feedback(net::KeyframeRequest{net::kVideoStreamId});
    }
    if (now >= next_report) {
      next_report = now + kReportIntervalUs;
      send_feedback(publish_stats(sequences));
    }
  }
  publish_stats(sequences);  // the final figures for the statistics file
}

void Viewer::Impl::video_loop(std::stop_token stop) {
  media::H264Decoder decoder;
  auto present = [&](std::vector<media::VideoFrame> frames) {
    for (media::VideoFrame& frame : frames) {
      const std::int64_t now = media::now_us();
      {
        std::lock_guard lock(stats_mutex);
        latency.add(now - frame.capture_time_us);
        if (last_frame_us != 0) {
          longest_video_gap_us = std::max(longest_video_gap_us, now - last_frame_us);
        }
        last_frame_us = now;
      }
      std::int64_t expected_zero = 0;
      first_frame_us.compare_exchange_strong(expected_zero, now);
      frames_decoded.fetch_add(1);
      if (frame_callback) frame_callback(frame);
      latest.put(std::move(frame));
    }
    std::lock_guard lock(stats_mutex);
    decoder_stats = decoder.stats();
  };
  while (!stop.stop_requested()) {
    auto encoded = video_queue.pop_for(100ms, stop);
    if (!encoded) continue;
    if (recorder) {
      std::lock_guard lock(recorder_mutex);
      recorder->write(*encoded);
    }
    present(decoder.decode(*encoded));
  }
  present(decoder.flush());  // a decoder may hold the last picture back
}

void Viewer::Impl::audio_loop(std::stop_token stop) {
  media::OpusAudioDecoder decoder;
  while (!stop.stop_requested()) {
    auto released = audio_queue.pop_for(100ms, stop);
    if (!released) continue;
    if (recorder) {
      std::lock_guard lock(recorder_mutex);
      recorder->write(released->frame);
    }
    // Cover lost frames: the last one from this packet's FEC, the others by concealment.
    const std::uint64_t lost = std::min(released->frames_lost_before, kMaxConcealedFrames);
    for (std::uint64_t i = 0; i < lost; ++i) {
      const bool last = i + 1 == lost;
      audio_sink->play(last ? decoder.recover_with_fec(released->frame) : decoder.conceal());
      audio_frames_concealed.fetch_add(1);
    }
    audio_sink->play(decoder.decode(released->frame));
    audio_frames_played.fetch_add(1);
  }
}

void Viewer::Impl::control_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::optional<std::vector<std::uint8_t>> message;
    try {
      message = control->receive(100ms, 64 * 1024);
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
      return;
    }
    if (auto* seed = std::get_if<net::SeedMessage>(&*decoded.message)) {
      seeds_received.fetch_add(1, std::memory_order_relaxed);
      // A refused seed (unknown stream, or an epoch this end cannot hold yet) is counted,
      // not fatal: the stream keeps playing until it reaches that epoch.
      if (!agent->provide_seed(seed->stream_id, seed->epoch, seed->seed)) {
        seeds_refused.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
}

Viewer::Viewer(ViewerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Viewer::~Viewer() = default;

void Viewer::on_frame(std::function<void(const media::VideoFrame&)> callback) {
  impl_->frame_callback = std::move(callback);
}

void Viewer::run(std::stop_token stop) {
  Impl& v = *impl_;
  v.started_us = media::now_us();
  v.connect();
  {
    // The session ends when the caller stops or the sender leaves.
    std::stop_source session;
    std::stop_callback forward(stop, [&] { session.request_stop(); });
    std::vector<std::jthread> threads;
    threads.emplace_back([&](std::stop_token t) { v.receive_loop(t); });
    if (v.has_video) threads.emplace_back([&](std::stop_token t) { v.video_loop(t); });
    if (v.has_audio) threads.emplace_back([&](std::stop_token t) { v.audio_loop(t); });
    v.control_loop(session.get_token());
    if (!stop.stop_requested()) v.drain();  // the sender left: play out what is in flight
    for (auto& thread : threads)
      thread.request_stop();
  }
  try {
    v.control->send(net::encode_control(net::ByeMessage{"viewer closed"}));
  } catch (const net::ControlError&) {
  }
  if (v.recorder) v.recorder->close();
  if (!v.options.snapshot_path.empty()) {
    if (auto frame = v.latest.get()) {
      media::write_png(v.options.snapshot_path, frame->bgr);
    } else {
      v.warn("no frame was decoded: no snapshot written");
    }
  }
}

std::string Viewer::warnings() const {
  std::lock_guard lock(impl_->text_mutex);
  return impl_->warnings;
}

std::string Viewer::end_reason() const {
  std::lock_guard lock(impl_->text_mutex);
  return impl_->end_reason;
}

QJsonObject Viewer::stats_json() const {
  const Impl& v = *impl_;
  std::lock_guard lock(v.stats_mutex);
  QJsonObject stats;
  std::uint64_t received = 0, reordered = 0, replays = 0, too_old = 0, forged = 0, failures = 0;
  std::uint64_t switches = 0, epochs = 0;
  for (const auto& [id, stream] : v.agent_stats.receiving) {
    received += stream.accepted();
    reordered += stream.packets_reordered;
    replays += stream.count(net::OpenStatus::kReplay);
    too_old += stream.count(net::OpenStatus::kTooOld);
    forged += stream.count(net::OpenStatus::kForged);
    failures += stream.count(net::OpenStatus::kCipherFailure);
    switches += stream.unit_switches;
    epochs = std::max(epochs, stream.epochs);
  }
  auto n = [](std::uint64_t value) { return static_cast<qint64>(value); };
  stats["packets_received"] = n(received);
  stats["packets_lost"] = n(v.packets_expected > received ? v.packets_expected - received : 0);
  stats["packets_reordered"] = n(reordered);
  stats["packets_duplicate"] = n(replays);
  stats["decrypt_failures"] = n(forged + failures);
  stats["replays_rejected"] = n(replays + too_old);
  stats["frames_decoded"] = n(v.frames_decoded.load());
  const media::JitterStats& jitter = v.video_jitter_stats;
  stats["frames_dropped"] =
      n(jitter.frames_dropped + jitter.frames_evicted + jitter.frames_missing +
        jitter.frames_corrupt + jitter.frames_skipped + v.video_queue.dropped());
  stats["keyframe_requests"] = n(v.keyframe_requests.load());
  stats["audio_frames_played"] = n(v.audio_frames_played.load());
  stats["audio_frames_concealed"] = n(v.audio_frames_concealed.load());
  stats["audio_underruns"] = n(v.audio_sink ? v.audio_sink->stats().underruns : 0);
  QJsonObject latency;
  latency["p50"] = v.latency.percentile_ms(50);
  latency["p95"] = v.latency.percentile_ms(95);
  latency["p99"] = v.latency.percentile_ms(99);
  latency["samples"] = n(v.latency.count());
  stats["latency_ms"] = latency;
  const std::int64_t first = v.first_frame_us.load();
  stats["time_to_first_frame_ms"] = first == 0 ? -1.0 : (first - v.started_us) / 1000.0;
  stats["unit_switches"] = n(switches);
  stats["epochs"] = n(epochs);
  stats["seeds_received"] = n(v.seeds_received.load());
  stats["seeds_refused"] = n(v.seeds_refused.load());
  stats["decode_errors"] = n(v.decoder_stats.decode_errors);
  stats["longest_video_gap_ms"] = v.longest_video_gap_us / 1000.0;
  QJsonObject video_jitter;
  video_jitter["frames_complete"] = n(jitter.frames_complete);
  video_jitter["frames_released"] = n(jitter.frames_released);
  video_jitter["frames_buffered"] = n(jitter.depth_frames);
  video_jitter["fragments_late"] = n(jitter.fragments_late);
  video_jitter["fragments_duplicate"] = n(jitter.fragments_duplicate);
  stats["video_jitter"] = video_jitter;
  if (auto frame = v.latest.get()) {
    QJsonObject snapshot;
    snapshot["frame_id"] = n(frame->frame_number);
    snapshot["capture_time_us"] = static_cast<qint64>(frame->capture_time_us);
    snapshot["width"] = frame->bgr.cols;
    snapshot["height"] = frame->bgr.rows;
    stats["last_frame"] = snapshot;
  }
  return stats;
}

}  // namespace agentcast::app
