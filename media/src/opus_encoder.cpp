// OpusAudioEncoder: Opus through libavcodec's libopus wrapper (see opus_codec.h for why the
// decoder does not go the same way).

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
}

#include <cstdio>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>

#include "agentcast/media/opus_codec.h"
#include "ffmpeg_handles.h"

namespace agentcast::media {

namespace {

std::string av_error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

const char* application_name(OpusEncoderOptions::Application application) {
  switch (application) {
    case OpusEncoderOptions::Application::kVoip:
      return "voip";
    case OpusEncoderOptions::Application::kAudio:
      return "audio";
    case OpusEncoderOptions::Application::kLowDelay:
      return "lowdelay";
  }
  return "voip";
}

const char* vbr_name(OpusEncoderOptions::Vbr vbr) {
  switch (vbr) {
    case OpusEncoderOptions::Vbr::kOff:
      return "off";
    case OpusEncoderOptions::Vbr::kOn:
      return "on";
    case OpusEncoderOptions::Vbr::kConstrained:
      return "constrained";
  }
  return "constrained";
}

void validate(const OpusEncoderOptions& options) {
  if (options.bitrate_bps < 6'000 || options.bitrate_bps > 510'000) {
    throw std::invalid_argument("opus: bitrate must be 6000..510000 bit/s, got " +
                                std::to_string(options.bitrate_bps));
  }
  if (options.expected_loss_percent < 0 || options.expected_loss_percent > 100) {
    throw std::invalid_argument("opus: expected loss must be 0..100 %, got " +
                                std::to_string(options.expected_loss_percent));
  }
  if (options.fec && options.application == OpusEncoderOptions::Application::kLowDelay) {
    // CELT-only mode has no LBRR layer: FEC would be silently absent.
    throw std::invalid_argument("opus: in-band FEC needs SILK, which lowdelay mode disables");
  }
  if (options.fec && options.expected_loss_percent == 0) {
    // libopus spends no bits on FEC at 0 % expected loss, so "FEC on" would be a lie.
    throw std::invalid_argument("opus: in-band FEC needs an expected loss above 0 %");
  }
}

}  // namespace

struct OpusAudioEncoder::Impl {
  // What a packet inherits from the frame it was encoded from. libopus emits one packet per
  // frame, but the queue keeps the pairing right even if a wrapper ever delays output.
  struct Pending {
    std::uint64_t frame_number;
    std::int64_t capture_time_us;
  };

  OpusEncoderOptions options;
  detail::CodecContextPtr context;
  detail::FramePtr frame;
  detail::PacketPtr packet;
  std::deque<Pending> pending;
  std::deque<EncodedFrame> ready;
  std::int64_t next_pts = 0;
  OpusEncoderStats stats;
  std::string last_error;

