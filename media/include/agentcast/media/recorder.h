#pragma once
// `agentcast view --record PATH`: the received stream written to a Matroska file as it came
// in, H.264 and Opus remuxed without re-encoding.
//
// Timestamps come from the frames' capture times, relative to the first frame written,
// so the recording plays at the pace the sender captured. Each stream's timestamps are kept
// strictly increasing (a frame that would go backwards is clamped to just after its
// predecessor and counted). Decode-order capture times are written as presentation times,
// which is exact for the live encoder (no B-frames); a file passed through with B-frames
// records fine but shows its reordered pictures at their neighbours' times.
//
// The file's header needs the H.264 parameter sets, so nothing is written until the first
// IDR picture with SPS/PPS: video before it is skipped (counted), audio before it is held
// (up to kMaxHeldAudio packets, the oldest dropped beyond). write() may be called from
// several threads (the video and audio decode threads); it never throws, and failures are
// counted.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agentcast/media/media_types.h"

namespace agentcast::media {

struct RecorderVideo {
  int width = 0;  // of the H.264 pictures; informative, the SPS is what decoders use
  int height = 0;
  double fps = 30.0;  // the nominal rate, for each frame's duration
};

struct RecorderAudio {
  int sample_rate = kAudioSampleRate;  // Opus always decodes at 48 kHz; this is the input rate
  int channels = kAudioChannels;
};

struct RecorderStreams {
  std::optional<RecorderVideo> video;
  std::optional<RecorderAudio> audio;
};

struct RecorderStats {
  std::uint64_t video_frames_written = 0;
  std::uint64_t audio_frames_written = 0;
  std::uint64_t skipped_before_keyframe = 0;  // video before the first IDR with SPS/PPS
  std::uint64_t audio_dropped = 0;            // held too long waiting for the first keyframe
  std::uint64_t timestamps_clamped = 0;       // would have gone backwards or repeated
  std::uint64_t write_errors = 0;             // the muxer refused a packet (e.g. disk full)
  std::uint64_t ignored = 0;                  // empty frames, or of a stream not configured
};

class Recorder {
 public:
  static constexpr std::size_t kMaxHeldAudio = 500;  // 10 s of 20 ms packets

  // Creates (truncates) `path`. Throws std::invalid_argument without any stream, and
  // std::runtime_error naming the path when it cannot be written.
  Recorder(const std::string& path, const RecorderStreams& streams);
  // Closes the file, swallowing errors (call close() to see them).
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Records one H.264 access unit (Annex B) or Opus packet. After close(), ignored.
  void write(const EncodedFrame& frame);

  // Writes what is held and the trailer (the index), and closes the file. Idempotent.
  // A recording that never saw a keyframe keeps only its audio (or no track at all). Throws
  // std::runtime_error naming the path if the file cannot be finished.
  void close();

  RecorderStats stats() const;
  const std::string& path() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The 19-byte OpusHead that Matroska carries as Opus CodecPrivate (RFC 7845, section 5.1):
// version 1, `channels`, pre-skip 312 (libopus at 48 kHz), `input_rate`, gain 0, mapping 0.
std::vector<std::uint8_t> opus_head(int channels, int input_rate);

}  // namespace agentcast::media
