// `--video file:PATH` / `--audio file:PATH`: the FileSource shell, its playback clock, and
// read_encoded_packets(). The tracks are in file_video_track.cpp and file_audio_track.cpp.

#include "agentcast/media/file_source.h"

#include <chrono>
#include <stdexcept>
#include <utility>

#include "av_file_util.h"
#include "file_source_tracks.h"

namespace agentcast::media {

namespace detail {

bool PlaybackClock::wait_until(std::int64_t media_us) {
  std::unique_lock lock(mutex_);
  if (interrupted_) return false;
  if (!realtime_) return true;
  if (!anchored_) {
    // The first frame goes out at once (a B-frame stream's first dts is below zero).
    anchor_us_ = now_us() - std::max<std::int64_t>(media_us, 0);
    anchored_ = true;
  }
  const std::chrono::steady_clock::time_point due{std::chrono::microseconds(anchor_us_ + media_us)};
  wake_.wait_until(lock, due, [this] { return interrupted_; });
  return !interrupted_;
}

void PlaybackClock::interrupt() {
  {
    std::lock_guard lock(mutex_);
    interrupted_ = true;
  }
  wake_.notify_all();
}

}  // namespace detail

struct FileSource::Impl {
  std::string path;
  bool loop = false;
  detail::PlaybackClock clock;
  detail::TrackCounters counters;
  std::unique_ptr<detail::VideoTrack> video;
  std::unique_ptr<detail::AudioTrack> audio;

  Impl(std::string p, const FileSourceOptions& options)
      : path(std::move(p)), loop(options.loop), clock(options.realtime_pacing) {}
};

namespace {

bool has_stream(const AVFormatContext* input, AVMediaType type) {
  return av_find_best_stream(const_cast<AVFormatContext*>(input), type, -1, -1, nullptr, 0) >= 0;
}

void validate(const FileSourceOptions& options) {
  if (options.width < 0 || options.height < 0 || (options.width == 0) != (options.height == 0)) {
    throw std::invalid_argument(
        "file source: width and height must both be 0 (the file's size) or both positive");
  }
  if (options.video == FileTrack::kIgnore && options.audio == FileTrack::kIgnore) {
    throw std::invalid_argument("file source: neither video nor audio was asked for");
  }
}

}  // namespace

std::unique_ptr<FileSource> FileSource::open(const std::string& path,
                                             const FileSourceOptions& options) {
  validate(options);
  auto impl = std::make_unique<Impl>(path, options);
  detail::FormatInputPtr probe = detail::open_input(path);
  const bool want_video =
      options.video != FileTrack::kIgnore && has_stream(probe.get(), AVMEDIA_TYPE_VIDEO);
  const bool want_audio =
      options.audio != FileTrack::kIgnore && has_stream(probe.get(), AVMEDIA_TYPE_AUDIO);
  if (options.video == FileTrack::kRequired && !want_video) {
    throw std::runtime_error("file:" + path + ": has no video track");
  }
  if (options.audio == FileTrack::kRequired && !want_audio) {
    throw std::runtime_error("file:" + path + ": has no audio track");
  }
  if (!want_video && !want_audio) {
    throw std::runtime_error("file:" + path + ": has no video or audio track");
  }
  // One demuxer instance per track: the probe goes to the first, the second opens anew.
  if (want_video) {
    impl->video = std::make_unique<detail::VideoTrack>(std::move(probe), path, options, impl->clock,
                                                       impl->counters);
  }
  if (want_audio) {
    if (!probe) probe = detail::open_input(path);
    impl->audio = std::make_unique<detail::AudioTrack>(std::move(probe), path, options, impl->clock,
                                                       impl->counters);
  }
  return std::unique_ptr<FileSource>(new FileSource(std::move(impl)));
}

FileSource::FileSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileSource::~FileSource() = default;

bool FileSource::has_video() const noexcept {
  return impl_->video != nullptr;
}
bool FileSource::has_audio() const noexcept {
  return impl_->audio != nullptr;
}
bool FileSource::video_passthrough() const noexcept {
  return impl_->video && impl_->video->passthrough();
}

std::optional<EncodedFrame> FileSource::next_encoded_video() {
  return impl_->video ? impl_->video->next_encoded() : std::nullopt;
}

std::optional<VideoFrame> FileSource::next_raw_video() {
  return impl_->video ? impl_->video->next_raw() : std::nullopt;
}

std::optional<AudioFrame> FileSource::next_audio() {
  return impl_->audio ? impl_->audio->next() : std::nullopt;
}

void FileSource::interrupt() {
  impl_->clock.interrupt();
}

double FileSource::fps() const noexcept {
  return impl_->video ? impl_->video->fps() : 30.0;
}
cv::Size FileSource::size() const noexcept {
  return impl_->video ? impl_->video->size() : cv::Size();
}
const std::string& FileSource::path() const noexcept {
  return impl_->path;
}

std::string FileSource::describe() const {
  std::string text = "file:" + impl_->path;
  if (impl_->video) text += " " + impl_->video->describe();
  if (impl_->video && impl_->audio) text += ",";
  if (impl_->audio) text += " " + impl_->audio->describe();
  if (impl_->loop) text += ", looping";
  return text;
}

std::uint64_t FileSource::loops() const noexcept {
  return impl_->counters.loops.load();
}
std::uint64_t FileSource::errors() const noexcept {
  return impl_->counters.errors.load();
}

std::vector<EncodedFrame> read_encoded_packets(const std::string& path, Codec codec) {
  const bool h264 = codec == Codec::kH264;
  detail::StreamReader reader(detail::open_input(path),
                              h264 ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO);
  const AVStream* stream = reader.stream();
  if (stream == nullptr ||
      stream->codecpar->codec_id != (h264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_OPUS)) {
    throw std::runtime_error("file:" + path + ": has no " + (h264 ? "H.264" : "Opus") + " track");
  }
  detail::BsfPtr bsf = h264 ? detail::open_annexb_filter(stream, path) : nullptr;
  detail::ParameterSetCache sets;
  if (bsf)
    sets.seed(bsf->par_out->extradata, static_cast<std::size_t>(bsf->par_out->extradata_size));
  detail::PacketPtr packet = detail::make_packet();
  std::vector<EncodedFrame> frames;
  std::int64_t first_us = AV_NOPTS_VALUE;
  auto take = [&](AVPacket* p) {
    EncodedFrame frame;
    frame.codec = codec;
    frame.data.assign(p->data, p->data + p->size);
    frame.keyframe = h264 ? sets.complete(frame.data) : true;
    const std::int64_t t = detail::packet_time_us(p, stream->time_base);
    if (first_us == AV_NOPTS_VALUE) first_us = t;
    frame.capture_time_us = t == AV_NOPTS_VALUE ? 0 : t - first_us;
    frame.frame_id = frames.size();
    frames.push_back(std::move(frame));
    av_packet_unref(p);
  };
  bool at_end = false;
  while (!at_end) {
    at_end = reader.read(packet.get()) < 0;
    if (!bsf) {
      if (!at_end) take(packet.get());
      continue;
    }
    if (av_bsf_send_packet(bsf.get(), at_end ? nullptr : packet.get()) < 0) {
      av_packet_unref(packet.get());
    }
    while (av_bsf_receive_packet(bsf.get(), packet.get()) == 0)
      take(packet.get());
  }
  return frames;
}

}  // namespace agentcast::media
