#pragma once
// The receiving half of a call (patent Fig. 20, right): packets opened by the agent →
// jitter buffers → decoders → sinks (display callback, recording, snapshot, audio output).
// A viewer runs one for what the sender sends; a sender runs one for what a viewer sends
// back (a two-way call). The caller owns the socket and the agent: its receive thread
// opens each packet and hands the payload here.
//
// Threads: insert(), pump(), next_deadline_us() and poll_keyframe_request() belong to the
// caller's receive thread; the decode threads are this pipeline's own; the rest may be
// called from any thread.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <QtCore/QJsonObject>

#include "agentcast/call/latency.h"
#include "agentcast/call/media_sinks.h"
#include "agentcast/call/media_stats.h"
#include "agentcast/call/session_agent.h"
#include "agentcast/crypto/cipher_unit.h"  // UnitId
#include "agentcast/media/frame_buffer.h"
#include "agentcast/media/h264_codec.h"
#include "agentcast/media/jitter_buffer.h"
#include "agentcast/media/recorder.h"
#include "agentcast/media/snapshot.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/feedback.h"

namespace agentcast::media {
class AudioSink;
}

namespace agentcast::app {

struct IncomingMediaOptions {
  std::string record_path;         // Matroska file of the received streams, remuxed
  std::string snapshot_path;       // PNG of the last decoded frame, written by finish()
  std::string audio_out = "none";  // default | none | wav:PATH | device:N
  int latency_ms = 50;             // jitter buffer target
  std::int64_t started_us = 0;     // time_to_first_frame_ms counts from here; 0: now
};

class IncomingMedia {
 public:
  // Reported once, as it happens (a missing sound card, no frame for the snapshot, ...).
  using Warn = std::function<void(const std::string&)>;

  IncomingMedia(IncomingMediaOptions options, Warn warn);
  ~IncomingMedia();  // stops
  IncomingMedia(const IncomingMedia&) = delete;
  IncomingMedia& operator=(const IncomingMedia&) = delete;

  // Takes the streams to play (at most one H.264 and one Opus) and opens the sinks. A video
  // stream without a size (width 0: the other end did not say) is recorded from its first
  // decoded picture on, with the audio before it held. Throws std::runtime_error naming a
  // recording or WAV file that cannot be written, std::invalid_argument for a bad audio
  // output; a missing sound card is a warning and the call goes on silent.
  void open(const std::vector<net::StreamDescription>& streams);
  bool has_video() const noexcept { return video_id_.has_value(); }
  bool has_audio() const noexcept { return audio_id_.has_value(); }
  bool carries(std::uint16_t stream_id) const noexcept {
    return stream_id == video_id_ || stream_id == audio_id_;
  }

  // Called on the video thread with every decoded frame (for a display). Before start().
  void on_frame(std::function<void(const media::VideoFrame&)> callback);
  // One more place for every decoded picture. Before start().
  void add_sink(std::unique_ptr<PictureSink> sink) { picture_sinks_.push_back(std::move(sink)); }
  // The session's units in order, so that statistics name the current one. Before start().
  void set_units(std::vector<crypto::UnitId> units) { units_ = std::move(units); }
  // Playback gain (0 .. 1) and mute, applied before the audio sink; any thread.
  void set_volume(float volume) noexcept;
  void set_muted(bool muted) noexcept { muted_.store(muted, std::memory_order_relaxed); }
  // Starts the decode threads. After open().
  void start();

  // Receive thread: one opened packet of a stream this pipeline carries.
  void insert(const net::PacketHeader& header, crypto::Bytes payload, std::int64_t now_us);
  // Receive thread: hands the frames that are due to the decoders.
  void pump(std::int64_t now_us);
  // Receive thread: when pump() next has work if no packet arrives meanwhile.
  std::optional<std::int64_t> next_deadline_us() const;
  // Receive thread: true (and counted) when the other end should send a keyframe now.
  bool poll_keyframe_request(std::int64_t now_us);

