// H264Decoder: FFmpeg's H.264 decoder, low delay, refusing to decode without references.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

#include <opencv2/core.hpp>

#include "agentcast/media/h264_codec.h"
#include "ffmpeg_handles.h"

namespace agentcast::media {
namespace {

// What an access unit holds, from its NAL unit headers.
struct AccessUnitShape {
  bool annex_b = false;      // begins with a start code
  bool has_picture = false;  // a coded slice (NAL types 1..5)
  bool has_idr = false;      // an IDR slice (NAL type 5)
};

// A cheap look at the NAL headers, so that bytes that are not H.264 at all never reach
// the decoder and a keyframe is recognised even if the caller did not flag it.
AccessUnitShape inspect(std::span<const std::uint8_t> data) {
  AccessUnitShape shape;
  const std::size_t n = data.size();
  shape.annex_b = (n >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 1) ||
                  (n >= 5 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 1);
  if (!shape.annex_b) return shape;
  for (std::size_t i = 0; i + 3 < n; ++i) {
    if (data[i] != 0 || data[i + 1] != 0 || data[i + 2] != 1) continue;
    const std::uint8_t header = data[i + 3];
    const int type = header & 0x1F;
    if ((header & 0x80) == 0 && type >= 1 && type <= 5) {  // forbidden_zero_bit clear
      shape.has_picture = true;
      shape.has_idr = shape.has_idr || type == 5;
    }
    i += 2;
  }
  return shape;
}

struct Pending {
  std::uint64_t frame_id = ~std::uint64_t{0};
  std::int64_t capture_time_us = 0;
};
constexpr std::size_t kPendingSlots = 64;  // a low-delay decoder holds at most a few

// Everything that decides how a decoded picture converts to BGR.
struct ScaleKey {
  int width = 0;
  int height = 0;
  int format = AV_PIX_FMT_NONE;
  int colorspace = AVCOL_SPC_UNSPECIFIED;
  int range = AVCOL_RANGE_UNSPECIFIED;
  friend bool operator==(const ScaleKey&, const ScaleKey&) = default;
};

}  // namespace

struct H264Decoder::Impl {
  detail::CodecContextPtr ctx;
  detail::FramePtr picture;
  detail::PacketPtr packet;
  detail::SwsPtr sws;
  ScaleKey sws_key;
  std::array<Pending, kPendingSlots> pending{};
  bool have_last_id = false;
  std::uint64_t last_id = 0;

  std::atomic<bool> needs_keyframe{true};
  std::atomic<std::uint64_t> size{0};  // width << 32 | height of the last picture
  std::atomic<std::uint64_t> frames_in{0};
  std::atomic<std::uint64_t> frames_decoded{0};
  std::atomic<std::uint64_t> keyframes_in{0};
  std::atomic<std::uint64_t> frames_skipped{0};
  std::atomic<std::uint64_t> decode_errors{0};

  Impl() {
    const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    if (codec == nullptr) throw std::runtime_error("H264Decoder: FFmpeg has no H.264 decoder");
    ctx.reset(avcodec_alloc_context3(codec));
    picture.reset(av_frame_alloc());
    packet.reset(av_packet_alloc());
    if (!ctx || !picture || !packet) throw std::runtime_error("H264Decoder: out of memory");
    // Output each picture as soon as it is decoded, and no frame threads: each thread
    // would add a frame of delay.
    ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
    ctx->thread_count = 1;
    // Fail on bitstream errors instead of concealing them: a concealed picture is garbage
    // that the viewer would show until the next keyframe, and failing lets us ask for one.
    ctx->err_recognition |= AV_EF_EXPLODE;
    if (avcodec_open2(ctx.get(), codec, nullptr) < 0) {
      throw std::runtime_error("H264Decoder: could not open FFmpeg's H.264 decoder");
    }
  }

  void count(std::atomic<std::uint64_t>& counter) noexcept {
    counter.fetch_add(1, std::memory_order_relaxed);
  }

  // After an error the references are suspect: drop them and wait for an IDR picture.
  void lose_sync() noexcept {
    count(decode_errors);
    needs_keyframe.store(true, std::memory_order_release);
    avcodec_flush_buffers(ctx.get());
  }

