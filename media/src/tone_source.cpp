// ToneSource and the audio source factory.

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "agentcast/media/audio_source.h"

namespace agentcast::media {

ToneSource::ToneSource(double frequency_hz, double amplitude, Pacing pacing,
                       std::uint64_t max_frames)
    : frequency_hz_(frequency_hz), amplitude_(amplitude), pacing_(pacing), max_frames_(max_frames) {
  // Written as negations so that NaN fails too.
  if (!(frequency_hz > 0.0 && frequency_hz < kAudioSampleRate / 2.0)) {
    throw std::invalid_argument("tone: frequency must be between 0 and 24000 Hz, got " +
                                std::to_string(frequency_hz));
  }
  if (!(amplitude > 0.0 && amplitude <= 1.0)) {
    throw std::invalid_argument("tone: amplitude must be in (0, 1], got " +
                                std::to_string(amplitude));
  }
}

std::optional<AudioFrame> ToneSource::next() {
  if (max_frames_ != 0 && frame_number_ >= max_frames_) return std::nullopt;

  if (pacing_ == Pacing::kRealTime) {
    // Frames are due on a fixed grid from the first call, not 20 ms after the previous
    // return, so a late wake-up is absorbed instead of accumulating as drift.
    if (frame_number_ == 0) start_us_ = now_us();
    const std::int64_t due_us = start_us_ + static_cast<std::int64_t>(frame_number_) *
                                                kAudioFrameSamples * 1'000'000 / kAudioSampleRate;
    const std::int64_t wait_us = due_us - now_us();
    if (wait_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait_us));
  }

  AudioFrame frame;
  frame.samples.resize(kAudioFrameSamples);
  // The phase at this frame's first sample, in cycles, reduced modulo one cycle before
  // multiplying by 2*pi: exact for integer frequencies and keeps full precision however
  // long the source has run.
  const double first_sample = static_cast<double>(frame_number_) * kAudioFrameSamples;
  const double start_cycles =
      std::fmod(frequency_hz_ * first_sample, kAudioSampleRate) / kAudioSampleRate;
  const double cycles_per_sample = frequency_hz_ / kAudioSampleRate;
  const double scale = amplitude_ * 32767.0;
  for (int i = 0; i < kAudioFrameSamples; ++i) {
    const double phase = 2.0 * std::numbers::pi * (start_cycles + cycles_per_sample * i);
    frame.samples[static_cast<std::size_t>(i)] =
        static_cast<std::int16_t>(std::lround(scale * std::sin(phase)));
  }
  frame.frame_number = frame_number_++;
  frame.capture_time_us = now_us();
  return frame;
}

std::string ToneSource::describe() const {
  char text[64];
  std::snprintf(text, sizeof text, "tone %g Hz", frequency_hz_);
  return text;
}

namespace detail {

int parse_device_index(std::string_view text, std::string_view spec) {
  int index = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || index < 0) {
    throw std::invalid_argument("audio: bad device index in '" + std::string(spec) +
                                "' (expected a non-negative number)");
  }
  return index;
}

}  // namespace detail

std::unique_ptr<AudioSource> open_audio_source(std::string_view spec,
                                               const AudioSourceOptions& options) {
  if (spec == "tone") {
    return std::make_unique<ToneSource>(440.0, options.amplitude, options.pacing,
                                        options.max_frames);
  }
  if (spec.starts_with("tone:")) {
    const std::string text(spec.substr(5));
    std::size_t used = 0;
    double frequency = 0.0;
    try {
      frequency = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (text.empty() || used != text.size()) {
      throw std::invalid_argument("audio: bad tone frequency in '" + std::string(spec) +
                                  "' (expected e.g. tone:1000)");
    }
    return std::make_unique<ToneSource>(frequency, options.amplitude, options.pacing,
                                        options.max_frames);
  }
  if (spec == "mic") return std::make_unique<MicrophoneSource>();
  if (spec.starts_with("mic:")) {
    return std::make_unique<MicrophoneSource>(detail::parse_device_index(spec.substr(4), spec));
  }
  if (spec.starts_with("file:")) {
    if (spec.size() == 5) {
      throw std::invalid_argument("audio source 'file:' needs a path, e.g. file:talk.wav");
    }
    return open_file_audio_source(std::string(spec.substr(5)), options);
  }
  throw std::invalid_argument("audio: unknown source '" + std::string(spec) +
                              "' (expected tone, tone:FREQ, mic, mic:N or file:PATH)");
}

}  // namespace agentcast::media
