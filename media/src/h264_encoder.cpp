// H264Encoder: libx264 through libavcodec, tuned for live video.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include "agentcast/media/h264_codec.h"
#include "ffmpeg_handles.h"

namespace agentcast::media {
namespace {

std::string av_error(int code) {
  std::array<char, AV_ERROR_MAX_STRING_SIZE> buf{};
  av_strerror(code, buf.data(), buf.size());
  return buf.data();
}

constexpr std::array<const char*, 10> kPresets = {"ultrafast", "superfast", "veryfast", "faster",
                                                  "fast",      "medium",    "slow",     "slower",
                                                  "veryslow",  "placebo"};

H264EncoderSettings checked(H264EncoderSettings s) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("H264Encoder: " + what); };
  if (s.width < 16 || s.width > 8192 || s.width % 2 != 0 || s.height < 16 || s.height > 8192 ||
      s.height % 2 != 0) {
    fail("size " + std::to_string(s.width) + "x" + std::to_string(s.height) +
         " must be even and between 16 and 8192 in each direction");
  }
  if (s.fps < 1 || s.fps > 240) fail("fps " + std::to_string(s.fps) + " is not in 1..240");
  if (s.bitrate_kbps < 16 || s.bitrate_kbps > 500'000) {
    fail("bitrate " + std::to_string(s.bitrate_kbps) + " kbps is not in 16..500000");
  }
  bool known = false;
  for (const char* p : kPresets)
    known = known || s.preset == p;
  if (!known) fail("unknown x264 preset '" + s.preset + "' (ultrafast .. placebo)");
  if (s.keyframe_interval < 0) fail("keyframe interval must not be negative");
  if (s.keyframe_interval == 0) s.keyframe_interval = 2 * s.fps;
  if (s.threads < 0 || s.threads > 64) fail("threads must be in 0..64");
  return s;
}

// What the encoder must remember about a frame until its picture comes out.
struct Pending {
  std::int64_t pts = -1;
  std::int64_t capture_time_us = 0;
};
// Zero-latency x264 gives one picture per frame at once; the ring only needs to cover the
// few frames a threaded encoder might hold.
constexpr std::size_t kPendingSlots = 128;

}  // namespace

struct H264Encoder::Impl {
  H264EncoderSettings settings;
  detail::CodecContextPtr ctx;
  detail::FramePtr yuv;  // allocated once, refilled per frame
  detail::PacketPtr packet;
  detail::SwsPtr sws;
  int sws_src_width = 0;
  int sws_src_height = 0;
  std::array<Pending, kPendingSlots> pending{};
  std::int64_t next_pts = 0;
  std::uint64_t next_frame_id = 0;
  bool flushed = false;

  std::atomic<bool> keyframe_wanted{false};
  std::atomic<std::uint64_t> frames_in{0};
  std::atomic<std::uint64_t> frames_out{0};
  std::atomic<std::uint64_t> keyframes{0};
  std::atomic<std::uint64_t> keyframe_requests{0};
  std::atomic<std::uint64_t> errors{0};

  explicit Impl(const H264EncoderSettings& s) : settings(checked(s)) {
    const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
    if (codec == nullptr) {
      throw std::runtime_error("H264Encoder: this FFmpeg was built without libx264");
    }
    ctx.reset(avcodec_alloc_context3(codec));
    yuv.reset(av_frame_alloc());
    packet.reset(av_packet_alloc());
    if (!ctx || !yuv || !packet) throw std::runtime_error("H264Encoder: out of memory");

    ctx->width = settings.width;
    ctx->height = settings.height;
    ctx->time_base = AVRational{1, settings.fps};
    ctx->framerate = AVRational{settings.fps, 1};
    ctx->pix_fmt = AV_PIX_FMT_YUV420P;
    ctx->bit_rate = static_cast<std::int64_t>(settings.bitrate_kbps) * 1000;
    // A VBV keeps any one picture from bursting far above the rate the network was sized
    // for; one second of buffer still leaves room for the larger IDR pictures.
    ctx->rc_max_rate = ctx->bit_rate;
    ctx->rc_buffer_size = static_cast<int>(ctx->bit_rate);
    ctx->gop_size = settings.keyframe_interval;
    ctx->max_b_frames = 0;  // B-frames would hold pictures back for reordering
    ctx->thread_count = settings.threads;
    // swscale's RGB to YUV conversion is BT.601 limited range; say so in the stream.
    ctx->colorspace = AVCOL_SPC_SMPTE170M;
    ctx->color_range = AVCOL_RANGE_MPEG;
    // No AV_CODEC_FLAG_GLOBAL_HEADER: SPS/PPS must be in-band so that a viewer joining late
    // can start at any IDR picture.

    auto set = [this](const char* key, const std::string& value) {
      if (const int rc = av_opt_set(ctx->priv_data, key, value.c_str(), 0); rc < 0) {
        throw std::runtime_error(std::string("H264Encoder: libx264 rejected ") + key + "=" + value +
                                 ": " + av_error(rc));
      }
    };
    set("preset", settings.preset);
    set("tune", "zerolatency");  // no lookahead, no frame threads: a picture per frame
    set("forced-idr", "1");      // a requested keyframe is an IDR, not a mere I picture
    set("x264-params", "repeat-headers=1");

    if (const int rc = avcodec_open2(ctx.get(), codec, nullptr); rc < 0) {
      throw std::runtime_error("H264Encoder: could not open libx264 at " +
                               std::to_string(settings.width) + "x" +
                               std::to_string(settings.height) + ": " + av_error(rc));
    }

    yuv->format = AV_PIX_FMT_YUV420P;
    yuv->width = settings.width;
    yuv->height = settings.height;
    if (const int rc = av_frame_get_buffer(yuv.get(), 0); rc < 0) {
      throw std::runtime_error("H264Encoder: could not allocate a picture: " + av_error(rc));
    }
  }

