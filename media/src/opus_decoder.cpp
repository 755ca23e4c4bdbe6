// OpusAudioDecoder: libopus directly, for PLC and FEC (see opus_codec.h).

#include <opus.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>
#include <vector>

#include "agentcast/media/opus_codec.h"

namespace agentcast::media {

namespace {

// The longest Opus packet: 120 ms at 48 kHz.
constexpr int kMaxPacketSamples = 5'760;
constexpr std::int64_t kFrameDurationUs =
    std::int64_t{kAudioFrameSamples} * 1'000'000 / kAudioSampleRate;

struct DecoderDeleter {
  void operator()(::OpusDecoder* decoder) const noexcept { opus_decoder_destroy(decoder); }
};

}  // namespace

struct OpusAudioDecoder::Impl {
  std::unique_ptr<::OpusDecoder, DecoderDeleter> decoder;
  std::vector<opus_int16> pcm = std::vector<opus_int16>(kMaxPacketSamples * kAudioChannels);
  // Metadata of the last frame handed out, to stamp concealed frames with.
  std::uint64_t next_frame_number = 0;
  std::int64_t next_capture_time_us = 0;
  OpusDecoderStats stats;
  std::string last_error;

  AudioFrame output(int samples, std::uint64_t frame_number, std::int64_t capture_time_us) {
    AudioFrame frame;
    frame.samples.assign(pcm.begin(), pcm.begin() + samples * kAudioChannels);
    frame.frame_number = frame_number;
    frame.capture_time_us = capture_time_us;
    next_frame_number = frame_number + 1;
    next_capture_time_us = capture_time_us + kFrameDurationUs * samples / kAudioFrameSamples;
    return frame;
  }

  AudioFrame conceal() {
    const int samples = opus_decode(decoder.get(), nullptr, 0, pcm.data(), kAudioFrameSamples, 0);
    if (samples < 0) {
      // Cannot happen with a valid decoder and a 20 ms request; silence keeps time anyway.
      ++stats.errors;
      last_error = std::string("opus: concealment failed: ") + opus_strerror(samples);
      std::fill(pcm.begin(), pcm.begin() + kAudioFrameSamples * kAudioChannels, 0);
      return output(kAudioFrameSamples, next_frame_number, next_capture_time_us);
    }
    ++stats.frames_concealed;
    return output(samples, next_frame_number, next_capture_time_us);
  }

  // Returns the packet's length as libopus takes it, or -1 (counted) if it cannot be one.
  int checked_length(const EncodedFrame& packet) {
    if (packet.data.empty() || packet.data.size() > INT_MAX || packet.codec != Codec::kOpus) {
      ++stats.errors;
      last_error = "opus: packet " + std::to_string(packet.frame_id) +
                   (packet.codec != Codec::kOpus
                        ? " is not Opus"
                        : " has a bad size (" + std::to_string(packet.data.size()) + " bytes)");
      return -1;
    }
    return static_cast<int>(packet.data.size());
  }

  void rejected(const EncodedFrame& packet, int code) {
    ++stats.errors;
    last_error =
        "opus: packet " + std::to_string(packet.frame_id) + " rejected: " + opus_strerror(code);
  }
};

OpusAudioDecoder::OpusAudioDecoder() : impl_(std::make_unique<Impl>()) {
  int status = OPUS_OK;
  impl_->decoder.reset(opus_decoder_create(kAudioSampleRate, kAudioChannels, &status));
  if (status != OPUS_OK || !impl_->decoder) {
    throw std::runtime_error(std::string("opus: cannot create decoder: ") + opus_strerror(status));
  }
}

OpusAudioDecoder::~OpusAudioDecoder() = default;

AudioFrame OpusAudioDecoder::decode(const EncodedFrame& packet) {
  Impl& s = *impl_;
  const int length = s.checked_length(packet);
  if (length < 0) return s.conceal();
  const int samples =
      opus_decode(s.decoder.get(), packet.data.data(), length, s.pcm.data(), kMaxPacketSamples, 0);
  if (samples < 0) {
    s.rejected(packet, samples);
    return s.conceal();
  }
  ++s.stats.frames_decoded;
  return s.output(samples, packet.frame_id, packet.capture_time_us);
}

AudioFrame OpusAudioDecoder::conceal() {
  return impl_->conceal();
}

AudioFrame OpusAudioDecoder::recover_with_fec(const EncodedFrame& next) {
  Impl& s = *impl_;
  const int length = s.checked_length(next);
  if (length < 0) return s.conceal();
  // frame_size must be exactly the lost duration: libopus returns that much audio, from
  // the FEC data if the packet has it, otherwise by concealment.
  const int samples =
      opus_decode(s.decoder.get(), next.data.data(), length, s.pcm.data(), kAudioFrameSamples, 1);
  if (samples < 0) {
    s.rejected(next, samples);
    return s.conceal();
  }
  ++s.stats.frames_recovered;
  return s.output(samples, next.frame_id - 1, next.capture_time_us - kFrameDurationUs);
}

void OpusAudioDecoder::reset() {
  opus_decoder_ctl(impl_->decoder.get(), OPUS_RESET_STATE);
}

const OpusDecoderStats& OpusAudioDecoder::stats() const noexcept {
  return impl_->stats;
}

const std::string& OpusAudioDecoder::last_error() const noexcept {
  return impl_->last_error;
}

}  // namespace agentcast::media
