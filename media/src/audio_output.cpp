// Audio sinks: PortAudio playback through the DAC ring, WAV files, and nothing.

#include "agentcast/media/audio_output.h"

#include <portaudio.h>

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>

#include "agentcast/media/spsc_ring.h"

namespace agentcast::media {

namespace {

// About 680 ms: far more than the prebuffer, so a playback thread that runs ahead of the
// device's clock for a while loses nothing.
constexpr std::size_t kRingSamples = 32'768;

int count_output_devices() {
  int outputs = 0;
  for (PaDeviceIndex i = 0; i < Pa_GetDeviceCount(); ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (info != nullptr && info->maxOutputChannels > 0) ++outputs;
  }
  return outputs;
}

}  // namespace

AudioSinkStats NullSink::stats() const {
  AudioSinkStats stats;
  stats.frames_played = frames_.load(std::memory_order_relaxed);
  return stats;
}

// --- WavSink -------------------------------------------------------------------------------

WavSink::WavSink(const std::filesystem::path& path) : writer_(path) {}

WavSink::~WavSink() = default;  // WavWriter's destructor patches the header

void WavSink::play(const AudioFrame& frame) {
  try {
    writer_.write(frame);
    frames_.fetch_add(1, std::memory_order_relaxed);
  } catch (const std::exception& error) {
    fail(error.what());
  }
}

void WavSink::close() {
  writer_.close();
}

void WavSink::fail(std::string message) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  const std::lock_guard lock(error_mutex_);
  error_ = std::move(message);
}

AudioSinkStats WavSink::stats() const {
  AudioSinkStats stats;
  stats.frames_played = frames_.load(std::memory_order_relaxed);
  stats.errors = errors_.load(std::memory_order_relaxed);
  return stats;
}

std::string WavSink::describe() const {
  return "WAV file '" + writer_.path().string() + "'";
}

std::string WavSink::error() const {
  const std::lock_guard lock(error_mutex_);
  return error_;
}

// --- PortAudioSink -------------------------------------------------------------------------

