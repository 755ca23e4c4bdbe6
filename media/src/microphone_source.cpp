// MicrophoneSource: PortAudio capture into the lock-free ADC ring (DESIGN.md, Fig. 20),
// and the PortAudio lifetime helper shared with the playback sink.

#include <fcntl.h>
#include <portaudio.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <semaphore>
#include <span>
#include <string>

#include "agentcast/media/audio_source.h"
#include "agentcast/media/spsc_ring.h"

namespace agentcast::media {

namespace {

// Pa_Initialize and Pa_Terminate are not thread-safe; every device object goes through here.
std::mutex& portaudio_mutex() {
  static std::mutex mutex;
  return mutex;
}

// Points stderr at /dev/null while alive, to hide what ALSA and JACK print while PortAudio
// probes for devices (see PortAudioLibrary in the header).
class QuietStderr {
 public:
  QuietStderr() {
    const char* debug = std::getenv("AGENTCAST_AUDIO_DEBUG");
    if (debug != nullptr && *debug != '\0' && *debug != '0') return;
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved_ < 0 || null_fd < 0 || ::dup2(null_fd, STDERR_FILENO) < 0) {
      if (null_fd >= 0) ::close(null_fd);
      if (saved_ >= 0) ::close(saved_);
      saved_ = -1;  // leave stderr as it was: noise is better than losing it
      return;
    }
    ::close(null_fd);
  }
  ~QuietStderr() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }
  QuietStderr(const QuietStderr&) = delete;
  QuietStderr& operator=(const QuietStderr&) = delete;

 private:
  int saved_ = -1;
};

int count_input_devices() {
  int inputs = 0;
  for (PaDeviceIndex i = 0; i < Pa_GetDeviceCount(); ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (info != nullptr && info->maxInputChannels > 0) ++inputs;
  }
  return inputs;
}

// How long next() waits for samples before it declares the device dead.
constexpr auto kStallTimeout = std::chrono::seconds(1);
// About 340 ms of audio: rides out a capture thread that is briefly descheduled.
constexpr std::size_t kRingSamples = 16'384;

}  // namespace

namespace detail {

PortAudioLibrary::PortAudioLibrary(std::string_view who) {
  const std::lock_guard lock(portaudio_mutex());
  PaError status = paNoError;
  {
    const QuietStderr quiet;
    status = Pa_Initialize();
  }
  if (status != paNoError) {
    throw AudioDeviceError(std::string(who) +
                           ": PortAudio failed to start: " + Pa_GetErrorText(status));
  }
}

PortAudioLibrary::~PortAudioLibrary() {
  const std::lock_guard lock(portaudio_mutex());
  const QuietStderr quiet;  // JACK's client library complains on the way out too
  Pa_Terminate();
}

}  // namespace detail