  void fail() noexcept { errors.fetch_add(1, std::memory_order_relaxed); }

  // BGR into the pre-allocated YUV picture; a source of another size is scaled.
  bool convert(const cv::Mat& bgr) noexcept {
    if (!sws || sws_src_width != bgr.cols || sws_src_height != bgr.rows) {
      sws.reset(sws_getContext(bgr.cols, bgr.rows, AV_PIX_FMT_BGR24, settings.width,
                               settings.height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr,
                               nullptr));
      if (!sws) return false;
      sws_src_width = bgr.cols;
      sws_src_height = bgr.rows;
    }
    // Only copies if the encoder still holds a reference to the previous picture (libx264
    // copies its input, so in practice this never allocates).
    if (av_frame_make_writable(yuv.get()) < 0) return false;
    const std::uint8_t* const src[1] = {bgr.data};
    const int src_stride[1] = {static_cast<int>(bgr.step[0])};
    return sws_scale(sws.get(), src, src_stride, 0, bgr.rows, yuv->data, yuv->linesize) ==
           settings.height;
  }

  std::vector<EncodedFrame> drain() {
    std::vector<EncodedFrame> out;
    for (;;) {
      const int rc = avcodec_receive_packet(ctx.get(), packet.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
      if (rc < 0) {
        fail();
        break;
      }
      EncodedFrame encoded;
      encoded.codec = Codec::kH264;
      encoded.data.assign(packet->data, packet->data + packet->size);
      encoded.frame_id = next_frame_id++;
      encoded.keyframe = (packet->flags & AV_PKT_FLAG_KEY) != 0;
      const Pending& p = pending[static_cast<std::size_t>(packet->pts) % kPendingSlots];
      encoded.capture_time_us = (packet->pts >= 0 && p.pts == packet->pts) ? p.capture_time_us : 0;
      av_packet_unref(packet.get());
      frames_out.fetch_add(1, std::memory_order_relaxed);
      if (encoded.keyframe) keyframes.fetch_add(1, std::memory_order_relaxed);
      out.push_back(std::move(encoded));
    }
    return out;
  }

  std::vector<EncodedFrame> encode(const VideoFrame& frame) {
    frames_in.fetch_add(1, std::memory_order_relaxed);
    if (flushed || frame.bgr.empty() || frame.bgr.type() != CV_8UC3 || !convert(frame.bgr)) {
      fail();
      return {};
    }
    const std::int64_t pts = next_pts++;
    yuv->pts = pts;
    pending[static_cast<std::size_t>(pts) % kPendingSlots] = {pts, frame.capture_time_us};
    const bool want_key = keyframe_wanted.exchange(false, std::memory_order_acq_rel);
    yuv->pict_type = want_key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
#ifdef AV_FRAME_FLAG_KEY  // FFmpeg 6.1 replaced key_frame with a flag
    yuv->flags = want_key ? (yuv->flags | AV_FRAME_FLAG_KEY) : (yuv->flags & ~AV_FRAME_FLAG_KEY);
#else
    yuv->key_frame = want_key ? 1 : 0;
#endif
    if (avcodec_send_frame(ctx.get(), yuv.get()) < 0) {
      fail();
      if (want_key) keyframe_wanted.store(true, std::memory_order_release);  // try again
      return {};
    }
    return drain();
  }

  std::vector<EncodedFrame> flush() {
    if (flushed) return {};
    flushed = true;
    if (avcodec_send_frame(ctx.get(), nullptr) < 0) {
      fail();
      return {};
    }
    return drain();
  }
};

H264Encoder::H264Encoder(const H264EncoderSettings& settings)
    : impl_(std::make_unique<Impl>(settings)) {}
H264Encoder::~H264Encoder() = default;
H264Encoder::H264Encoder(H264Encoder&&) noexcept = default;
H264Encoder& H264Encoder::operator=(H264Encoder&&) noexcept = default;

std::vector<EncodedFrame> H264Encoder::encode(const VideoFrame& frame) {
  return impl_->encode(frame);
}

std::vector<EncodedFrame> H264Encoder::flush() {
  return impl_->flush();
}

void H264Encoder::request_keyframe() noexcept {
  impl_->keyframe_requests.fetch_add(1, std::memory_order_relaxed);
  impl_->keyframe_wanted.store(true, std::memory_order_release);
}

H264EncoderStats H264Encoder::stats() const noexcept {
  H264EncoderStats s;
  s.frames_in = impl_->frames_in.load(std::memory_order_relaxed);
  s.frames_out = impl_->frames_out.load(std::memory_order_relaxed);
  s.keyframes = impl_->keyframes.load(std::memory_order_relaxed);
  s.keyframe_requests = impl_->keyframe_requests.load(std::memory_order_relaxed);
  s.errors = impl_->errors.load(std::memory_order_relaxed);
  return s;
}

const H264EncoderSettings& H264Encoder::settings() const noexcept {
  return impl_->settings;
}

}  // namespace agentcast::media
