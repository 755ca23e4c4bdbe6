#pragma once
// Audio capture sources: where the sender's 20 ms frames come from (DESIGN.md, Fig. 20,
// "mic/file/tone ─► ADC ring buffer ► audio encoder").
//
// Every source yields AudioFrames of exactly kAudioFrameSamples mono 48 kHz samples, with
// frame numbers counting from 0 and a capture time on the now_us() clock. A source is
// driven by one thread (the capture thread); it is not safe to call next() concurrently.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "agentcast/media/media_types.h"

namespace agentcast::media {

// A capture or playback device could not be opened (no sound card, no such index, the
// device refused the format). The message names the device. Distinct from other
// runtime_errors so that callers can fall back (e.g. to a NullSink) on exactly this.
class AudioDeviceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AudioSource {
 public:
  virtual ~AudioSource() = default;

  // The next 20 ms frame. Blocks until it is due (real-time sources) or returns at once
  // (unpaced). std::nullopt at the end of the source or when it failed; it then stays
  // exhausted, and error() says why if it failed.
  virtual std::optional<AudioFrame> next() = 0;

  // One line for logs and the UI, e.g. "tone 440 Hz" or "microphone 'USB Audio' (device 2)".
  virtual std::string describe() const = 0;

  // Why next() returned std::nullopt, or empty if it simply ended (or has not).
  virtual std::string error() const { return {}; }
  // Wakes a next() that waits for its frame to fall due; every later call returns empty.
  // From any thread, for shutting a capture thread down at once. Sources whose wait is
  // short (one frame) need not override it.
  virtual void interrupt() {}
};

// A sine wave, phase-continuous across frames (no click at frame boundaries), so a lossless
// path delivers exactly one spectral line. Realistic enough to exercise the codec and loss
// concealment; cheap enough to run in every test.
class ToneSource final : public AudioSource {
 public:
  // `frequency_hz` in (0, 24000); `amplitude` in (0, 1] of full scale. Throws
  // std::invalid_argument otherwise. `max_frames` ends the source after that many frames
  // (0: never ends).
  explicit ToneSource(double frequency_hz = 440.0, double amplitude = 0.5,
                      Pacing pacing = Pacing::kRealTime, std::uint64_t max_frames = 0);

  std::optional<AudioFrame> next() override;
  std::string describe() const override;

  double frequency_hz() const noexcept { return frequency_hz_; }

 private:
  double frequency_hz_;
  double amplitude_;
  Pacing pacing_;
  std::uint64_t max_frames_;
  std::uint64_t frame_number_ = 0;
  // The phase is recomputed from the absolute sample index each frame rather than
  // accumulated, so rounding error cannot drift over a long call.
  std::int64_t start_us_ = 0;  // when frame 0 was due (real-time pacing), set on first next()
};

// Live capture through PortAudio. The PortAudio callback only copies samples into a
// lock-free SpscRing (no locks, allocation or logging there) and wakes the consumer; next()
// takes 960 samples off the ring, waiting for them on the capture thread. Samples that do
// not fit because the consumer fell behind are dropped and counted in overruns().
class MicrophoneSource final : public AudioSource {
 public:
  // `device_index`: a PortAudio device index, or std::nullopt for the default input.
  // Throws AudioDeviceError naming the device if it is missing, has no input channels or
  // cannot capture 48 kHz mono 16-bit.
  explicit MicrophoneSource(std::optional<int> device_index = std::nullopt);
  ~MicrophoneSource() override;
  MicrophoneSource(const MicrophoneSource&) = delete;
  MicrophoneSource& operator=(const MicrophoneSource&) = delete;

  std::optional<AudioFrame> next() override;
  std::string describe() const override;
  std::string error() const override;

  // Samples the device delivered while the ring was full (any thread).
  std::uint64_t overruns() const noexcept;
  // Callbacks in which PortAudio reported that the device itself overflowed (any thread).
  std::uint64_t device_overflows() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct AudioSourceOptions {
  Pacing pacing = Pacing::kRealTime;  // for synthetic sources; a microphone is paced by its device
  double amplitude = 0.5;             // tone amplitude, fraction of full scale
  std::uint64_t max_frames = 0;       // tone length in frames, 0 for endless
  bool loop = false;                  // files only: start again at the end
};

// Opens `spec`: "tone" (440 Hz), "tone:FREQ" (Hz), "mic" (default input), "mic:N"
// (PortAudio device N) or "file:PATH" (the file's audio track, decoded and resampled).
// Throws std::invalid_argument for a malformed or unknown spec, AudioDeviceError when the
// device cannot be opened, and std::runtime_error naming the file when it is missing or
// has no audio.
std::unique_ptr<AudioSource> open_audio_source(std::string_view spec,
                                               const AudioSourceOptions& options = {});
std::unique_ptr<AudioSource> open_file_audio_source(const std::string& path,
                                                    const AudioSourceOptions& options = {});

namespace detail {

// Keeps PortAudio initialised while alive; shared by MicrophoneSource and PortAudioSink.
// PortAudio reference-counts Pa_Initialize/Pa_Terminate, so every device object holds one.
// Throws AudioDeviceError (prefixed with `who`) if PortAudio cannot start.
//
// On a Linux box without a sound card, ALSA and JACK print dozens of lines to stderr while
// PortAudio probes them; file descriptor 2 points at /dev/null for the duration of
// Pa_Initialize and Pa_Terminate only (set AGENTCAST_AUDIO_DEBUG=1 to keep that output).
// That is process-wide: another thread's stderr output during those milliseconds is lost.
// (snd_lib_error_set_handler would be precise, but ties the media library to ALSA, and
// JACK's messages bypass it anyway.)
class PortAudioLibrary {
 public:
  explicit PortAudioLibrary(std::string_view who);
  ~PortAudioLibrary();
  PortAudioLibrary(const PortAudioLibrary&) = delete;
  PortAudioLibrary& operator=(const PortAudioLibrary&) = delete;
};

// Parses a non-negative decimal device index; throws std::invalid_argument mentioning `spec`.
int parse_device_index(std::string_view text, std::string_view spec);

}  // namespace detail

}  // namespace agentcast::media