  bool to_bgr(const AVFrame& f, cv::Mat& bgr) noexcept {
    const ScaleKey key{f.width, f.height, f.format, f.colorspace, f.color_range};
    if (!sws || !(key == sws_key)) {
      sws.reset(sws_getContext(f.width, f.height, static_cast<AVPixelFormat>(f.format), f.width,
                               f.height, AV_PIX_FMT_BGR24, SWS_BILINEAR, nullptr, nullptr,
                               nullptr));
      if (!sws) return false;
      // Honour what the stream says it is (BT.709 from an HD file, full range from a
      // camera), defaulting to what our encoder writes (BT.601, limited range).
      const int matrix = f.colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_ITU601;
      const int full_range = f.color_range == AVCOL_RANGE_JPEG ? 1 : 0;
      sws_setColorspaceDetails(sws.get(), sws_getCoefficients(matrix), full_range,
                               sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
      sws_key = key;
    }
    try {
      bgr.create(f.height, f.width, CV_8UC3);
    } catch (const cv::Exception&) {
      return false;
    }
    std::uint8_t* const dst[1] = {bgr.data};
    const int dst_stride[1] = {static_cast<int>(bgr.step[0])};
    return sws_scale(sws.get(), f.data, f.linesize, 0, f.height, dst, dst_stride) == f.height;
  }

  std::vector<VideoFrame> drain(bool from_keyframe) {
    std::vector<VideoFrame> out;
    for (;;) {
      const int rc = avcodec_receive_frame(ctx.get(), picture.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
      if (rc < 0) {
        lose_sync();
        break;
      }
      const bool corrupt =
          picture->decode_error_flags != 0 || (picture->flags & AV_FRAME_FLAG_CORRUPT) != 0;
      VideoFrame frame;
      if (corrupt || !to_bgr(*picture, frame.bgr)) {
        av_frame_unref(picture.get());
        lose_sync();
        continue;
      }
      const std::int64_t pts = picture->pts;
      // A decoder that lost the timestamp (never with one packet in, one picture out) gets
      // the last id handed in.
      const std::uint64_t id = pts >= 0 ? static_cast<std::uint64_t>(pts) : last_id;
      const Pending& p = pending[id % kPendingSlots];
      frame.frame_number = id;
      frame.capture_time_us = (pts >= 0 && p.frame_id == id) ? p.capture_time_us : 0;
      size.store(static_cast<std::uint64_t>(picture->width) << 32 |
                     static_cast<std::uint32_t>(picture->height),
                 std::memory_order_relaxed);
      av_frame_unref(picture.get());
      if (from_keyframe) needs_keyframe.store(false, std::memory_order_release);
      count(frames_decoded);
      out.push_back(std::move(frame));
    }
    return out;
  }

  std::vector<VideoFrame> decode(const EncodedFrame& in) {
    count(frames_in);
    const AccessUnitShape shape = inspect(in.data);
    // Empty data must never reach avcodec_send_packet: there it means end of stream.
    if (in.codec != Codec::kH264 || !shape.annex_b || !shape.has_picture ||
        in.data.size() > static_cast<std::size_t>(INT32_MAX / 2)) {
      lose_sync();
      return {};
    }
    const bool key = in.keyframe || shape.has_idr;
    if (key) count(keyframes_in);
    const bool gap = have_last_id && in.frame_id != last_id + 1;
    have_last_id = true;
    last_id = in.frame_id;
    const bool waiting = needs_keyframe.load(std::memory_order_acquire);
    if (!key && (waiting || gap)) {
      // Without its references this picture would decode to garbage.
      needs_keyframe.store(true, std::memory_order_release);
      count(frames_skipped);
      return {};
    }
    if (key && waiting) avcodec_flush_buffers(ctx.get());

    const auto pts = static_cast<std::int64_t>(in.frame_id & 0x7FFF'FFFF'FFFF'FFFFull);
    pending[in.frame_id % kPendingSlots] = {in.frame_id, in.capture_time_us};
    // Borrowed, not reference counted: FFmpeg copies the bytes (with its padding) before
    // send returns.
    packet->data = const_cast<std::uint8_t*>(in.data.data());
    packet->size = static_cast<int>(in.data.size());
    packet->pts = pts;
    packet->dts = pts;
    packet->flags = key ? AV_PKT_FLAG_KEY : 0;
    const int rc = avcodec_send_packet(ctx.get(), packet.get());
    packet->data = nullptr;
    packet->size = 0;
    if (rc < 0) {
      lose_sync();
      return {};
    }
    return drain(key);
  }

  std::vector<VideoFrame> flush() {
    std::vector<VideoFrame> out;
    if (avcodec_send_packet(ctx.get(), nullptr) >= 0) out = drain(false);
    avcodec_flush_buffers(ctx.get());
    needs_keyframe.store(true, std::memory_order_release);
    have_last_id = false;
    return out;
  }
};

H264Decoder::H264Decoder() : impl_(std::make_unique<Impl>()) {}
H264Decoder::~H264Decoder() = default;
H264Decoder::H264Decoder(H264Decoder&&) noexcept = default;
H264Decoder& H264Decoder::operator=(H264Decoder&&) noexcept = default;

std::vector<VideoFrame> H264Decoder::decode(const EncodedFrame& frame) {
  return impl_->decode(frame);
}

std::vector<VideoFrame> H264Decoder::flush() {
  return impl_->flush();
}

bool H264Decoder::needs_keyframe() const noexcept {
  return impl_->needs_keyframe.load(std::memory_order_acquire);
}

cv::Size H264Decoder::frame_size() const noexcept {
  const std::uint64_t packed = impl_->size.load(std::memory_order_relaxed);
  return {static_cast<int>(packed >> 32), static_cast<int>(packed & 0xFFFF'FFFFu)};
}

H264DecoderStats H264Decoder::stats() const noexcept {
  H264DecoderStats s;
  s.frames_in = impl_->frames_in.load(std::memory_order_relaxed);
  s.frames_decoded = impl_->frames_decoded.load(std::memory_order_relaxed);
  s.keyframes_in = impl_->keyframes_in.load(std::memory_order_relaxed);
  s.frames_skipped = impl_->frames_skipped.load(std::memory_order_relaxed);
  s.decode_errors = impl_->decode_errors.load(std::memory_order_relaxed);
  return s;
}

}  // namespace agentcast::media