struct MicrophoneSource::Impl {
  explicit Impl(std::optional<int> device_index);
  ~Impl() {
    if (stream != nullptr) {
      Pa_AbortStream(stream);  // abort, not stop: nothing queued is worth waiting for
      Pa_CloseStream(stream);
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // The real-time side. Runs on PortAudio's audio thread: only copies into the ring, counts
  // and posts a lock-free semaphore; no locks, no allocation, no logging.
  static int on_audio(const void* input, void* /*output*/, unsigned long frame_count,
                      const PaStreamCallbackTimeInfo* /*time*/, PaStreamCallbackFlags flags,
                      void* user) {
    auto& self = *static_cast<Impl*>(user);
    if ((flags & paInputOverflow) != 0) {
      self.device_overflows.fetch_add(1, std::memory_order_relaxed);
    }
    if (input != nullptr) {
      self.ring.write(std::span(static_cast<const std::int16_t*>(input), frame_count));
    }
    self.wake_consumer();
    return paContinue;
  }
  static void on_finished(void* user) {
    auto& self = *static_cast<Impl*>(user);
    self.stream_finished.store(true, std::memory_order_release);
    self.wake_consumer();
  }

  // Posts the semaphore only when the consumer has said it is about to wait, so the count
  // stays bounded (at most one post per wait) however long nobody calls next(). The fences
  // pair with the ones in next(): either we see consumer_waiting, or the consumer sees
  // our samples (or stream_finished) when it checks again after raising the flag.
  void wake_consumer() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (consumer_waiting.exchange(false, std::memory_order_relaxed)) samples_ready.release();
  }

  // Declared first so that it is destroyed last: the stream must close before Pa_Terminate.
  detail::PortAudioLibrary library{"microphone"};
  SpscRing<std::int16_t> ring{kRingSamples};
  std::counting_semaphore<> samples_ready{0};
  std::atomic<bool> consumer_waiting{false};
  std::atomic<bool> stream_finished{false};
  std::atomic<std::uint64_t> device_overflows{0};

  std::string name;
  std::uint64_t frame_number = 0;
  bool exhausted = false;
  std::string failure;
  PaStream* stream = nullptr;
};

MicrophoneSource::Impl::Impl(std::optional<int> device_index) {
  const PaDeviceIndex device = device_index ? *device_index : Pa_GetDefaultInputDevice();
  if (!device_index && device == paNoDevice) {
    throw AudioDeviceError("microphone: no input device (PortAudio found " +
                           std::to_string(count_input_devices()) + " input devices)");
  }
  const std::string label = "device " + std::to_string(device);
  if (device < 0 || device >= Pa_GetDeviceCount()) {
    throw AudioDeviceError("microphone: " + label + " does not exist (PortAudio found " +
                           std::to_string(Pa_GetDeviceCount()) + " devices, " +
                           std::to_string(count_input_devices()) + " with input)");
  }
  const PaDeviceInfo* info = Pa_GetDeviceInfo(device);
  name = "'" + std::string(info->name != nullptr ? info->name : "?") + "' (" + label + ")";
  if (info->maxInputChannels < 1) {
    throw AudioDeviceError("microphone: " + name + " has no input channels");
  }

  PaStreamParameters params{};
  params.device = device;
  params.channelCount = kAudioChannels;
  params.sampleFormat = paInt16;
  params.suggestedLatency = info->defaultLowInputLatency;
  const PaError supported = Pa_IsFormatSupported(&params, nullptr, kAudioSampleRate);
  if (supported != paFormatIsSupported) {
    throw AudioDeviceError("microphone: " + name +
                           " cannot capture 48 kHz mono 16-bit: " + Pa_GetErrorText(supported));
  }
  PaError status = Pa_OpenStream(&stream, &params, nullptr, kAudioSampleRate,
                                 paFramesPerBufferUnspecified, paNoFlag, &Impl::on_audio, this);
  if (status != paNoError) {
    stream = nullptr;
    throw AudioDeviceError("microphone: cannot open " + name + ": " + Pa_GetErrorText(status));
  }
  status = Pa_SetStreamFinishedCallback(stream, &Impl::on_finished);
  if (status == paNoError) status = Pa_StartStream(stream);
  if (status != paNoError) {
    Pa_CloseStream(stream);
    stream = nullptr;
    throw AudioDeviceError("microphone: cannot start " + name + ": " + Pa_GetErrorText(status));
  }
}

MicrophoneSource::MicrophoneSource(std::optional<int> device_index)
    : impl_(std::make_unique<Impl>(device_index)) {}

MicrophoneSource::~MicrophoneSource() = default;

std::optional<AudioFrame> MicrophoneSource::next() {
  Impl& s = *impl_;
  if (s.exhausted) return std::nullopt;

  AudioFrame frame;
  frame.samples.resize(kAudioFrameSamples);
  const std::span<std::int16_t> out(frame.samples);
  std::size_t have = 0;
  const auto deadline = std::chrono::steady_clock::now() + kStallTimeout;
  for (;;) {
    have += s.ring.read(out.subspan(have));
    if (have == out.size()) break;

    // Announce the wait, then look again (see wake_consumer), then sleep on the semaphore.
    s.consumer_waiting.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (s.ring.size() >= out.size() - have) continue;  // a stale flag only costs a spare post
    if (s.stream_finished.load(std::memory_order_acquire)) {
      s.failure = "microphone: " + s.name + " stopped delivering audio";
      s.exhausted = true;
      return std::nullopt;
    }
    if (!s.samples_ready.try_acquire_until(deadline)) {
      s.failure = "microphone: no audio from " + s.name + " for 1 s";
      s.exhausted = true;
      return std::nullopt;
    }
  }
  frame.frame_number = s.frame_number++;
  // The last sample has just arrived: the device's own timestamps use another clock, and
  // the difference (the input latency) is the same for every frame.
  frame.capture_time_us = now_us();
  return frame;
}

std::string MicrophoneSource::describe() const {
  return "microphone " + impl_->name;
}

std::string MicrophoneSource::error() const {
  return impl_->failure;
}

std::uint64_t MicrophoneSource::overruns() const noexcept {
  return impl_->ring.overruns();
}

std::uint64_t MicrophoneSource::device_overflows() const noexcept {
  return impl_->device_overflows.load(std::memory_order_relaxed);
}

}  // namespace agentcast::media
