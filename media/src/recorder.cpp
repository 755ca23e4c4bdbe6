// `--record PATH`: H.264 (Annex B) and Opus packets remuxed into Matroska.
//
// libavformat's Matroska muxer accepts Annex B H.264 when the extradata is Annex B too: it
// writes the extradata as an avcC CodecPrivate and converts every packet to length-prefixed
// NAL units itself (matroskaenc.c, mkv_write_block). So the SPS/PPS of the first keyframe,
// start codes and all, are the extradata, and packets go in as they arrived.

#include "agentcast/media/recorder.h"

#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "av_file_util.h"

namespace agentcast::media {
namespace {

constexpr int kOpusPreSkip = 312;       // libopus's lookahead at 48 kHz
constexpr int kOpusSeekPreroll = 3840;  // 80 ms, what RFC 7845 recommends
constexpr AVRational kMatroskaTimeBase{1, 1000};

struct OutputDeleter {
  void operator()(AVFormatContext* c) const {
    avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
using OutputPtr = std::unique_ptr<AVFormatContext, OutputDeleter>;

// Samples (at 48 kHz) in an Opus packet, from its TOC byte (RFC 6716, section 3.1).
int opus_packet_samples(const std::vector<std::uint8_t>& p) {
  if (p.empty()) return 0;
  const int config = p[0] >> 3;
  static constexpr int kSilk[] = {480, 960, 1920, 2880};
  static constexpr int kCelt[] = {120, 240, 480, 960};
  const int per_frame = config < 12   ? kSilk[config & 3]
                        : config < 16 ? ((config & 1) ? 960 : 480)
                                      : kCelt[config & 3];
  switch (p[0] & 3) {
    case 0:
      return per_frame;
    case 1:
    case 2:
      return 2 * per_frame;
    default:
      return p.size() < 2 ? 0 : per_frame * (p[1] & 0x3f);
  }
}

bool set_extradata(AVCodecParameters* par, const std::vector<std::uint8_t>& bytes) {
  par->extradata =
      static_cast<std::uint8_t*>(av_mallocz(bytes.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (par->extradata == nullptr) return false;
  std::memcpy(par->extradata, bytes.data(), bytes.size());
  par->extradata_size = static_cast<int>(bytes.size());
  return true;
}

}  // namespace

std::vector<std::uint8_t> opus_head(int channels, int input_rate) {
  std::vector<std::uint8_t> head = {'O', 'p', 'u', 's', 'H',
                                    'e', 'a', 'd', 1,   static_cast<std::uint8_t>(channels)};
  auto le = [&head](std::uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      head.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  le(kOpusPreSkip, 2);
  le(static_cast<std::uint32_t>(input_rate), 4);
  le(0, 2);           // output gain
  head.push_back(0);  // mapping family 0: mono or stereo, no table
  return head;
}

struct Recorder::Impl {
  std::string path;
  RecorderStreams streams;
  mutable std::mutex mutex;
  OutputPtr output;
  detail::PacketPtr packet = detail::make_packet();
  bool header_written = false;
  bool broken = false;  // the header could not be written: nothing more will be
  bool closed = false;
  AVStream* video = nullptr;
  AVStream* audio = nullptr;
  std::vector<std::uint8_t> video_extradata;
  std::deque<EncodedFrame> held_audio;
  bool have_base = false;
  std::int64_t base_us = 0;
  std::int64_t last_ts[2] = {AV_NOPTS_VALUE, AV_NOPTS_VALUE};  // video, audio
  RecorderStats stats;

  void note_base(std::int64_t capture_us) {
    if (have_base) return;
    base_us = capture_us;
    have_base = true;
  }

  bool write_header();
  void write_packet(AVStream* stream, const EncodedFrame& frame);
  void flush_held_audio() {
    for (const EncodedFrame& f : held_audio)
      write_packet(audio, f);
    held_audio.clear();
  }
};

bool Recorder::Impl::write_header() {
  header_written = true;
  AVFormatContext* out = output.get();
  auto fail = [this] {
    ++stats.write_errors;
    broken = true;
    return false;
  };
  // Video needs its parameter sets; without a keyframe the recording is audio only.
  if (streams.video && !video_extradata.empty()) {
    video = avformat_new_stream(out, nullptr);
    if (video == nullptr) return fail();
    AVCodecParameters* par = video->codecpar;
    par->codec_type = AVMEDIA_TYPE_VIDEO;
    par->codec_id = AV_CODEC_ID_H264;
    par->width = streams.video->width;
    par->height = streams.video->height;
    if (!set_extradata(par, video_extradata)) return fail();
    video->time_base = kMatroskaTimeBase;
    video->avg_frame_rate = av_d2q(streams.video->fps, 1000);
  }
  if (streams.audio) {
    audio = avformat_new_stream(out, nullptr);
    if (audio == nullptr) return fail();
    AVCodecParameters* par = audio->codecpar;
    par->codec_type = AVMEDIA_TYPE_AUDIO;
    par->codec_id = AV_CODEC_ID_OPUS;
    par->sample_rate = kAudioSampleRate;  // Opus always decodes at 48 kHz
    av_channel_layout_default(&par->ch_layout, streams.audio->channels);
    par->initial_padding = kOpusPreSkip;  // Matroska's CodecDelay
    par->seek_preroll = kOpusSeekPreroll;
    if (!set_extradata(par, opus_head(streams.audio->channels, streams.audio->sample_rate))) {
      return fail();
    }
    audio->time_base = kMatroskaTimeBase;
  }
  if (out->nb_streams == 0) {
    broken = true;  // not a write error: there was nothing to record
    return false;
  }
  return avformat_write_header(out, nullptr) >= 0 || fail();
}

void Recorder::Impl::write_packet(AVStream* stream, const EncodedFrame& frame) {
  if (stream == nullptr || broken) {
    ++stats.ignored;
    return;
  }
  const bool is_video = stream == video;
  const std::int64_t relative_us = std::max<std::int64_t>(frame.capture_time_us - base_us, 0);
  std::int64_t ts = av_rescale_q(relative_us, av_get_time_base_q(), stream->time_base);
  std::int64_t& last = last_ts[is_video ? 0 : 1];
  if (last != AV_NOPTS_VALUE && ts <= last) {
    ts = last + 1;
    ++stats.timestamps_clamped;
  }
  last = ts;

  AVPacket* pkt = packet.get();
  if (av_new_packet(pkt, static_cast<int>(frame.data.size())) < 0) {
    ++stats.write_errors;
    return;
  }
  std::memcpy(pkt->data, frame.data.data(), frame.data.size());
  pkt->stream_index = stream->index;
  pkt->pts = pkt->dts = ts;
  if (is_video) {
    pkt->duration = av_rescale_q(1, av_d2q(1.0 / streams.video->fps, 1'000'000), stream->time_base);
    const auto nals = detail::split_annexb(frame.data.data(), frame.data.size());
    if (detail::has_nal(nals, detail::kNalIdr)) pkt->flags |= AV_PKT_FLAG_KEY;
  } else {
    pkt->duration =
        av_rescale_q(opus_packet_samples(frame.data), {1, kAudioSampleRate}, stream->time_base);
    pkt->flags |= AV_PKT_FLAG_KEY;
  }
  // The interleaver orders the two streams by time; it takes the packet's reference.
  if (av_interleaved_write_frame(output.get(), pkt) < 0) {
    ++stats.write_errors;
  } else {
    ++(is_video ? stats.video_frames_written : stats.audio_frames_written);
  }
  av_packet_unref(pkt);
}

Recorder::Recorder(const std::string& path, const RecorderStreams& streams)
    : impl_(std::make_unique<Impl>()) {
  if (!streams.video && !streams.audio) {
    throw std::invalid_argument("record " + path + ": neither video nor audio to record");
  }
  if (streams.video &&
      (streams.video->fps <= 0 || streams.video->width < 0 || streams.video->height < 0)) {
    throw std::invalid_argument("record " + path + ": bad video size or frame rate");
  }
  if (streams.audio && (streams.audio->channels < 1 || streams.audio->channels > 2 ||
                        streams.audio->sample_rate <= 0)) {
    throw std::invalid_argument("record " + path + ": Opus here is mono or stereo");
  }
  impl_->path = path;
  impl_->streams = streams;
  AVFormatContext* raw = nullptr;
  int rc = avformat_alloc_output_context2(&raw, nullptr, "matroska", path.c_str());
  if (rc < 0) {
    throw std::runtime_error("record " + path + ": no Matroska muxer (" +
                             detail::av_error_text(rc) + ")");
  }
  impl_->output.reset(raw);
  // Opened now, not at the first keyframe, so that a bad path is reported at start-up.
  rc = avio_open(&raw->pb, path.c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) {
    throw std::runtime_error("record " + path + ": cannot write the file (" +
                             detail::av_error_text(rc) + ")");
  }
}

Recorder::~Recorder() {
  try {
    close();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

void Recorder::write(const EncodedFrame& frame) {
  std::lock_guard lock(impl_->mutex);
  Impl& s = *impl_;
  const bool is_video = frame.codec == Codec::kH264;
  if (s.closed || frame.data.empty() || (is_video ? !s.streams.video : !s.streams.audio)) {
    ++s.stats.ignored;
    return;
  }
  if (is_video && !s.header_written) {
    const auto nals = detail::split_annexb(frame.data.data(), frame.data.size());
    if (!detail::has_nal(nals, detail::kNalSps) || !detail::has_nal(nals, detail::kNalPps) ||
        !detail::has_nal(nals, detail::kNalIdr)) {
      ++s.stats.skipped_before_keyframe;
      return;
    }
    s.video_extradata = detail::parameter_sets_of(frame.data.data(), nals);
    s.note_base(frame.capture_time_us);
    if (s.write_header()) s.flush_held_audio();
  } else if (!is_video && !s.header_written) {
    s.note_base(frame.capture_time_us);
    if (s.streams.video) {  // the header waits for the first keyframe
      s.held_audio.push_back(frame);
      if (s.held_audio.size() > kMaxHeldAudio) {
        s.held_audio.pop_front();
        ++s.stats.audio_dropped;
      }
      return;
    }
    s.write_header();
  }
  s.write_packet(is_video ? s.video : s.audio, frame);
}

void Recorder::close() {
  std::lock_guard lock(impl_->mutex);
  Impl& s = *impl_;
  if (s.closed) return;
  s.closed = true;
  if (!s.header_written && s.write_header()) s.flush_held_audio();
  std::string failure;
  if (s.broken && s.output->nb_streams == 0) {
    failure = "nothing was recorded: no H.264 keyframe (IDR with SPS/PPS) arrived";
  } else if (s.broken) {
    failure = "the Matroska header could not be written";
  } else if (const int rc = av_write_trailer(s.output.get()); rc < 0) {
    failure = "cannot finish the file (" + detail::av_error_text(rc) + ")";
  }
  if (const int rc = avio_closep(&s.output->pb); rc < 0 && failure.empty()) {
    failure = "cannot close the file (" + detail::av_error_text(rc) + ")";
  }
  if (!failure.empty()) throw std::runtime_error("record " + s.path + ": " + failure);
}

RecorderStats Recorder::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

const std::string& Recorder::path() const noexcept {
  return impl_->path;
}

}  // namespace agentcast::media
