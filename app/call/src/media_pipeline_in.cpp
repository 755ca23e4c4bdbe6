#include "agentcast/call/media_pipeline_in.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "agentcast/call/thread_name.h"
#include "agentcast/media/audio_output.h"
#include "agentcast/media/opus_codec.h"
#include "agentcast/media/packetizer.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;
using net::MediaKind;

constexpr std::size_t kDecodeQueueFrames = 32;
constexpr std::uint64_t kMaxConcealedFrames = 10;  // 200 ms: beyond that, silence is honest

}  // namespace

IncomingMedia::IncomingMedia(IncomingMediaOptions options, Warn warn)
    : options_(std::move(options)),
      warn_(std::move(warn)),
      video_jitter_(jitter_config()),
      audio_jitter_(jitter_config()),
      video_queue_(kDecodeQueueFrames),
      audio_queue_(kDecodeQueueFrames) {
  if (options_.started_us == 0) options_.started_us = media::now_us();
  auto snapshot = std::make_unique<SnapshotSink>(options_.snapshot_path, warn_);
  snapshot_ = snapshot.get();
  picture_sinks_.push_back(std::move(snapshot));
}

IncomingMedia::~IncomingMedia() {
  stop();
}

media::JitterConfig IncomingMedia::jitter_config() const {
  media::JitterConfig config;
  config.latency_us = std::int64_t{options_.latency_ms} * 1000;
  return config;
}

void IncomingMedia::open(const std::vector<net::StreamDescription>& streams) {
  media::RecorderStreams recorded;
  bool size_known = true;
  for (const auto& stream : streams) {
    if (stream.kind == MediaKind::kVideo && !video_id_) {
      video_id_ = stream.id;
      size_known = stream.width > 0 && stream.height > 0;
      recorded.video = media::RecorderVideo{stream.width, stream.height,
                                            stream.fps > 0 ? double(stream.fps) : 30.0};
    } else if (stream.kind == MediaKind::kAudio && !audio_id_) {
      audio_id_ = stream.id;
      recorded.audio = media::RecorderAudio{stream.sample_rate, stream.channels};
    }
  }
  if (!options_.record_path.empty() && (video_id_ || audio_id_)) {
    recording_ = std::make_unique<RecordingSink>(options_.record_path, recorded, size_known, warn_);
  }
  if (audio_id_) {
    std::string warning;
    audio_sink_ = media::open_audio_sink_or_fallback(options_.audio_out, warning);
    if (!warning.empty()) warn_(warning);
  }
  opened_.store(true, std::memory_order_release);
}

void IncomingMedia::on_frame(std::function<void(const media::VideoFrame&)> callback) {
  add_sink(std::make_unique<CallbackSink>(std::move(callback)));
}

void IncomingMedia::start() {
  if (video_id_) threads_.emplace_back([this](std::stop_token t) { video_loop(t); });
  if (audio_id_) threads_.emplace_back([this](std::stop_token t) { audio_loop(t); });
}

void IncomingMedia::insert(const net::PacketHeader& header, crypto::Bytes payload,
                           std::int64_t now_us) {
  const bool video = header.stream_id == video_id_;
  if (!video && header.stream_id != audio_id_) return;
  last_packet_us_.store(now_us, std::memory_order_relaxed);
  std::lock_guard lock(receive_mutex_);
  (video ? video_sequences_ : audio_sequences_).saw(header.sequence);
  bytes_received_ += payload.size() + net::kPacketOverhead;
  if (!video) {
    if (const auto fragment = media::parse_fragment(payload)) {
      const std::pair times{fragment->capture_time_us, now_us};
      if (last_audio_times_ && times.first > last_audio_times_->first) {
        const double transit_change = static_cast<double>(
            (times.second - last_audio_times_->second) - (times.first - last_audio_times_->first));
        audio_jitter_us_ += (std::abs(transit_change) - audio_jitter_us_) / 16.0;
      }
      if (!last_audio_times_ || times.first > last_audio_times_->first) last_audio_times_ = times;
    }
  }
  (video ? video_jitter_ : audio_jitter_).insert(payload, now_us);
}

void IncomingMedia::set_volume(float volume) noexcept {
  volume_.store(std::clamp(volume, 0.0F, 1.0F), std::memory_order_relaxed);
}

void IncomingMedia::pump(std::int64_t now_us) {
  std::lock_guard lock(receive_mutex_);
  while (auto frame = video_jitter_.pop(now_us)) {
    if (!video_queue_.push(std::move(frame->frame))) break;
  }
  while (auto frame = audio_jitter_.pop(now_us)) {
    if (!audio_queue_.push(std::move(*frame))) break;
  }
  frames_in_jitter_buffers_.store(video_jitter_.stats().depth_frames +
                                  audio_jitter_.stats().depth_frames);
}

