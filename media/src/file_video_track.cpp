// FileSource's video track: H.264 passed through as Annex B, or any codec decoded to BGR.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include <opencv2/core.hpp>

#include "file_source_tracks.h"

namespace agentcast::media::detail {
namespace {

// What the viewer's decoder (and a browser's) handles for sure; anything else is re-encoded.
bool passthrough_capable(const AVCodecParameters* par) {
  return par->codec_id == AV_CODEC_ID_H264 &&
         (par->format == AV_PIX_FMT_YUV420P || par->format == AV_PIX_FMT_YUVJ420P ||
          par->format == AV_PIX_FMT_NONE);
}

}  // namespace

VideoTrack::VideoTrack(FormatInputPtr input, const std::string& path,
                       const FileSourceOptions& options, PlaybackClock& clock,
                       TrackCounters& counters)
    : reader_(std::move(input), AVMEDIA_TYPE_VIDEO),
      loop_(options.loop),
      clock_(clock),
      counters_(counters) {
  AVStream* stream = reader_.stream();
  const AVCodecParameters* par = stream->codecpar;
  // Matroska reports r_frame_rate as 1000/1 for variable-rate files; the guess prefers the
  // average when r_frame_rate looks like a time base. Beyond 240 fps it is no rate at all.
  const AVRational rate = av_guess_frame_rate(reader_.format(), stream, nullptr);
  if (rate.num > 0 && rate.den > 0 && av_q2d(rate) >= 1.0 && av_q2d(rate) <= 240.0) {
    fps_ = av_q2d(rate);
  }
  frame_interval_us_ = std::llround(1e6 / fps_);
  if (options.allow_passthrough && passthrough_capable(par)) {
    bsf_ = open_annexb_filter(stream, path);
    sets_.seed(bsf_->par_out->extradata, static_cast<std::size_t>(bsf_->par_out->extradata_size));
    size_ = cv::Size(par->width, par->height);
  } else {
    decoder_ = open_decoder(stream, path);
    scale_ = options.width > 0 && options.height > 0;
    size_ = scale_ ? cv::Size(options.width, options.height) : cv::Size(par->width, par->height);
  }
}

std::string VideoTrack::describe() const {
  const AVCodecParameters* par = reader_.stream()->codecpar;
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.3g", fps_);
  std::string text = std::string("video ") + avcodec_get_name(par->codec_id) + " " +
                     std::to_string(par->width) + "x" + std::to_string(par->height) + " @ " + rate +
                     " fps";
  if (passthrough()) return text + " (passthrough)";
  text += " (decoded";
  if (scale_)
    text += ", scaled to " + std::to_string(size_.width) + "x" + std::to_string(size_.height);
  return text + ")";
}

std::int64_t VideoTrack::media_time_us(std::int64_t ts) {
  if (ts == AV_NOPTS_VALUE) {
    last_media_us_ += frame_interval_us_;
  } else {
    last_media_us_ =
        av_rescale_q(ts, reader_.stream()->time_base, av_get_time_base_q()) - reader_.origin_us();
  }
  return loop_offset_us_ + last_media_us_;
}

bool VideoTrack::start_next_pass() {
  if (!loop_ || !pass_has_frames_) return false;
  if (!reader_.rewind()) {
    ++counters_.errors;
    return false;
  }
  // The next pass starts where the container says this one ends (the longer track's end,
  // which keeps a shorter video in step with its audio), or after the last frame if later.
  loop_offset_us_ += std::max(reader_.duration_us(), last_media_us_ + frame_interval_us_);
  last_media_us_ = 0;
  pass_has_frames_ = false;
  ++counters_.loops;
  if (bsf_) {
    av_bsf_flush(bsf_.get());  // so that it inserts SPS/PPS before the first IDR again
  } else {
    avcodec_flush_buffers(decoder_.get());  // a drained decoder accepts packets again
  }
  return true;
}

std::optional<EncodedFrame> VideoTrack::next_encoded() {
  if (!bsf_) return std::nullopt;
  for (;;) {
    int rc = av_bsf_receive_packet(bsf_.get(), packet_.get());
    if (rc == 0) {
      EncodedFrame frame;
      frame.codec = Codec::kH264;
      frame.data.assign(packet_->data, packet_->data + packet_->size);
      const std::int64_t ts = packet_->dts != AV_NOPTS_VALUE ? packet_->dts : packet_->pts;
      av_packet_unref(packet_.get());
      if (frame.data.empty()) continue;
      frame.keyframe = sets_.complete(frame.data);
      const std::int64_t media_us = media_time_us(ts);
      pass_has_frames_ = true;
      if (!clock_.wait_until(media_us)) return std::nullopt;
      frame.frame_id = next_id_++;
      frame.capture_time_us = now_us();
      return frame;
    }
    if (rc == AVERROR_EOF) return std::nullopt;  // drained after the end of the file
    if (rc != AVERROR(EAGAIN)) {
      ++counters_.errors;  // that packet is lost; the filter carries on with the next
      continue;
    }
    if (ended_) return std::nullopt;
    rc = reader_.read(packet_.get());
    if (rc == 0) {
      if (av_bsf_send_packet(bsf_.get(), packet_.get()) < 0) {
        ++counters_.errors;
        av_packet_unref(packet_.get());
      }
      continue;
    }
    if (rc != AVERROR_EOF) ++counters_.errors;
    // The filter is one packet in, one out: nothing is left in it to drain before a rewind.
    if (start_next_pass()) continue;
    ended_ = true;
    av_bsf_send_packet(bsf_.get(), nullptr);
  }
}

cv::Mat VideoTrack::to_bgr(const AVFrame* frame) {
  const int width = scale_ ? size_.width : frame->width;
  const int height = scale_ ? size_.height : frame->height;
  // Rebuilt only when the input's size or format changes mid-stream.
  sws_.reset(sws_getCachedContext(sws_.release(), frame->width, frame->height,
                                  static_cast<AVPixelFormat>(frame->format), width, height,
                                  AV_PIX_FMT_BGR24, SWS_BILINEAR, nullptr, nullptr, nullptr));
  if (!sws_) return {};
  cv::Mat bgr(height, width, CV_8UC3);
  std::uint8_t* planes[] = {bgr.data};
  const int strides[] = {static_cast<int>(bgr.step[0])};
  sws_scale(sws_.get(), frame->data, frame->linesize, 0, frame->height, planes, strides);
  return bgr;
}

std::optional<VideoFrame> VideoTrack::next_raw() {
  if (!decoder_) return std::nullopt;
  for (;;) {
    int rc = avcodec_receive_frame(decoder_.get(), frame_.get());
    if (rc == 0) {
      const std::int64_t media_us = media_time_us(frame_->best_effort_timestamp);
      cv::Mat bgr = to_bgr(frame_.get());
      av_frame_unref(frame_.get());
      if (bgr.empty()) {
        ++counters_.errors;
        continue;
      }
      pass_has_frames_ = true;
      if (!clock_.wait_until(media_us)) return std::nullopt;
      VideoFrame out;
      out.bgr = std::move(bgr);
      out.frame_number = next_id_++;
      out.capture_time_us = now_us();
      return out;
    }
    if (rc == AVERROR_EOF) {  // fully drained: the end of a pass
      if (!start_next_pass()) return std::nullopt;
      ended_ = false;
      continue;
    }
    if (rc != AVERROR(EAGAIN)) {
      ++counters_.errors;
      return std::nullopt;
    }
    rc = reader_.read(packet_.get());
    if (rc == 0) {
      // A corrupt packet is skipped; the decoder conceals it and carries on.
      if (avcodec_send_packet(decoder_.get(), packet_.get()) < 0) ++counters_.errors;
      av_packet_unref(packet_.get());
      continue;
    }
    if (rc != AVERROR_EOF) ++counters_.errors;
    if (ended_) return std::nullopt;
    ended_ = true;
    avcodec_send_packet(decoder_.get(), nullptr);  // drain the frames it still holds
  }
}

}  // namespace agentcast::media::detail
