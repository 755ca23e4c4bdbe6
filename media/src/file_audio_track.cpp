// FileSource's audio track: any codec, decoded and resampled to 48 kHz mono s16, cut into
// 20 ms frames.

#include <algorithm>
#include <string>
#include <utility>

#include "file_source_tracks.h"

namespace agentcast::media::detail {
namespace {

// At most this much silence is inserted at a loop to wait for a longer video track.
constexpr std::int64_t kMaxLoopPaddingSamples = 10 * kAudioSampleRate;

}  // namespace

AudioTrack::AudioTrack(FormatInputPtr input, const std::string& path,
                       const FileSourceOptions& options, PlaybackClock& clock,
                       TrackCounters& counters)
    : reader_(std::move(input), AVMEDIA_TYPE_AUDIO),
      loop_(options.loop),
      clock_(clock),
      counters_(counters),
      decoder_(open_decoder(reader_.stream(), path)) {}

AudioTrack::~AudioTrack() {
  av_channel_layout_uninit(&swr_layout_);
}

std::string AudioTrack::describe() const {
  const AVCodecParameters* par = reader_.stream()->codecpar;
  return std::string("audio ") + avcodec_get_name(par->codec_id) + " " +
         std::to_string(par->sample_rate) + " Hz " + std::to_string(par->ch_layout.nb_channels) +
         " ch -> 48 kHz mono";
}

void AudioTrack::resample(const AVFrame* frame) {
  AVChannelLayout layout{};
  if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
    av_channel_layout_default(&layout, frame->ch_layout.nb_channels);
  } else if (av_channel_layout_copy(&layout, &frame->ch_layout) < 0) {
    ++counters_.errors;
    return;
  }
  // Set up on the first frame, and again if the file changes rate or layout mid-stream.
  if (!swr_ || frame->sample_rate != swr_rate_ || frame->format != swr_format_ ||
      av_channel_layout_compare(&layout, &swr_layout_) != 0) {
    flush_resampler();
    swr_.reset();
    SwrContext* raw = nullptr;
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    if (swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_S16, kAudioSampleRate, &layout,
                            static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0,
                            nullptr) < 0 ||
        swr_init(raw) < 0) {
      swr_free(&raw);
      av_channel_layout_uninit(&layout);
      ++counters_.errors;
      return;
    }
    swr_.reset(raw);
    av_channel_layout_uninit(&swr_layout_);
    swr_layout_ = layout;  // takes ownership of whatever `layout` allocated
    layout = AVChannelLayout{};
    swr_rate_ = frame->sample_rate;
    swr_format_ = frame->format;
  }
  av_channel_layout_uninit(&layout);
  const int capacity = swr_get_out_samples(swr_.get(), frame->nb_samples);
  if (capacity <= 0) return;
  const std::size_t old_size = pending_.size();
  pending_.resize(old_size + static_cast<std::size_t>(capacity));
  auto* out = reinterpret_cast<std::uint8_t*>(pending_.data() + old_size);
  const int got =
      swr_convert(swr_.get(), &out, capacity,
                  const_cast<const std::uint8_t**>(frame->extended_data), frame->nb_samples);
  pending_.resize(old_size + static_cast<std::size_t>(std::max(got, 0)));
  if (got < 0) ++counters_.errors;
}

void AudioTrack::flush_resampler() {
  if (!swr_) return;
  const int capacity = swr_get_out_samples(swr_.get(), 0);
  if (capacity <= 0) return;
  const std::size_t old_size = pending_.size();
  pending_.resize(old_size + static_cast<std::size_t>(capacity));
  auto* out = reinterpret_cast<std::uint8_t*>(pending_.data() + old_size);
  const int got = swr_convert(swr_.get(), &out, capacity, nullptr, 0);
  pending_.resize(old_size + static_cast<std::size_t>(std::max(got, 0)));
}

void AudioTrack::decode_more() {
  for (;;) {
    int rc = avcodec_receive_frame(decoder_.get(), frame_.get());
    if (rc == 0) {
      resample(frame_.get());
      av_frame_unref(frame_.get());
      pass_has_frames_ = true;
      return;
    }
    if (rc == AVERROR_EOF) {  // drained: the end of a pass
      if (loop_ && pass_has_frames_ && reader_.rewind()) {
        // The resampler keeps its state across the seam, so the waveform stays continuous.
        // If the container is longer than this track (its video runs on), wait for it with
        // silence so that the next pass starts in step with the video's.
        ++passes_;
        const std::int64_t seam =
            av_rescale(reader_.duration_us(), kAudioSampleRate * static_cast<std::int64_t>(passes_),
                       AV_TIME_BASE);
        const std::int64_t have = static_cast<std::int64_t>(samples_out_ + pending_.size());
        const std::int64_t gap = std::clamp<std::int64_t>(seam - have, 0, kMaxLoopPaddingSamples);
        pending_.insert(pending_.end(), static_cast<std::size_t>(gap), 0);
        avcodec_flush_buffers(decoder_.get());
        pass_has_frames_ = false;
        ++counters_.loops;
        continue;
      }
      flush_resampler();
      input_ended_ = true;
      return;
    }
    if (rc != AVERROR(EAGAIN)) {
      ++counters_.errors;
      flush_resampler();
      input_ended_ = true;
      return;
    }
    rc = reader_.read(packet_.get());
    if (rc == 0) {
      if (avcodec_send_packet(decoder_.get(), packet_.get()) < 0) ++counters_.errors;
      av_packet_unref(packet_.get());
      continue;
    }
    if (rc != AVERROR_EOF) ++counters_.errors;
    avcodec_send_packet(decoder_.get(), nullptr);  // drain; receive then says AVERROR_EOF
  }
}

std::optional<AudioFrame> AudioTrack::next() {
  while (pending_.size() < kAudioFrameSamples && !input_ended_)
    decode_more();
  if (pending_.empty()) return std::nullopt;
  if (pending_.size() < kAudioFrameSamples) pending_.resize(kAudioFrameSamples, 0);

  AudioFrame frame;
  frame.samples.assign(pending_.begin(), pending_.begin() + kAudioFrameSamples);
  pending_.erase(pending_.begin(), pending_.begin() + kAudioFrameSamples);
  const std::int64_t media_us =
      av_rescale(static_cast<std::int64_t>(samples_out_), AV_TIME_BASE, kAudioSampleRate);
  samples_out_ += kAudioFrameSamples;
  if (!clock_.wait_until(media_us)) return std::nullopt;
  frame.frame_number = next_number_++;
  frame.capture_time_us = now_us();
  return frame;
}

}  // namespace agentcast::media::detail