std::optional<std::int64_t> IncomingMedia::next_deadline_us() const {
  std::lock_guard lock(receive_mutex_);
  std::optional<std::int64_t> wake;
  for (const auto* jitter : {&video_jitter_, &audio_jitter_}) {
    if (auto deadline = jitter->next_deadline_us())
      wake = std::min(wake.value_or(*deadline), *deadline);
  }
  return wake;
}

bool IncomingMedia::poll_keyframe_request(std::int64_t now_us) {
  std::lock_guard lock(receive_mutex_);
  if (!video_jitter_.poll_keyframe_request(now_us)) return false;
  keyframe_requests_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

net::ReceiverReport IncomingMedia::publish(const agent::AgentStats& agent_stats) {
  std::uint64_t expected = 0;
  media::JitterStats video_jitter;
  {
    std::lock_guard lock(receive_mutex_);
    expected = video_sequences_.expected() + audio_sequences_.expected();
    video_jitter = video_jitter_.stats();
  }
  net::ReceiverReport report;
  std::lock_guard lock(stats_mutex_);
  for (const auto& id : {video_id_, audio_id_}) {
    if (!id) continue;
    auto it = agent_stats.receiving.find(*id);
    if (it != agent_stats.receiving.end()) receiving_[*id] = it->second;
    if (auto epoch = agent_stats.current_epoch.find(*id); epoch != agent_stats.current_epoch.end())
      current_epoch_[*id] = epoch->second;
  }
  for (const auto& [id, stream] : receiving_)
    report.packets_received += stream.accepted();
  packets_expected_ = expected;
  video_jitter_stats_ = video_jitter;
  report.packets_lost = expected > report.packets_received ? expected - report.packets_received : 0;
  report.frames_decoded = frames_decoded_.load();
  report.latency_p50_us = static_cast<std::uint32_t>(latency_.percentile_ms(50) * 1000);
  report.latency_p95_us = static_cast<std::uint32_t>(latency_.percentile_ms(95) * 1000);
  return report;
}

void IncomingMedia::drain() const {
  const std::int64_t give_up = media::now_us() + 1'000'000;
  const std::int64_t quiet_us = 200'000 + std::int64_t{options_.latency_ms} * 1000;
  while (media::now_us() < give_up) {
    const bool quiet = media::now_us() - last_packet_us_.load() > quiet_us;
    if (quiet && frames_in_jitter_buffers_.load() == 0 && video_queue_.size() == 0 &&
        audio_queue_.size() == 0) {
      return;
    }
    std::this_thread::sleep_for(10ms);
  }
}

void IncomingMedia::stop() {
  for (auto& thread : threads_)
    thread.request_stop();
  threads_.clear();  // joins
}

void IncomingMedia::finish() {
  if (finished_.exchange(true)) return;
  if (recording_) recording_->finish();
  for (const auto& sink : picture_sinks_)
    sink->finish();
}

void IncomingMedia::video_loop(std::stop_token stop) {
  name_this_thread("ac-in-video");
  media::H264Decoder decoder;
  auto present = [&](std::vector<media::VideoFrame> frames) {
    for (media::VideoFrame& frame : frames) {
      const std::int64_t now = media::now_us();
      {
        std::lock_guard lock(stats_mutex_);
        latency_.add(now - frame.capture_time_us);
        if (last_frame_us_ != 0) {
          longest_video_gap_us_ = std::max(longest_video_gap_us_, now - last_frame_us_);
        }
        last_frame_us_ = now;
      }
      std::int64_t expected_zero = 0;
      first_frame_us_.compare_exchange_strong(expected_zero, now);
      frames_decoded_.fetch_add(1);
      for (const auto& sink : picture_sinks_)
        sink->show(frame);
    }
    std::lock_guard lock(stats_mutex_);
    decoder_stats_ = decoder.stats();
  };
  while (!stop.stop_requested()) {
    auto encoded = video_queue_.pop_for(100ms, stop);
    if (!encoded) continue;
    // Decoded before it is recorded: a recording that waits for the picture size gets it
    // from the very keyframe it starts with.
    std::vector<media::VideoFrame> frames = decoder.decode(*encoded);
    if (recording_) recording_->write(*encoded, decoder.frame_size());
    present(std::move(frames));
  }
  present(decoder.flush());  // a decoder may hold the last picture back
}

void IncomingMedia::audio_loop(std::stop_token stop) {
  name_this_thread("ac-in-audio");
  media::OpusAudioDecoder decoder;
  // The gain is applied here, on the playback thread, not in the device callback.
  auto play = [this](media::AudioFrame frame) {
    const float gain =
        muted_.load(std::memory_order_relaxed) ? 0.0F : volume_.load(std::memory_order_relaxed);
    if (gain < 1.0F) {
      for (std::int16_t& sample : frame.samples)
        sample = static_cast<std::int16_t>(std::lround(sample * gain));
    }
    audio_sink_->play(frame);
  };
  while (!stop.stop_requested()) {
    auto released = audio_queue_.pop_for(100ms, stop);
    if (!released) continue;
    if (recording_) recording_->write(released->frame, {});
    // Cover lost frames: the last one from this packet's FEC, the others by concealment.
    const std::uint64_t lost = std::min(released->frames_lost_before, kMaxConcealedFrames);
    for (std::uint64_t i = 0; i < lost; ++i) {
      const bool last = i + 1 == lost;
      play(last ? decoder.recover_with_fec(released->frame) : decoder.conceal());
      audio_frames_concealed_.fetch_add(1);
    }
    play(decoder.decode(released->frame));
    audio_frames_played_.fetch_add(1);
  }
}

ReceivingFigures IncomingMedia::figures() const {
  // The sink is opened once, before the threads start; read it only after that.
  const bool opened = opened_.load(std::memory_order_acquire);
  ReceivingFigures f;
  {
    std::lock_guard lock(receive_mutex_);
    f.bytes_received = bytes_received_;
    f.jitter_ms = audio_jitter_us_ / 1000.0;
  }
  std::lock_guard lock(stats_mutex_);
  std::uint64_t replays = 0, too_old = 0, forged = 0, failures = 0;
  for (const auto& [id, stream] : receiving_) {
    f.packets_without_instruction += stream.count(net::OpenStatus::kNoInstruction);
    f.packets_before_join += stream.count(net::OpenStatus::kBeforeStart);
    f.packets_too_far_ahead += stream.count(net::OpenStatus::kTooFarAhead);
    f.packets_wrong_origin += stream.count(net::OpenStatus::kWrongOrigin);
    f.packets_unknown_epoch += stream.count(net::OpenStatus::kUnknownEpoch);
    f.packets_received += stream.accepted();
    f.packets_reordered += stream.packets_reordered;
    replays += stream.count(net::OpenStatus::kReplay);
    too_old += stream.count(net::OpenStatus::kTooOld);
    forged += stream.count(net::OpenStatus::kForged);
    failures += stream.count(net::OpenStatus::kCipherFailure);
    f.unit_switches += stream.unit_switches;
    f.epochs = std::max(f.epochs, stream.epochs);
  }
  // The unit and epoch of the video stream (the audio one's without video).
  for (const auto& id : {video_id_, audio_id_}) {
    const auto stream = id ? receiving_.find(*id) : receiving_.end();
    if (stream == receiving_.end() || stream->second.current_unit < 0) continue;
    const auto unit = static_cast<std::size_t>(stream->second.current_unit);
    f.current = CurrentUnit{
        unit < units_.size() ? std::string(crypto::unit_name(units_[unit])) : std::to_string(unit),
        current_epoch_.count(*id) ? current_epoch_.at(*id) : 0};
    break;
  }
  f.packets_lost =
      packets_expected_ > f.packets_received ? packets_expected_ - f.packets_received : 0;
  f.packets_duplicate = replays;
  f.decrypt_failures = forged + failures;
  f.replays_rejected = replays + too_old;
  f.frames_decoded = frames_decoded_.load();
  const media::JitterStats& jitter = video_jitter_stats_;
  f.frames_dropped = jitter.frames_dropped + jitter.frames_evicted + jitter.frames_missing +
                     jitter.frames_corrupt + jitter.frames_skipped + video_queue_.dropped();
  f.keyframe_requests = keyframe_requests_.load();
  f.audio_frames_played = audio_frames_played_.load();
  f.audio_frames_concealed = audio_frames_concealed_.load();
  f.audio_underruns = opened && audio_sink_ ? audio_sink_->stats().underruns : 0;
  f.latency_ms = LatencyFigures{latency_.percentile_ms(50), latency_.percentile_ms(95),
                                latency_.percentile_ms(99), latency_.count()};
  const std::int64_t first = first_frame_us_.load();
  f.time_to_first_frame_ms = first == 0 ? -1.0 : (first - options_.started_us) / 1000.0;
  f.decode_errors = decoder_stats_.decode_errors;
  f.longest_video_gap_ms = longest_video_gap_us_ / 1000.0;
  f.video_jitter =
      VideoJitterFigures{jitter.frames_complete, jitter.frames_released, jitter.depth_frames,
                         jitter.fragments_late, jitter.fragments_duplicate};
  if (auto frame = snapshot_->latest()) {
    f.last_frame = LastFrameFigures{frame->frame_number, frame->capture_time_us, frame->bgr.cols,
                                    frame->bgr.rows};
  }
  return f;
}

}  // namespace agentcast::app
