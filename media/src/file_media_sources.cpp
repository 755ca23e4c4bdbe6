// `file:PATH` as a video source and as an audio source: each opens its own FileSource over
// the one track it needs, so a file is a source like any other and callers need not know it.

#include <memory>
#include <optional>
#include <string>

#include "agentcast/media/audio_source.h"
#include "agentcast/media/file_source.h"
#include "agentcast/media/video_source.h"

namespace agentcast::media {
namespace {

class FileVideoSource final : public VideoSource {
 public:
  explicit FileVideoSource(std::unique_ptr<FileSource> file) : file_(std::move(file)) {}

  std::optional<VideoFrame> next() override { return file_->next_raw_video(); }
  bool encoded() const noexcept override { return file_->video_passthrough(); }
  std::optional<EncodedFrame> next_encoded() override { return file_->next_encoded_video(); }
  VideoFormat format() const override {
    return {file_->size().width, file_->size().height, file_->fps()};
  }
  std::string describe() const override { return file_->describe(); }
  void interrupt() override { file_->interrupt(); }

 private:
  std::unique_ptr<FileSource> file_;
};

class FileAudioSource final : public AudioSource {
 public:
  explicit FileAudioSource(std::unique_ptr<FileSource> file) : file_(std::move(file)) {}

  std::optional<AudioFrame> next() override { return file_->next_audio(); }
  std::string describe() const override { return file_->describe(); }
  void interrupt() override { file_->interrupt(); }

 private:
  std::unique_ptr<FileSource> file_;
};

}  // namespace

std::unique_ptr<VideoSource> open_file_video_source(const std::string& path,
                                                    const VideoSourceOptions& options) {
  validate_video_source_options(options);
  FileSourceOptions file_options;
  file_options.video = FileTrack::kRequired;
  file_options.audio = FileTrack::kIgnore;
  file_options.loop = options.loop;
  file_options.realtime_pacing = options.pacing == Pacing::kRealTime;
  file_options.width = options.width;
  file_options.height = options.height;
  return std::make_unique<FileVideoSource>(FileSource::open(path, file_options));
}

std::unique_ptr<AudioSource> open_file_audio_source(const std::string& path,
                                                    const AudioSourceOptions& options) {
  FileSourceOptions file_options;
  file_options.video = FileTrack::kIgnore;
  file_options.audio = FileTrack::kRequired;
  file_options.loop = options.loop;
  file_options.realtime_pacing = options.pacing == Pacing::kRealTime;
  return std::make_unique<FileAudioSource>(FileSource::open(path, file_options));
}

}  // namespace agentcast::media
