#pragma once
// Where the viewer's decoded audio goes (DESIGN.md, Fig. 20, "audio decoder ─► DAC ring ─►
// speaker"): `--audio-out default|none|wav:PATH`.
//
// play() is called by one thread (the playback stage); stats() and describe() from any.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "agentcast/media/audio_source.h"  // AudioDeviceError
#include "agentcast/media/media_types.h"
#include "agentcast/media/wav.h"

namespace agentcast::media {

struct AudioSinkStats {
  std::uint64_t frames_played = 0;    // frames handed to play()
  std::uint64_t samples_dropped = 0;  // samples that found the DAC ring full (play() ran ahead)
  std::uint64_t underruns = 0;        // device callbacks that found the ring short: silence
  std::uint64_t errors = 0;           // frames that could not be written (e.g. disk full)
};

class AudioSink {
 public:
  virtual ~AudioSink() = default;
  // Queues or writes one frame. Never throws: failures are counted in stats().errors and
  // described by error().
  virtual void play(const AudioFrame& frame) = 0;
  virtual AudioSinkStats stats() const = 0;
  virtual std::string describe() const = 0;
  // The last failure, or empty.
  virtual std::string error() const { return {}; }
};

// Discards everything: `--audio-out none`, and the fallback when there is no sound card.
class NullSink final : public AudioSink {
 public:
  void play(const AudioFrame&) override { frames_.fetch_add(1, std::memory_order_relaxed); }
  AudioSinkStats stats() const override;
  std::string describe() const override { return "no audio output"; }

 private:
  std::atomic<std::uint64_t> frames_{0};
};

// Writes a 16-bit 48 kHz mono WAV file: `--audio-out wav:PATH`.
class WavSink final : public AudioSink {
 public:
  // Throws std::runtime_error naming the path if it cannot be created.
  explicit WavSink(const std::filesystem::path& path);
  ~WavSink() override;  // closes the file (patches its header)

  void play(const AudioFrame& frame) override;
  AudioSinkStats stats() const override;
  std::string describe() const override;
  std::string error() const override;
  // Finishes the file now (call it from the thread that plays); later frames are counted
  // as errors. Throws std::runtime_error if the final header update fails.
  void close();

 private:
  void fail(std::string message);

  WavWriter writer_;  // touched only by the playing thread
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> errors_{0};
  mutable std::mutex error_mutex_;  // error_ is read from other threads; written rarely
  std::string error_;
};

// Plays through a PortAudio output device. play() copies into a lock-free SpscRing; the
// PortAudio callback pulls from it and, when the ring runs short, plays silence for the
// rest and counts an underrun. The callback never locks, allocates or logs.
class PortAudioSink final : public AudioSink {
 public:
  // `device_index`: a PortAudio device, or std::nullopt for the default output.
  // `prebuffer_frames`: frames queued before the device starts, so that jitter in the
  // playback thread does not starve it from the very first callback.
  // Throws AudioDeviceError naming the device if it is missing or cannot play 48 kHz mono
  // 16-bit.
  explicit PortAudioSink(std::optional<int> device_index = std::nullopt, int prebuffer_frames = 2);
  ~PortAudioSink() override;
  PortAudioSink(const PortAudioSink&) = delete;
  PortAudioSink& operator=(const PortAudioSink&) = delete;

  void play(const AudioFrame& frame) override;
  AudioSinkStats stats() const override;
  std::string describe() const override;
  std::string error() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Opens `spec`: "default" (the default PortAudio output), "device:N" (PortAudio device N),
// "none", or "wav:PATH". Throws std::invalid_argument for an unknown spec, AudioDeviceError
// when the sound device cannot be opened, std::runtime_error when the WAV file cannot.
std::unique_ptr<AudioSink> open_audio_sink(std::string_view spec);

// Like open_audio_sink, but when the sound device cannot be opened (no sound card), returns
// a NullSink and sets `warning` to one line saying so, for the caller to print once; the
// call goes on without sound. `warning` is cleared otherwise. Other errors still throw: a
// WAV path that cannot be written, or a bad spec, is the user's to fix.
std::unique_ptr<AudioSink> open_audio_sink_or_fallback(std::string_view spec, std::string& warning);

}  // namespace agentcast::media