  void fail(std::string message) {
    ++stats.errors;
    last_error = std::move(message);
  }
};

OpusAudioEncoder::OpusAudioEncoder(const OpusEncoderOptions& options)
    : impl_(std::make_unique<Impl>()) {
  validate(options);
  Impl& s = *impl_;
  s.options = options;

  const AVCodec* codec = avcodec_find_encoder_by_name("libopus");
  if (codec == nullptr) {
    throw std::runtime_error("opus: this FFmpeg was built without the libopus encoder");
  }
  s.context.reset(avcodec_alloc_context3(codec));
  s.frame.reset(av_frame_alloc());
  s.packet.reset(av_packet_alloc());
  if (!s.context || !s.frame || !s.packet) throw std::runtime_error("opus: out of memory");

  AVCodecContext& c = *s.context;
  c.sample_rate = kAudioSampleRate;
  c.sample_fmt = AV_SAMPLE_FMT_S16;
  c.bit_rate = options.bitrate_bps;
  c.time_base = AVRational{1, kAudioSampleRate};
  av_channel_layout_default(&c.ch_layout, kAudioChannels);

  AVDictionary* raw = nullptr;
  av_dict_set(&raw, "application", application_name(options.application), 0);
  av_dict_set(&raw, "frame_duration", "20", 0);
  av_dict_set(&raw, "vbr", vbr_name(options.vbr), 0);
  av_dict_set(&raw, "fec", options.fec ? "1" : "0", 0);
  av_dict_set_int(&raw, "packet_loss", options.expected_loss_percent, 0);
  // Nothing between the first av_dict_set and here can throw, so `raw` cannot leak.
  const int opened = avcodec_open2(&c, codec, &raw);
  const detail::DictionaryPtr unused(raw);  // what it did not take
  if (opened < 0) throw std::runtime_error("opus: cannot open encoder: " + av_error_text(opened));
  if (const AVDictionaryEntry* left =
          av_dict_get(unused.get(), "", nullptr, AV_DICT_IGNORE_SUFFIX)) {
    // An option the wrapper did not consume: this FFmpeg would silently ignore it.
    throw std::runtime_error(std::string("opus: encoder does not support option '") + left->key +
                             "'");
  }
  if (c.frame_size != kAudioFrameSamples) {
    throw std::runtime_error("opus: encoder chose " + std::to_string(c.frame_size) +
                             " samples per frame, expected " + std::to_string(kAudioFrameSamples));
  }

  AVFrame& f = *s.frame;
  f.format = c.sample_fmt;
  f.sample_rate = c.sample_rate;
  f.nb_samples = kAudioFrameSamples;
  if (av_channel_layout_copy(&f.ch_layout, &c.ch_layout) < 0 || av_frame_get_buffer(&f, 0) < 0) {
    throw std::runtime_error("opus: out of memory");
  }
}

OpusAudioEncoder::~OpusAudioEncoder() {
  // Drain the codec: the libopus wrapper otherwise complains on stderr that frames were
  // left in its queue. What comes out is the tail of a call that is over; it is dropped.
  Impl& s = *impl_;
  if (avcodec_send_frame(s.context.get(), nullptr) < 0) return;
  while (avcodec_receive_packet(s.context.get(), s.packet.get()) == 0) {
    av_packet_unref(s.packet.get());
  }
}

std::optional<EncodedFrame> OpusAudioEncoder::encode(const AudioFrame& frame) {
  Impl& s = *impl_;
  ++s.stats.frames_in;
  if (frame.samples.size() != static_cast<std::size_t>(kAudioFrameSamples) * kAudioChannels) {
    s.fail("opus: frame " + std::to_string(frame.frame_number) + " has " +
           std::to_string(frame.samples.size()) + " samples, expected " +
           std::to_string(kAudioFrameSamples));
    return std::nullopt;
  }

  // The codec may still hold a reference to the previous buffer; this gives us a fresh one
  // only in that case.
  int status = av_frame_make_writable(s.frame.get());
  if (status < 0) {
    s.fail("opus: no frame buffer: " + av_error_text(status));
    return std::nullopt;
  }
  std::memcpy(s.frame->data[0], frame.samples.data(), frame.samples.size() * sizeof(std::int16_t));
  s.frame->pts = s.next_pts;
  s.next_pts += kAudioFrameSamples;

  status = avcodec_send_frame(s.context.get(), s.frame.get());
  if (status < 0) {
    s.fail("opus: encoding frame " + std::to_string(frame.frame_number) +
           " failed: " + av_error_text(status));
    return std::nullopt;
  }
  s.pending.push_back({frame.frame_number, frame.capture_time_us});

  while ((status = avcodec_receive_packet(s.context.get(), s.packet.get())) == 0) {
    EncodedFrame out;
    out.codec = Codec::kOpus;
    out.keyframe = true;  // every Opus packet decodes on its own
    out.data.assign(s.packet->data, s.packet->data + s.packet->size);
    if (!s.pending.empty()) {
      out.frame_id = s.pending.front().frame_number;
      out.capture_time_us = s.pending.front().capture_time_us;
      s.pending.pop_front();
    }
    av_packet_unref(s.packet.get());
    ++s.stats.packets_out;
    s.stats.bytes_out += out.data.size();
    s.ready.push_back(std::move(out));
  }
  if (status != AVERROR(EAGAIN) && status != AVERROR_EOF) {
    s.fail("opus: encoder output failed: " + av_error_text(status));
  }
  if (s.ready.empty()) return std::nullopt;
  EncodedFrame out = std::move(s.ready.front());
  s.ready.pop_front();
  return out;
}

const OpusEncoderStats& OpusAudioEncoder::stats() const noexcept {
  return impl_->stats;
}

const std::string& OpusAudioEncoder::last_error() const noexcept {
  return impl_->last_error;
}

std::string OpusAudioEncoder::describe() const {
  const OpusEncoderOptions& o = impl_->options;
  std::string text =
      "opus " + std::to_string(o.bitrate_bps / 1000) + " kbit/s " + application_name(o.application);
  if (o.fec) text += ", FEC for " + std::to_string(o.expected_loss_percent) + "% loss";
  return text;
}

}  // namespace agentcast::media