  // Takes the figures of stats_json() from the agent and the jitter buffers, and sums them
  // up as a receiver report for the other end.
  net::ReceiverReport publish(const agent::AgentStats& agent_stats);

  // After the other end said goodbye: lets what is in flight arrive and play out, until
  // the network has been quiet for a moment and the queues are empty, or a second passed.
  void drain() const;
  // Stops the decode threads (the video decoder flushed). Idempotent.
  void stop();
  // After stop(): finishes the recording and writes the snapshot. Idempotent.
  void finish();

  // The receiving keys of docs/STATS.md (packets_received ... last_frame; not the seed
  // counters, which belong to the control channel). Any thread.
  ReceivingFigures figures() const;

 private:
  // Loss accounting of one incoming stream, kept under receive_mutex_.
  struct SequenceTracker {
    std::optional<std::uint64_t> first;
    std::uint64_t highest = 0;
    void saw(std::uint64_t sequence) {
      if (!first || sequence < *first) first = sequence;
      highest = std::max(highest, sequence);
    }
    std::uint64_t expected() const { return first ? highest - *first + 1 : 0; }
  };

  media::JitterConfig jitter_config() const;
  void video_loop(std::stop_token stop);
  void audio_loop(std::stop_token stop);

  IncomingMediaOptions options_;
  Warn warn_;
  std::optional<std::uint16_t> video_id_, audio_id_;
  std::atomic<bool> opened_{false};
  std::vector<crypto::UnitId> units_;
  std::atomic<float> volume_{1.0F};
  std::atomic<bool> muted_{false};

  // The receive thread's state; the mutex lets other threads take consistent figures.
  mutable std::mutex receive_mutex_;
  media::JitterBuffer video_jitter_, audio_jitter_;
  SequenceTracker video_sequences_, audio_sequences_;
  std::uint64_t bytes_received_ = 0;  // on the wire, of the packets inserted
  // RFC 3550 interarrival jitter of the audio frames (sent at a steady 20 ms), in µs.
  double audio_jitter_us_ = 0;
  std::optional<std::pair<std::int64_t, std::int64_t>> last_audio_times_;  // capture, arrival

  media::FrameBuffer<media::EncodedFrame> video_queue_;
  media::FrameBuffer<media::ReleasedFrame> audio_queue_;
  std::unique_ptr<media::AudioSink> audio_sink_;
  std::vector<std::jthread> threads_;

  // The sinks: the snapshot (always: it keeps the newest picture for the statistics) and
  // any display; the recording, which takes frames before they are decoded.
  std::vector<std::unique_ptr<PictureSink>> picture_sinks_;
  SnapshotSink* snapshot_ = nullptr;  // owned by picture_sinks_
  std::unique_ptr<RecordingSink> recording_;
  std::atomic<bool> finished_{false};

  std::atomic<std::int64_t> first_frame_us_{0}, last_packet_us_{0};
  std::atomic<std::size_t> frames_in_jitter_buffers_{0};
  std::atomic<std::uint64_t> frames_decoded_{0}, audio_frames_played_{0};
  std::atomic<std::uint64_t> audio_frames_concealed_{0}, keyframe_requests_{0};

  // What the receive and decode threads publish for figures().
  mutable std::mutex stats_mutex_;
  std::int64_t last_frame_us_ = 0;  // video thread
  std::int64_t longest_video_gap_us_ = 0;
  LatencyRecorder latency_;
  // Of this pipeline's streams; a stream the agent no longer has keeps its last figures.
  std::map<std::uint16_t, net::ReceivingStats> receiving_;
  std::map<std::uint16_t, std::uint32_t> current_epoch_;
  std::uint64_t packets_expected_ = 0;
  media::JitterStats video_jitter_stats_;
  media::H264DecoderStats decoder_stats_;
};

}  // namespace agentcast::app
