#include "agentcast/call/media_sinks.h"

namespace agentcast::app {
namespace {

// The recording waits for its first picture's size with at most this much audio held, as
// the recorder itself holds audio until its first keyframe.
constexpr std::size_t kMaxHeldAudio = media::Recorder::kMaxHeldAudio;
// A stand-in size for a recording whose video never showed a picture: it keeps only its
// audio, and the size is never written.
const cv::Size kUnseenPicture{16, 16};

}  // namespace

void SnapshotSink::finish() {
  if (path_.empty()) return;
  if (auto frame = latest_.get()) {
    try {
      media::write_png(path_, frame->bgr);
    } catch (const std::exception& e) {
      warn_(e.what());
    }
  } else {
    warn_("no frame was decoded: no snapshot written");
  }
}

RecordingSink::RecordingSink(std::string path, media::RecorderStreams streams, bool size_known,
                             SinkWarning warn)
    : path_(std::move(path)), warn_(std::move(warn)) {
  if (size_known) {
    recorder_ = std::make_unique<media::Recorder>(path_, streams);
  } else {
    wanted_ = std::move(streams);
  }
}

void RecordingSink::write(const media::EncodedFrame& frame, cv::Size picture) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  if (wanted_) {
    if (!picture.empty()) {
      open_locked(picture);
    } else if (frame.codec == media::Codec::kOpus) {
      if (held_audio_.size() == kMaxHeldAudio) held_audio_.pop_front();
      held_audio_.push_back(frame);
      return;
    }
  }
  if (recorder_) recorder_->write(frame);
}

void RecordingSink::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (wanted_) open_locked(kUnseenPicture);
  if (!recorder_) return;
  try {
    recorder_->close();
  } catch (const std::exception& e) {
    warn_(e.what());
  }
}

// With mutex_ held, once the recording's picture size is known.
void RecordingSink::open_locked(cv::Size picture) {
  media::RecorderStreams streams = *wanted_;
  wanted_.reset();
  if (streams.video) {
    streams.video->width = picture.width;
    streams.video->height = picture.height;
  }
  try {
    recorder_ = std::make_unique<media::Recorder>(path_, streams);
  } catch (const std::exception& e) {
    warn_(e.what());
    held_audio_.clear();
    return;
  }
  for (const media::EncodedFrame& frame : held_audio_)
    recorder_->write(frame);
  held_audio_.clear();
}

}  // namespace agentcast::app
