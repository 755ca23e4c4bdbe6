#include "agentcast/call/media_pipeline_out.h"

#include <algorithm>
#include <stdexcept>

#include "agentcast/call/thread_name.h"
#include "agentcast/crypto/cipher_unit.h"
#include "agentcast/media/audio_source.h"
#include "agentcast/media/h264_codec.h"
#include "agentcast/media/opus_codec.h"
#include "agentcast/media/packetizer.h"
#include "agentcast/media/video_source.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kCaptureQueueFrames = 2;  // capture → encoder: freshness first
constexpr std::size_t kSendQueueFrames = 64;    // encoders → network send

}  // namespace

OutgoingMedia::OutgoingMedia(OutgoingMediaOptions options)
    : options_(std::move(options)),
      capture_queue_(kCaptureQueueFrames),
      send_queue_(kSendQueueFrames) {
  open_video();
  open_audio();
  if (!has_video() && !has_audio()) {
    throw std::invalid_argument("--video none --audio none: nothing to send");
  }
}

OutgoingMedia::~OutgoingMedia() {
  stop();
}

bool OutgoingMedia::has_video() const noexcept {
  return video_source_ != nullptr;
}
bool OutgoingMedia::has_audio() const noexcept {
  return audio_source_ != nullptr;
}

void OutgoingMedia::open_video() {
  if (options_.video == "none") return;
  media::VideoSourceOptions video_options;
  video_options.width = options_.width;
  video_options.height = options_.height;
  video_options.fps = options_.fps;
  video_options.seconds_per_image = options_.seconds_per_image;
  video_options.loop = options_.loop;
  try {
    video_source_ = media::open_video_source(options_.video, video_options);
  } catch (const media::CameraUnavailableError& e) {
    if (!options_.video_fallback) throw;
    warnings_.push_back(std::string(e.what()) + ": sending the test pattern instead");
    video_source_ = media::open_video_source("test", video_options);
  }
  // The stream is described as the source delivers it: a file keeps its own rate (and,
  // passed through, its own size).
  const media::VideoFormat format = video_source_->format();
  options_.width = format.width;
  options_.height = format.height;
  if (format.fps > 0.0) options_.fps = static_cast<int>(format.fps + 0.5);
  if (video_source_->encoded()) return;
  media::H264EncoderSettings settings;
  settings.width = options_.width;
  settings.height = options_.height;
  settings.fps = options_.fps;
  settings.bitrate_kbps = options_.bitrate_kbps;
  settings.keyframe_interval = options_.keyframe_interval;
  video_encoder_ = std::make_unique<media::H264Encoder>(settings);
}

void OutgoingMedia::open_audio() {
  if (options_.audio == "none") return;
  media::AudioSourceOptions audio_options;
  audio_options.loop = options_.loop;
  try {
    audio_source_ = media::open_audio_source(options_.audio, audio_options);
  } catch (const media::AudioDeviceError& e) {
    if (!options_.audio_fallback) throw;
    warnings_.push_back(std::string(e.what()) + ": sending a tone instead");
    audio_source_ = media::open_audio_source("tone");
  }
  audio_encoder_ = std::make_unique<media::OpusAudioEncoder>();
}

std::vector<net::StreamDescription> OutgoingMedia::streams() const {
  std::vector<net::StreamDescription> streams;
  if (has_video()) {
    net::StreamDescription video;
    video.id = options_.video_stream_id;
    video.kind = net::MediaKind::kVideo;
    video.codec = "h264";
    video.width = options_.width;
    video.height = options_.height;
    video.fps = options_.fps;
    streams.push_back(std::move(video));
  }
  if (has_audio()) {
    net::StreamDescription audio;
    audio.id = options_.audio_stream_id;
    audio.kind = net::MediaKind::kAudio;
    audio.codec = "opus";
    audio.sample_rate = media::kAudioSampleRate;
    audio.channels = media::kAudioChannels;
    streams.push_back(std::move(audio));
  }
  return streams;
}

std::vector<std::uint16_t> OutgoingMedia::stream_ids() const {
  std::vector<std::uint16_t> ids;
  if (has_video()) ids.push_back(options_.video_stream_id);
  if (has_audio()) ids.push_back(options_.audio_stream_id);
  return ids;
}

void OutgoingMedia::add_streams(SessionAgent& agent) const {
  if (has_video()) agent.add_outgoing(options_.video_stream_id, net::MediaKind::kVideo);
  if (has_audio()) agent.add_outgoing(options_.audio_stream_id, net::MediaKind::kAudio);
}

void OutgoingMedia::start(SessionAgent& agent, net::UdpSocket& udp, Route route) {
  agent_ = &agent;
  params_.store(&agent.params(), std::memory_order_release);
  udp_ = &udp;
  route_ = std::move(route);
  threads_.emplace_back([this](std::stop_token t) { send_loop(t); });
  if (has_video()) threads_.emplace_back([this](std::stop_token t) { capture_video_loop(t); });
  if (video_encoder_) threads_.emplace_back([this](std::stop_token t) { encode_video_loop(t); });
  if (has_audio()) threads_.emplace_back([this](std::stop_token t) { audio_loop(t); });
}

void OutgoingMedia::stop() {
  for (auto& thread : threads_)
    thread.request_stop();
  // Wake the stages that wait on something other than a stop token.
  capture_queue_.close();
  send_queue_.close();
  if (video_source_) video_source_->interrupt();
  if (audio_source_) audio_source_->interrupt();
  threads_.clear();  // joins
}

