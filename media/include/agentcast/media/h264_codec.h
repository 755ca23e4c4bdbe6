#pragma once
// H.264 encode (libx264) and decode (FFmpeg's decoder) through libavcodec, tuned for live
// video: no B-frames, no lookahead, one picture in, one picture out (DESIGN.md, "The
// pipeline"). FFmpeg stays behind these classes; callers see VideoFrame and EncodedFrame.
//
// Errors: setting up a codec throws (std::invalid_argument for bad settings,
// std::runtime_error when FFmpeg refuses). Per-frame failures never throw: they return no
// output and are counted, because one bad frame must not take down a call.
//
// Neither class is thread-safe, except where noted: request_keyframe(), stats(),
// needs_keyframe() and frame_size() may be called from any thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

#include "agentcast/media/media_types.h"

namespace agentcast::media {

struct H264EncoderSettings {
  int width = 1280;  // even; input frames of another size are scaled to this
  int height = 720;  // even
  int fps = 30;
  int bitrate_kbps = 2000;
  std::string preset = "veryfast";  // an x264 preset: ultrafast .. placebo
  int keyframe_interval = 0;        // frames between IDR pictures; 0 means 2 * fps
  int threads = 1;                  // x264 threads (sliced, so no added latency); 0 = auto
};

struct H264EncoderStats {
  std::uint64_t frames_in = 0;          // frames handed to encode()
  std::uint64_t frames_out = 0;         // EncodedFrames returned
  std::uint64_t keyframes = 0;          // of which IDR pictures
  std::uint64_t keyframe_requests = 0;  // request_keyframe() calls
  std::uint64_t errors = 0;             // frames rejected or lost inside the encoder
};

class H264Encoder {
 public:
  // Opens libx264. Throws std::invalid_argument for settings out of range (including an
  // unknown preset) and std::runtime_error when FFmpeg lacks libx264 or refuses to open it.
  explicit H264Encoder(const H264EncoderSettings& settings);
  ~H264Encoder();
  H264Encoder(H264Encoder&&) noexcept;
  H264Encoder& operator=(H264Encoder&&) noexcept;

  // Encodes one BGR frame (CV_8UC3). Returns the pictures that came out (with zero latency
  // tuning, exactly one), each Annex B with SPS/PPS in front of every IDR picture, frame ids
  // counting up by one from 0, and the capture time of the frame it encodes. Returns nothing
  // (and counts an error) for an empty or non-BGR frame or when the encoder fails.
  std::vector<EncodedFrame> encode(const VideoFrame& frame);

  // Drains the encoder at the end of the stream. encode() after flush() counts an error.
  std::vector<EncodedFrame> flush();

  // Makes the next encoded picture an IDR picture (a viewer joined or lost a reference).
  // Any thread.
  void request_keyframe() noexcept;

  H264EncoderStats stats() const noexcept;  // any thread
  const H264EncoderSettings& settings() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct H264DecoderStats {
  std::uint64_t frames_in = 0;       // EncodedFrames handed to decode()
  std::uint64_t frames_decoded = 0;  // VideoFrames returned
  std::uint64_t keyframes_in = 0;    // IDR pictures received
  std::uint64_t frames_skipped = 0;  // not decoded while waiting for a keyframe
  std::uint64_t decode_errors = 0;   // rejected by the decoder, corrupt, or garbage input
};

class H264Decoder {
 public:
  // Opens FFmpeg's H.264 decoder for low delay (no frame threads, no reordering delay).
  // Throws std::runtime_error if FFmpeg has none.
  H264Decoder();
  ~H264Decoder();
  H264Decoder(H264Decoder&&) noexcept;
  H264Decoder& operator=(H264Decoder&&) noexcept;

  // Decodes one access unit into BGR pictures (normally exactly one) carrying the frame's
  // id as frame_number and its capture time. While needs_keyframe() is true, non-keyframes
  // are not decoded at all (counted as skipped): feeding a decoder P-frames without their
  // references only produces garbage. A frame whose id does not follow the previous one
  // means a lost reference and also waits for the next keyframe.
  std::vector<VideoFrame> decode(const EncodedFrame& frame);

  // Drains pictures still inside the decoder and resets it; decoding may continue after it
  // from the next keyframe.
  std::vector<VideoFrame> flush();

  // True until the first keyframe decodes, and again after a decode error or a gap in the
  // frame ids: the caller should ask the sender for a keyframe. Any thread.
  bool needs_keyframe() const noexcept;

  // The size of the last decoded picture; empty before the first. Any thread.
  cv::Size frame_size() const noexcept;

  H264DecoderStats stats() const noexcept;  // any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentcast::media
