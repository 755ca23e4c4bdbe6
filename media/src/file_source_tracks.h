#pragma once
// Private to FileSource: the clock both tracks are paced by, and the two tracks, each with
// its own demuxer instance (see file_source.h for why).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

#include "agentcast/media/file_source.h"
#include "agentcast/media/media_types.h"
#include "av_file_util.h"

namespace agentcast::media::detail {

// Maps media time (microseconds since the file's start, continued across loops) to the
// steady clock. The first frame released by either track anchors it, so both tracks play
// against the same origin and stay in sync. Not re-anchored when a consumer falls behind:
// that would pull the tracks apart; a late frame is simply released at once.
class PlaybackClock {
 public:
  explicit PlaybackClock(bool realtime) : realtime_(realtime) {}

  // Blocks until `media_us` is due. False once interrupt() was called.
  bool wait_until(std::int64_t media_us);
  void interrupt();

 private:
  const bool realtime_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool interrupted_ = false;
  bool anchored_ = false;
  std::int64_t anchor_us_ = 0;  // now_us() at media time 0
};

// Counters a track updates from its own thread and anyone may read.
struct TrackCounters {
  std::atomic<std::uint64_t> loops{0};
  std::atomic<std::uint64_t> errors{0};
};

class VideoTrack {
 public:
  VideoTrack(FormatInputPtr input, const std::string& path, const FileSourceOptions& options,
             PlaybackClock& clock, TrackCounters& counters);

  bool passthrough() const noexcept { return bsf_ != nullptr; }
  cv::Size size() const noexcept { return size_; }
  double fps() const noexcept { return fps_; }
  std::string describe() const;

  std::optional<EncodedFrame> next_encoded();
  std::optional<VideoFrame> next_raw();

 private:
  // Media time of a timestamp in the stream's time base (NOPTS: just after the last one).
  std::int64_t media_time_us(std::int64_t ts);
  // At the end of the file: rewinds when looping and returns true.
  bool start_next_pass();
  cv::Mat to_bgr(const AVFrame* frame);

  StreamReader reader_;
  const bool loop_;
  PlaybackClock& clock_;
  TrackCounters& counters_;
  BsfPtr bsf_;               // passthrough
  ParameterSetCache sets_;   // passthrough
  CodecContextPtr decoder_;  // decode path
  SwsPtr sws_;               // decode path
  PacketPtr packet_ = make_packet();
  FramePtr frame_ = make_frame();
  cv::Size size_;
  bool scale_ = false;
  double fps_ = 30.0;
  std::int64_t frame_interval_us_ = 33'333;
  std::int64_t loop_offset_us_ = 0;  // media time at which the current pass started
  std::int64_t last_media_us_ = 0;   // within the current pass, before loop_offset_us_
  bool pass_has_frames_ = false;
  bool ended_ = false;
  std::uint64_t next_id_ = 0;
};

class AudioTrack {
 public:
  AudioTrack(FormatInputPtr input, const std::string& path, const FileSourceOptions& options,
             PlaybackClock& clock, TrackCounters& counters);
  ~AudioTrack();
  AudioTrack(const AudioTrack&) = delete;
  AudioTrack& operator=(const AudioTrack&) = delete;

  std::string describe() const;
  std::optional<AudioFrame> next();

 private:
  // Decodes some more audio into pending_; sets input_ended_ at the end of the file.
  void decode_more();
  void resample(const AVFrame* frame);
  void flush_resampler();

  StreamReader reader_;
  const bool loop_;
  PlaybackClock& clock_;
  TrackCounters& counters_;
  CodecContextPtr decoder_;
  SwrPtr swr_;
  AVChannelLayout swr_layout_{};  // the input the resampler was set up for
  int swr_rate_ = 0;
  int swr_format_ = -1;
  PacketPtr packet_ = make_packet();
  FramePtr frame_ = make_frame();
  std::vector<std::int16_t> pending_;  // resampled, not yet handed out
  std::uint64_t samples_out_ = 0;      // handed out so far: the media clock of this track
  std::uint64_t passes_ = 0;
  bool pass_has_frames_ = false;
  bool input_ended_ = false;
  std::uint64_t next_number_ = 0;
};

}  // namespace agentcast::media::detail
