#include "agentcast/call/media_stats.h"

namespace agentcast::app {
namespace {

qint64 n(std::uint64_t value) {
  return static_cast<qint64>(value);
}

void put_current(QJsonObject& json, const std::optional<CurrentUnit>& current) {
  if (!current) return;
  json["unit"] = QString::fromStdString(current->unit);
  json["epoch"] = n(current->epoch);
}

}  // namespace

void merge_json(QJsonObject& into, const QJsonObject& part) {
  for (auto it = part.begin(); it != part.end(); ++it)
    into[it.key()] = it.value();
}

QJsonObject SendingFigures::to_json() const {
  QJsonObject json;
  json["frames_captured"] = n(frames_captured);
  json["frames_dropped_buffer"] = n(frames_dropped_buffer);
  json["frames_encoded"] = n(frames_encoded);
  json["audio_frames_encoded"] = n(audio_frames_encoded);
  json["video_frames_sent"] = n(video_frames_sent);
  json["audio_frames_sent"] = n(audio_frames_sent);
  json["send_queue_dropped"] = n(send_queue_dropped);
  json["packets_sent"] = n(packets_sent);
  json["bytes_sent"] = n(bytes_sent);
  json["send_errors"] = n(send_errors);
  json["packets_sealed"] = n(packets_sealed);
  json["unit_switches"] = n(unit_switches);
  json["epochs"] = n(epochs);
  json["epoch_changes_delayed"] = n(epoch_changes_delayed);
  put_current(json, current);
  return json;
}

QJsonObject LatencyFigures::to_json() const {
  QJsonObject json;
  json["p50"] = p50;
  json["p95"] = p95;
  json["p99"] = p99;
  json["samples"] = n(samples);
  return json;
}

QJsonObject VideoJitterFigures::to_json() const {
  QJsonObject json;
  json["frames_complete"] = n(frames_complete);
  json["frames_released"] = n(frames_released);
  json["frames_buffered"] = n(frames_buffered);
  json["fragments_late"] = n(fragments_late);
  json["fragments_duplicate"] = n(fragments_duplicate);
  return json;
}

QJsonObject LastFrameFigures::to_json() const {
  QJsonObject json;
  json["frame_id"] = n(frame_id);
  json["capture_time_us"] = static_cast<qint64>(capture_time_us);
  json["width"] = width;
  json["height"] = height;
  return json;
}

QJsonObject ReceivingFigures::to_json() const {
  QJsonObject json;
  json["packets_received"] = n(packets_received);
  json["bytes_received"] = n(bytes_received);
  json["jitter_ms"] = jitter_ms;
  json["packets_lost"] = n(packets_lost);
  json["packets_reordered"] = n(packets_reordered);
  json["packets_duplicate"] = n(packets_duplicate);
  json["decrypt_failures"] = n(decrypt_failures);
  json["replays_rejected"] = n(replays_rejected);
  json["frames_decoded"] = n(frames_decoded);
  json["frames_dropped"] = n(frames_dropped);
  json["keyframe_requests"] = n(keyframe_requests);
  json["audio_frames_played"] = n(audio_frames_played);
  json["audio_frames_concealed"] = n(audio_frames_concealed);
  json["audio_underruns"] = n(audio_underruns);
  json["latency_ms"] = latency_ms.to_json();
  json["time_to_first_frame_ms"] = time_to_first_frame_ms;
  json["unit_switches"] = n(unit_switches);
  json["packets_without_instruction"] = n(packets_without_instruction);
  json["packets_before_join"] = n(packets_before_join);
  json["packets_too_far_ahead"] = n(packets_too_far_ahead);
  json["packets_wrong_origin"] = n(packets_wrong_origin);
  json["packets_unknown_epoch"] = n(packets_unknown_epoch);
  json["epochs"] = n(epochs);
  json["decode_errors"] = n(decode_errors);
  json["longest_video_gap_ms"] = longest_video_gap_ms;
  json["video_jitter"] = video_jitter.to_json();
  put_current(json, current);
  if (last_frame) json["last_frame"] = last_frame->to_json();
  return json;
}

}  // namespace agentcast::app
