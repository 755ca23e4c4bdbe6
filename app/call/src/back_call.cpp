#include "back_call.h"

#include <algorithm>
#include <cstdio>

namespace agentcast::app {

BackCall::BackCall(std::uint16_t viewer_slot, std::string viewer_name, IncomingMediaOptions sinks)
    : slot(viewer_slot),
      name(std::move(viewer_name)),
      media(std::move(sinks), [viewer_slot](const std::string& text) {
        std::fprintf(stderr, "viewer %u sending back: %s\n", viewer_slot, text.c_str());
      }) {}

void BackCalls::set_volume(float volume) {
  volume_.store(std::clamp(volume, 0.0F, 1.0F));
  if (const auto call = current()) call->media.set_volume(volume);
}

void BackCalls::set_muted(bool muted) {
  muted_.store(muted);
  if (const auto call = current()) call->media.set_muted(muted);
}

// The back streams begin where the viewer's feedback does, from the seed of its session
// message; their stream ids give them keys of their own.
std::shared_ptr<BackCall> BackCalls::start(std::uint16_t slot, const std::string& name,
                                           const agent::StreamJoinState& start) {
  auto call = std::make_shared<BackCall>(slot, name, sinks_);
  // The viewer does not say what size it sends: the recording takes it from the first
  // picture.
  net::StreamDescription video;
  video.id = net::back_video_stream_id(slot);
  video.kind = net::MediaKind::kVideo;
  video.codec = "h264";
  net::StreamDescription audio;
  audio.id = net::back_audio_stream_id(slot);
  audio.kind = net::MediaKind::kAudio;
  audio.codec = "opus";
  audio.sample_rate = media::kAudioSampleRate;
  audio.channels = media::kAudioChannels;
  try {
    call->media.open({video, audio});
    call->media.set_units(agent_.params().units.units);
    if (frame_callback_) call->media.on_frame(frame_callback_);
    call->media.set_volume(volume_.load());
    call->media.set_muted(muted_.load());
    agent_.add_incoming(video.id, net::MediaKind::kVideo, &start);
    agent_.add_incoming(audio.id, net::MediaKind::kAudio, &start);
    call->media.start();
  } catch (...) {
    close(*call);
    throw;
  }
  return call;
}

void BackCalls::publish(std::shared_ptr<BackCall> call) {
  std::lock_guard lock(mutex_);
  current_ = call;
  last_ = std::move(call);
}

void BackCalls::close(BackCall& call) {
  agent_.remove_incoming(net::back_video_stream_id(call.slot));
  agent_.remove_incoming(net::back_audio_stream_id(call.slot));
  call.media.stop();
}

void BackCalls::end(std::optional<std::uint16_t> slot) {
  std::shared_ptr<BackCall> call;
  {
    std::lock_guard lock(mutex_);
    if (!current_ || (slot && current_->slot != *slot)) return;
    call = std::move(current_);
    current_.reset();
  }
  call->media.publish(agent_.stats());  // the final figures, while its streams are there
  close(*call);
  call->media.finish();
}

void BackCalls::take_seed(std::uint16_t slot, const net::SeedMessage& seed) {
  const std::shared_ptr<BackCall> call = current();
  if (!call || call->slot != slot) return;
  const bool own = seed.stream_id == net::back_video_stream_id(slot) ||
                   seed.stream_id == net::back_audio_stream_id(slot);
  call->seeds.provide(agent_, seed, own);
}

std::shared_ptr<BackCall> BackCalls::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::shared_ptr<BackCall> BackCalls::last() const {
  std::lock_guard lock(mutex_);
  return last_;
}

}  // namespace agentcast::app
