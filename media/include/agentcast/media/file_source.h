#pragma once
// `--video file:PATH` and `--audio file:PATH` (with `--loop`): any file libavformat can
// demux, as a sender's source (DESIGN.md, "The pipeline").
//
// Video: an H.264 track (8-bit 4:2:0, what every viewer decodes) is passed through without
// re-encoding, so a VOD source costs almost no CPU: packets are converted to Annex B, every
// IDR picture carries SPS/PPS, and they come out paced by their timestamps. Any other codec
// is decoded and handed out as BGR frames for the caller's encoder.
// Audio: decoded and resampled to 20 ms frames of 48 kHz mono s16, ready for Opus.
//
// Threads: the video methods are called from one thread (the capture thread), next_audio()
// from another (the audio capture thread). Each track owns its own demuxer instance over the
// same file, so the two consumers never share FFmpeg state or wait on each other's reads
// (a single demuxer with per-track queues would have to buffer one track without bound
// whenever the other's consumer stalls). The tracks share one playback clock, so looping
// and pacing keep audio and video in step. The const accessors are safe from any thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

#include "agentcast/media/media_types.h"

namespace agentcast::media {

// Whether open() takes a track, and whether its absence is an error.
enum class FileTrack { kIgnore, kIfPresent, kRequired };

struct FileSourceOptions {
  FileTrack video = FileTrack::kRequired;
  FileTrack audio = FileTrack::kIfPresent;
  // At the end of the file, start again from its beginning; timestamps keep increasing
  // (each pass continues where the last ended), frame ids and numbers keep counting.
  bool loop = false;
  // Hand frames out at the pace of their timestamps (real time). Off for tests and tools:
  // every frame is returned at once.
  bool realtime_pacing = true;
  // Pass H.264 through untouched. Off forces decoding (e.g. to rescale it with width/height).
  bool allow_passthrough = true;
  // Size of decoded frames (the decode path; passthrough keeps the file's size). Both 0 for
  // the file's own size, or both positive: frames are scaled (stretched) to it.
  int width = 0;
  int height = 0;
};

class FileSource {
 public:
  // Opens the file and the tracks `options` ask for. Throws std::invalid_argument for bad
  // options, std::runtime_error naming the file ("file:PATH: ...") when it is missing, is not
  // a media file, lacks a required track or has no decoder for it.
  static std::unique_ptr<FileSource> open(const std::string& path,
                                          const FileSourceOptions& options = {});
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  bool has_video() const noexcept;
  bool has_audio() const noexcept;
  // True when video comes from next_encoded_video() (H.264 passed through), false when it
  // comes from next_raw_video() (decoded).
  bool video_passthrough() const noexcept;

  // Passthrough only. The next access unit, Annex B, in decode order; `keyframe` marks IDR
  // pictures (which then carry SPS/PPS); frame ids count from 0; the capture time is now_us()
  // at release. std::nullopt at the end of the file (without loop), after interrupt(), when
  // the file fails mid-stream (counted in errors()) or when video is not passed through.
  std::optional<EncodedFrame> next_encoded_video();
  // Decode path only. The next picture, BGR at size(), frame numbers from 0, capture time
  // now_us() at release. std::nullopt as above, and when video is passed through.
  std::optional<VideoFrame> next_raw_video();
  // The next 20 ms of audio (kAudioFrameSamples at 48 kHz mono). The last frame of a file
  // that does not loop is padded with silence. std::nullopt at the end, after interrupt(), or
  // without an audio track.
  std::optional<AudioFrame> next_audio();

  // Wakes any thread blocked in pacing; every next_*() then returns std::nullopt. For
  // shutting the capture threads down without waiting for the next frame to fall due.
  void interrupt();

  // The video frame rate (guessed from the file; 30 when it gives none) and frame size.
  double fps() const noexcept;
  cv::Size size() const noexcept;
  const std::string& path() const noexcept;
  // One line for logs and the UI, e.g. "file:a.mp4 video h264 1280x720 @ 25 fps
  // (passthrough), audio aac 44100 Hz 2 ch -> 48 kHz mono, looping".
  std::string describe() const;

  // Times a track went back to the start of the file (video and audio counted separately).
  std::uint64_t loops() const noexcept;
  // Packets that could not be read, filtered or decoded; they are skipped.
  std::uint64_t errors() const noexcept;

 private:
  struct Impl;
  explicit FileSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Every packet of the file's first `codec` track (H.264 or Opus), demuxed without decoding
// and without pacing: H.264 as Annex B access units in decode order with IDR pictures
// carrying SPS/PPS, Opus packets as they are. frame_id counts from 0; capture_time_us is
// the packet's decode timestamp relative to the track's first packet; keyframe marks IDR
// pictures (always true for Opus). For tests and tools. Throws std::runtime_error naming the
// file when it cannot be read or has no such track.
std::vector<EncodedFrame> read_encoded_packets(const std::string& path, Codec codec);

}  // namespace agentcast::media
