#pragma once
// Private to media/: what FileSource, Recorder and read_encoded_packets() share: an H.264
// Annex B NAL splitter and a one-stream demuxer.

#include "ffmpeg_handles.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace agentcast::media::detail {

PacketPtr make_packet();  // throws std::bad_alloc
FramePtr make_frame();    // throws std::bad_alloc

std::string av_error_text(int errnum);

// ---- H.264 Annex B ----

inline constexpr int kNalIdr = 5;
inline constexpr int kNalSps = 7;
inline constexpr int kNalPps = 8;
inline constexpr int kNalAud = 9;

struct NalUnit {
  int type = 0;
  std::size_t begin = 0;    // the start code's first byte
  std::size_t payload = 0;  // the NAL header byte, just after the start code
  std::size_t end = 0;      // one past the NAL's last byte (the next start code or the end)
};

// The NAL units of an Annex B buffer, in order. Bytes before the first start code are
// ignored; a buffer without a start code has none.
std::vector<NalUnit> split_annexb(const std::uint8_t* data, std::size_t size);
bool has_nal(const std::vector<NalUnit>& nals, int type);
// The SPS and PPS units among `nals` (of `data`), each behind a 4-byte start code.
std::vector<std::uint8_t> parameter_sets_of(const std::uint8_t* data,
                                            const std::vector<NalUnit>& nals);

// Keeps H.264 access units self-contained for a viewer that may join at any keyframe: every
// IDR picture goes out with SPS and PPS in front. h264_mp4toannexb already inserts them for
// avcC input; Annex B input (MPEG-TS, raw .h264) passes through that filter untouched and may
// carry them only once, so the last ones seen are remembered and re-inserted.
class ParameterSetCache {
 public:
  // Parameter sets from Annex B extradata, if the filter produced any.
  void seed(const std::uint8_t* data, std::size_t size);
  // Learns from `au` and, if it is an IDR picture without SPS/PPS, inserts them (after a
  // leading access unit delimiter, which must stay first). Returns true for IDR pictures.
  bool complete(std::vector<std::uint8_t>& au);

 private:
  std::vector<std::uint8_t> sets_;  // SPS and PPS NAL units with 4-byte start codes
};

// ---- one stream of one file ----

// Opens `path` for demuxing; throws std::runtime_error naming the path and the reason.
FormatInputPtr open_input(const std::string& path);

// A demuxer instance that delivers one stream's packets. Each consumer thread owns its own
// instance, so no demuxer is ever shared between threads.
class StreamReader {
 public:
  // Takes the best stream of `type` in `input` (which it keeps), or none (stream() null).
  StreamReader(FormatInputPtr input, AVMediaType type);

  AVStream* stream() const { return stream_; }
  AVFormatContext* format() const { return input_.get(); }
  // The file's start time in microseconds: the common origin of all its streams.
  std::int64_t origin_us() const;
  // The container's duration in microseconds, 0 if unknown.
  std::int64_t duration_us() const;

  // Next packet of the stream (0), AVERROR_EOF at the end, or another negative error.
  int read(AVPacket* packet);
  // Back to the start of the file; false if the demuxer cannot seek.
  bool rewind();

 private:
  FormatInputPtr input_;
  AVStream* stream_ = nullptr;
};

// The decoder for `stream`, opened; throws std::runtime_error naming `path` if none.
CodecContextPtr open_decoder(const AVStream* stream, const std::string& path);

// Annex B converter for an H.264 stream: h264_mp4toannexb (a no-op on Annex B input).
BsfPtr open_annexb_filter(const AVStream* stream, const std::string& path);

// Packet timestamp for ordering and pacing: dts (decode order, monotonic even with
// B-frames), else pts, in microseconds; AV_NOPTS_VALUE if neither.
std::int64_t packet_time_us(const AVPacket* packet, AVRational time_base);

}  // namespace agentcast::media::detail