struct PortAudioSink::Impl {
  Impl(std::optional<int> device_index, int prebuffer_frames);
  ~Impl() {
    if (stream != nullptr) {
      Pa_AbortStream(stream);  // queued audio of a call that is over is not worth waiting for
      Pa_CloseStream(stream);
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // The real-time side: copies out of the ring and pads with silence; no locks, no
  // allocation, no logging.
  static int on_audio(const void* /*input*/, void* output, unsigned long frame_count,
                      const PaStreamCallbackTimeInfo* /*time*/, PaStreamCallbackFlags /*flags*/,
                      void* user) {
    auto& self = *static_cast<Impl*>(user);
    const std::span<std::int16_t> out(static_cast<std::int16_t*>(output), frame_count);
    const std::size_t got = self.ring.read(out);
    if (got < out.size()) {
      std::fill(out.begin() + static_cast<std::ptrdiff_t>(got), out.end(), std::int16_t{0});
      self.underruns.fetch_add(1, std::memory_order_relaxed);
    }
    return paContinue;
  }

  void fail(std::string message) {
    errors.fetch_add(1, std::memory_order_relaxed);
    const std::lock_guard lock(error_mutex);
    error = std::move(message);
  }

  // Declared first so that it is destroyed last: the stream must close before Pa_Terminate.
  detail::PortAudioLibrary library{"audio output"};
  SpscRing<std::int16_t> ring{kRingSamples};
  std::atomic<std::uint64_t> underruns{0};
  std::atomic<std::uint64_t> frames{0};
  std::atomic<std::uint64_t> errors{0};

  std::string name;
  std::size_t prebuffer_samples = 0;
  bool started = false;  // playing thread only
  bool broken = false;   // the stream would not start: frames are dropped and counted
  mutable std::mutex error_mutex;
  std::string error;
  PaStream* stream = nullptr;
};

PortAudioSink::Impl::Impl(std::optional<int> device_index, int prebuffer_frames) {
  if (prebuffer_frames < 1 ||
      static_cast<std::size_t>(prebuffer_frames) * kAudioFrameSamples > kRingSamples / 2) {
    throw std::invalid_argument("audio output: prebuffer must be 1.." +
                                std::to_string(kRingSamples / 2 / kAudioFrameSamples) +
                                " frames, got " + std::to_string(prebuffer_frames));
  }
  prebuffer_samples = static_cast<std::size_t>(prebuffer_frames) * kAudioFrameSamples;

  const PaDeviceIndex device = device_index ? *device_index : Pa_GetDefaultOutputDevice();
  if (!device_index && device == paNoDevice) {
    throw AudioDeviceError("audio output: no output device (PortAudio found " +
                           std::to_string(count_output_devices()) + " output devices)");
  }
  const std::string label = "device " + std::to_string(device);
  if (device < 0 || device >= Pa_GetDeviceCount()) {
    throw AudioDeviceError("audio output: " + label + " does not exist (PortAudio found " +
                           std::to_string(Pa_GetDeviceCount()) + " devices, " +
                           std::to_string(count_output_devices()) + " with output)");
  }
  const PaDeviceInfo* info = Pa_GetDeviceInfo(device);
  name = "'" + std::string(info->name != nullptr ? info->name : "?") + "' (" + label + ")";
  if (info->maxOutputChannels < 1) {
    throw AudioDeviceError("audio output: " + name + " has no output channels");
  }

  PaStreamParameters params{};
  params.device = device;
  params.channelCount = kAudioChannels;
  params.sampleFormat = paInt16;
  params.suggestedLatency = info->defaultLowOutputLatency;
  const PaError supported = Pa_IsFormatSupported(nullptr, &params, kAudioSampleRate);
  if (supported != paFormatIsSupported) {
    throw AudioDeviceError("audio output: " + name +
                           " cannot play 48 kHz mono 16-bit: " + Pa_GetErrorText(supported));
  }
  const PaError status =
      Pa_OpenStream(&stream, nullptr, &params, kAudioSampleRate, paFramesPerBufferUnspecified,
                    paNoFlag, &Impl::on_audio, this);
  if (status != paNoError) {
    stream = nullptr;
    throw AudioDeviceError("audio output: cannot open " + name + ": " + Pa_GetErrorText(status));
  }
  // Started by play() once the prebuffer is queued.
}

PortAudioSink::PortAudioSink(std::optional<int> device_index, int prebuffer_frames)
    : impl_(std::make_unique<Impl>(device_index, prebuffer_frames)) {}

PortAudioSink::~PortAudioSink() = default;

void PortAudioSink::play(const AudioFrame& frame) {
  Impl& s = *impl_;
  if (s.broken) {
    s.errors.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  s.ring.write(frame.samples);  // what does not fit is counted by the ring
  s.frames.fetch_add(1, std::memory_order_relaxed);
  if (!s.started && s.ring.size() >= s.prebuffer_samples) {
    const PaError status = Pa_StartStream(s.stream);
    if (status != paNoError) {
      s.broken = true;
      s.fail("audio output: cannot start " + s.name + ": " + Pa_GetErrorText(status));
      return;
    }
    s.started = true;
  }
}

AudioSinkStats PortAudioSink::stats() const {
  AudioSinkStats stats;
  stats.frames_played = impl_->frames.load(std::memory_order_relaxed);
  stats.samples_dropped = impl_->ring.overruns();
  stats.underruns = impl_->underruns.load(std::memory_order_relaxed);
  stats.errors = impl_->errors.load(std::memory_order_relaxed);
  return stats;
}

std::string PortAudioSink::describe() const {
  return "sound device " + impl_->name;
}

std::string PortAudioSink::error() const {
  const std::lock_guard lock(impl_->error_mutex);
  return impl_->error;
}

// --- Factories -----------------------------------------------------------------------------

std::unique_ptr<AudioSink> open_audio_sink(std::string_view spec) {
  if (spec == "none") return std::make_unique<NullSink>();
  if (spec == "default") return std::make_unique<PortAudioSink>();
  if (spec.starts_with("device:")) {
    return std::make_unique<PortAudioSink>(detail::parse_device_index(spec.substr(7), spec));
  }
  if (spec.starts_with("wav:")) {
    const std::string_view path = spec.substr(4);
    if (path.empty()) throw std::invalid_argument("audio output: 'wav:' needs a path");
    return std::make_unique<WavSink>(std::filesystem::path(path));
  }
  throw std::invalid_argument("audio output: unknown '" + std::string(spec) +
                              "' (expected default, device:N, none or wav:PATH)");
}

std::unique_ptr<AudioSink> open_audio_sink_or_fallback(std::string_view spec,
                                                       std::string& warning) {
  warning.clear();
  try {
    return open_audio_sink(spec);
  } catch (const AudioDeviceError& error) {
    warning = std::string(error.what()) + "; continuing without sound";
    return std::make_unique<NullSink>();
  }
}

}  // namespace agentcast::media