// Raw pictures go to the encoder stage; pictures that are H.264 already skip it.
void OutgoingMedia::capture_video_loop(std::stop_token stop) {
  name_this_thread("ac-capture");
  const bool encoded = video_source_->encoded();
  while (!stop.stop_requested()) {
    if (encoded) {
      auto frame = video_source_->next_encoded();
      if (!frame) break;
      frames_captured_.fetch_add(1);
      frames_encoded_.fetch_add(1);
      send_queue_.push(std::move(*frame));
      continue;
    }
    std::optional<media::VideoFrame> frame = video_source_->next();
    if (!frame) break;
    frames_captured_.fetch_add(1);
    if (preview_) preview_(*frame);
    capture_queue_.push(std::move(*frame));
  }
  capture_queue_.close();
}

void OutgoingMedia::encode_video_loop(std::stop_token stop) {
  name_this_thread("ac-encode-video");
  while (!stop.stop_requested()) {
    auto frame = capture_queue_.pop_for(100ms, stop);
    if (!frame) {
      if (capture_queue_.closed()) break;
      continue;
    }
    if (keyframe_wanted_.exchange(false)) video_encoder_->request_keyframe();
    for (auto& encoded : video_encoder_->encode(*frame)) {
      frames_encoded_.fetch_add(1);
      send_queue_.push(std::move(encoded));
    }
  }
}

void OutgoingMedia::audio_loop(std::stop_token stop) {
  name_this_thread("ac-encode-audio");
  while (!stop.stop_requested()) {
    auto frame = audio_source_->next();
    if (!frame) break;
    if (auto encoded = audio_encoder_->encode(*frame)) {
      audio_frames_encoded_.fetch_add(1);
      send_queue_.push(std::move(*encoded));
    }
  }
}

void OutgoingMedia::send_loop(std::stop_token stop) {
  name_this_thread("ac-send");
  media::Packetizer packetizer(agent_->max_payload());
  std::vector<std::uint8_t> packet(agent_->mtu());
  const bool tagged = agent_->origin_tagged();
  std::uint64_t dropped_seen = 0;
  while (!stop.stop_requested()) {
    auto frame = send_queue_.pop_for(100ms, stop);
    // A frame lost to backpressure breaks the picture's references: start again at a keyframe.
    if (const std::uint64_t dropped = send_queue_.dropped(); dropped != dropped_seen) {
      dropped_seen = dropped;
      keyframe_wanted_ = true;
    }
    if (!frame) continue;
    const std::vector<Recipient> recipients = route_(*frame);
    if (recipients.empty()) continue;  // nobody to send to yet
    const bool video = frame->codec == media::Codec::kH264;
    const std::uint16_t stream = video ? options_.video_stream_id : options_.audio_stream_id;
    // Several receivers: each packet is sealed once; with origin tags, each receiver's copy
    // ends in its own tag, written over the last one's.
    (video ? video_frames_sent_ : audio_frames_sent_).fetch_add(1);
    packetizer.fragment(*frame, [&](std::span<const std::uint8_t> fragment) {
      const net::SealResult sealed = agent_->seal(stream, fragment, packet);
      if (sealed.status != net::SealStatus::kOk) {
        send_errors_.fetch_add(1);
        return;
      }
      for (const Recipient& recipient : recipients) {
        std::size_t size = sealed.size;
        if (tagged) {
          size = agent_->tag_for_viewer(recipient.viewer, packet, sealed.size);
          // Zero: the viewer left between route and tag (its key is gone); nothing is owed
          // to it, and this is no failure of the network.
          if (size == 0) continue;
        }
        if (udp_->send_to(crypto::Bytes(packet.data(), size), recipient.to) ==
            net::UdpStatus::kOk) {
          packets_sent_.fetch_add(1, std::memory_order_relaxed);
          bytes_sent_.fetch_add(size, std::memory_order_relaxed);
        } else {
          send_errors_.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
}

SendingFigures OutgoingMedia::figures(const agent::AgentStats& agent_stats) const {
  auto load = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  SendingFigures f;
  f.frames_captured = load(frames_captured_);
  f.frames_dropped_buffer = capture_queue_.dropped();
  f.frames_encoded = load(frames_encoded_);
  f.audio_frames_encoded = load(audio_frames_encoded_);
  f.video_frames_sent = load(video_frames_sent_);
  f.audio_frames_sent = load(audio_frames_sent_);
  f.send_queue_dropped = send_queue_.dropped();
  f.packets_sent = load(packets_sent_);
  f.bytes_sent = load(bytes_sent_);
  f.send_errors = load(send_errors_);
  for (const std::uint16_t id : stream_ids()) {
    auto it = agent_stats.sending.find(id);
    if (it == agent_stats.sending.end()) continue;
    f.unit_switches += it->second.unit_switches;
    f.epoch_changes_delayed += it->second.epoch_changes_delayed;
    f.epochs = std::max(f.epochs, it->second.epochs);
    f.packets_sealed += it->second.packets_sealed;
  }
  // The unit and epoch of the video stream (the audio one's without video).
  for (const std::uint16_t id : stream_ids()) {
    auto it = agent_stats.sending.find(id);
    if (it == agent_stats.sending.end() || it->second.current_unit < 0) continue;
    const auto unit = static_cast<std::size_t>(it->second.current_unit);
    const agent::SessionParams* params = params_.load(std::memory_order_acquire);
    const auto epoch = agent_stats.current_epoch.find(id);
    f.current = CurrentUnit{params != nullptr && unit < params->units.units.size()
                                ? std::string(crypto::unit_name(params->units.units[unit]))
                                : std::to_string(unit),
                            epoch == agent_stats.current_epoch.end() ? 0 : epoch->second};
    break;
  }
  return f;
}

}  // namespace agentcast::app
