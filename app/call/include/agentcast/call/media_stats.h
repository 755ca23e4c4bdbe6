#pragma once
// The media pipelines' statistics (docs/STATS.md) as typed snapshots. Each struct names
// its keys once, in its to_json(); the pipelines fill them, the sender and the viewer
// put them together. A key added here is a field, a line in to_json() and a row in
// docs/STATS.md.

#include <cstdint>
#include <optional>
#include <string>

#include <QtCore/QJsonObject>

namespace agentcast::app {

// Copies every key of `part` into `into`: the parts of one statistics file.
void merge_json(QJsonObject& into, const QJsonObject& part);

// The cipher unit and epoch of the newest packet of the video stream (audio's without
// video): `unit`, `epoch`.
struct CurrentUnit {
  std::string unit;  // its name, or its index when the session's list does not have it
  std::uint64_t epoch = 0;
};

// The sending keys: frames_captured ... epoch_changes_delayed.
struct SendingFigures {
  std::uint64_t frames_captured = 0;
  std::uint64_t frames_dropped_buffer = 0;
  std::uint64_t frames_encoded = 0;
  std::uint64_t audio_frames_encoded = 0;
  std::uint64_t video_frames_sent = 0;
  std::uint64_t audio_frames_sent = 0;
  std::uint64_t send_queue_dropped = 0;
  std::uint64_t packets_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t packets_sealed = 0;
  std::uint64_t unit_switches = 0;
  std::uint64_t epochs = 0;
  std::uint64_t epoch_changes_delayed = 0;
  std::optional<CurrentUnit> current;
  QJsonObject to_json() const;
};

struct LatencyFigures {
  double p50 = 0, p95 = 0, p99 = 0;
  std::uint64_t samples = 0;
  QJsonObject to_json() const;
};

struct VideoJitterFigures {
  std::uint64_t frames_complete = 0;
  std::uint64_t frames_released = 0;
  std::uint64_t frames_buffered = 0;
  std::uint64_t fragments_late = 0;
  std::uint64_t fragments_duplicate = 0;
  QJsonObject to_json() const;
};

struct LastFrameFigures {
  std::uint64_t frame_id = 0;
  std::int64_t capture_time_us = 0;
  int width = 0, height = 0;
  QJsonObject to_json() const;
};

// The receiving keys: packets_received ... last_frame (not the seed and instruction
// counters, which belong to the control channel).
struct ReceivingFigures {
  std::uint64_t packets_received = 0;
  std::uint64_t bytes_received = 0;
  double jitter_ms = 0;
  std::uint64_t packets_lost = 0;
  std::uint64_t packets_reordered = 0;
  std::uint64_t packets_duplicate = 0;
  std::uint64_t decrypt_failures = 0;
  std::uint64_t replays_rejected = 0;
  std::uint64_t frames_decoded = 0;
  std::uint64_t frames_dropped = 0;
  std::uint64_t keyframe_requests = 0;
  std::uint64_t audio_frames_played = 0;
  std::uint64_t audio_frames_concealed = 0;
  std::uint64_t audio_underruns = 0;
  LatencyFigures latency_ms;
  double time_to_first_frame_ms = -1;  // -1: none yet
  std::uint64_t unit_switches = 0;
  std::uint64_t packets_without_instruction = 0;
  std::uint64_t packets_before_join = 0;    // numbered below the join's first sequence
  std::uint64_t packets_too_far_ahead = 0;  // beyond the replay window's bounded jump
  std::uint64_t packets_wrong_origin = 0;   // origin tag missing or not under this viewer's key
  std::uint64_t packets_unknown_epoch = 0;  // an epoch out of reach or whose seed is missing
  std::uint64_t epochs = 0;
  std::uint64_t decode_errors = 0;
  double longest_video_gap_ms = 0;
  VideoJitterFigures video_jitter;
  std::optional<CurrentUnit> current;
  std::optional<LastFrameFigures> last_frame;
  QJsonObject to_json() const;
};

}  // namespace agentcast::app
