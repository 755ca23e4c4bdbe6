#pragma once
// The ends of the receiving pipeline (decode → sinks). Every decoded picture goes to each
// picture sink (a display, the snapshot); every received frame goes, before it is
// decoded, to the recording. A new place for pictures is one more PictureSink.

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agentcast/media/media_types.h"
#include "agentcast/media/recorder.h"
#include "agentcast/media/snapshot.h"

namespace agentcast::app {

// Reported once, as it happens (a file that cannot be written, no picture to snapshot).
using SinkWarning = std::function<void(const std::string&)>;

class PictureSink {
 public:
  virtual ~PictureSink() = default;
  // The decode thread, with each picture in display order.
  virtual void show(const media::VideoFrame& frame) = 0;
  // Once, after the decode thread stopped.
  virtual void finish() {}
};

// Hands each picture to a callback (the apps' video area).
class CallbackSink final : public PictureSink {
 public:
  explicit CallbackSink(std::function<void(const media::VideoFrame&)> callback)
      : callback_(std::move(callback)) {}
  void show(const media::VideoFrame& frame) override { callback_(frame); }

 private:
  std::function<void(const media::VideoFrame&)> callback_;
};

// Keeps the newest picture (the statistics' `last_frame`), and writes it as a PNG when
// the call ends if a path was given (--snapshot).
class SnapshotSink final : public PictureSink {
 public:
  SnapshotSink(std::string path, SinkWarning warn)
      : path_(std::move(path)), warn_(std::move(warn)) {}
  void show(const media::VideoFrame& frame) override { latest_.put(frame); }
  void finish() override;
  // Any thread.
  std::optional<media::VideoFrame> latest() const { return latest_.get(); }

 private:
  std::string path_;
  SinkWarning warn_;
  media::LatestFrame latest_;
};

// Remuxes the received H.264 and Opus frames into a Matroska file (--record). When the
// video's size was not announced, the file is opened at the first decoded picture, with
// the audio before it held (bounded). Any thread; finish() once.
class RecordingSink {
 public:
  // size_known: the streams' video size is the picture's, and the file opens now.
  // Throws std::runtime_error naming a file that cannot be written.
  RecordingSink(std::string path, media::RecorderStreams streams, bool size_known,
                SinkWarning warn);
  // `picture`: the decoder's picture size so far (empty for audio, or before the first).
  void write(const media::EncodedFrame& frame, cv::Size picture);
  void finish();

 private:
  void open_locked(cv::Size picture);

  const std::string path_;
  SinkWarning warn_;
  std::mutex mutex_;
  std::optional<media::RecorderStreams> wanted_;  // not yet opened
  std::unique_ptr<media::Recorder> recorder_;
  std::deque<media::EncodedFrame> held_audio_;
  bool finished_ = false;
};

}  // namespace agentcast::app
