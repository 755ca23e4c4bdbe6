// Audio sources, spectral measurements, WAV files and audio sinks. Devices are tested only
// through their error paths: the test machines have no sound card (where one exists, those
// tests skip themselves).

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <numbers>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "agentcast/media/audio_output.h"
#include "agentcast/media/audio_source.h"
#include "agentcast/media/media_types.h"
#include "agentcast/media/spectrum.h"
#include "agentcast/media/wav.h"

namespace agentcast::media {
namespace {

// Concatenates `frames` frames of `source`.
std::vector<std::int16_t> collect(AudioSource& source, int frames) {
  std::vector<std::int16_t> samples;
  for (int i = 0; i < frames; ++i) {
    std::optional<AudioFrame> frame = source.next();
    if (!frame) break;
    samples.insert(samples.end(), frame->samples.begin(), frame->samples.end());
  }
  return samples;
}

// A file name unique to this process and test, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix)
      : path_(std::filesystem::temp_directory_path() /
              ("agentcast_audio_test_" + std::to_string(::getpid()) + "_" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name() + suffix)) {}
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// --- ToneSource ----------------------------------------------------------------------------

TEST(ToneSource, MeasuredFrequencyMatches440And1000Hz) {
  for (const double frequency : {440.0, 1000.0}) {
    ToneSource tone(frequency, 0.5, Pacing::kUnpaced);
    const std::vector<std::int16_t> samples = collect(tone, 100);  // 2 s
    ASSERT_EQ(samples.size(), 100u * kAudioFrameSamples);
    const double measured = dominant_frequency(samples, kAudioSampleRate);
    EXPECT_NEAR(measured, frequency, 2.0);
    EXPECT_GT(tone_to_noise_db(samples, kAudioSampleRate, frequency), 60.0);
    std::cout << "[ measure  ] tone " << frequency << " Hz measured " << measured << " Hz\n";
  }
}

TEST(ToneSource, PhaseIsContinuousAcrossFrameBoundaries) {
  constexpr double kFrequency = 1000.0;
  constexpr double kAmplitude = 0.8;
  ToneSource tone(kFrequency, kAmplitude, Pacing::kUnpaced);
  const std::vector<std::int16_t> samples = collect(tone, 50);
  // A sine's steepest step between samples, plus rounding: a phase jump at a frame
  // boundary would exceed it (up to twice the amplitude).
  const double max_step =
      2.0 * std::numbers::pi * kFrequency / kAudioSampleRate * kAmplitude * 32767.0 + 2.0;
  double worst_within = 0.0;
  double worst_boundary = 0.0;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    const double step = std::abs(static_cast<double>(samples[i]) - samples[i - 1]);
    double& worst = i % kAudioFrameSamples == 0 ? worst_boundary : worst_within;
    worst = std::max(worst, step);
  }
  EXPECT_LE(worst_within, max_step);
  EXPECT_LE(worst_boundary, max_step);
}

TEST(ToneSource, NumbersFramesAndStopsAfterMaxFrames) {
  ToneSource tone(440.0, 0.5, Pacing::kUnpaced, 3);
  for (std::uint64_t i = 0; i < 3; ++i) {
    const std::optional<AudioFrame> frame = tone.next();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->frame_number, i);
    EXPECT_EQ(frame->samples.size(), static_cast<std::size_t>(kAudioFrameSamples));
    EXPECT_GT(frame->capture_time_us, 0);
  }
  EXPECT_FALSE(tone.next());
  EXPECT_FALSE(tone.next());
  EXPECT_TRUE(tone.error().empty());
  EXPECT_EQ(tone.describe(), "tone 440 Hz");
}

TEST(ToneSource, RealtimePacingTakesTwentyMillisecondsPerFrame) {
  ToneSource tone(440.0, 0.5, Pacing::kRealTime, 6);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(collect(tone, 6).size(), 6u * kAudioFrameSamples);
  // Frame 0 is due at once, frame 5 at 100 ms: a lower bound, so never flaky.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST(ToneSource, RejectsBadArguments) {
  EXPECT_THROW(ToneSource(0.0), std::invalid_argument);
  EXPECT_THROW(ToneSource(24'000.0), std::invalid_argument);
  EXPECT_THROW(ToneSource(std::nan("")), std::invalid_argument);
  EXPECT_THROW(ToneSource(440.0, 0.0), std::invalid_argument);
  EXPECT_THROW(ToneSource(440.0, 1.5), std::invalid_argument);
}

TEST(AudioSourceFactory, OpensTones) {
  AudioSourceOptions options;
  options.pacing = Pacing::kUnpaced;
  std::unique_ptr<AudioSource> plain = open_audio_source("tone", options);
  EXPECT_EQ(plain->describe(), "tone 440 Hz");
  std::unique_ptr<AudioSource> khz = open_audio_source("tone:1000", options);
  EXPECT_EQ(khz->describe(), "tone 1000 Hz");
  EXPECT_NEAR(dominant_frequency(collect(*khz, 50), kAudioSampleRate), 1000.0, 2.0);
}

TEST(AudioSourceFactory, RejectsUnknownAndMalformedSpecs) {
  for (const char* spec : {"", "tone:", "tone:abc", "tone:440x", "tone:-5", "mic:", "mic:x",
                           "mic:-1", "file:", "speaker"}) {
    EXPECT_THROW(open_audio_source(spec), std::invalid_argument) << spec;
  }
}

// --- MicrophoneSource (error paths) --------------------------------------------------------

TEST(MicrophoneSource, MissingDefaultDeviceIsNamedInTheError) {
  try {
    MicrophoneSource microphone;
    GTEST_SKIP() << "this machine has an input device: " << microphone.describe();
  } catch (const AudioDeviceError& error) {
    EXPECT_NE(std::string(error.what()).find("microphone: no input device"), std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("input devices)"), std::string::npos);
  }
}

TEST(MicrophoneSource, MissingDeviceIndexIsNamedInTheError) {
  try {
    open_audio_source("mic:97");
    FAIL() << "device 97 opened";
  } catch (const AudioDeviceError& error) {
    EXPECT_NE(std::string(error.what()).find("microphone: device 97 does not exist"),
              std::string::npos)
        << error.what();
  }
}

// --- Spectrum ------------------------------------------------------------------------------

std::vector<std::int16_t> sine(double frequency, double amplitude, std::size_t count) {
  std::vector<std::int16_t> samples(count);
  for (std::size_t i = 0; i < count; ++i) {
    samples[i] = static_cast<std::int16_t>(std::lround(
        amplitude * 32767.0 *
        std::sin(2.0 * std::numbers::pi * frequency * static_cast<double>(i) / kAudioSampleRate)));
  }
  return samples;
}

TEST(Spectrum, FindsTheStrongestToneToAFractionOfABin) {
  // Off-bin frequencies, short and long blocks, a weaker second tone and a DC offset.
  for (const double frequency : {97.3, 440.0, 1234.5, 9876.1}) {
    std::vector<std::int16_t> samples = sine(frequency, 0.5, 48'000);
    const std::vector<std::int16_t> weaker = sine(3000.0, 0.1, samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
      samples[i] = static_cast<std::int16_t>(samples[i] + weaker[i] + 500);
    }
    EXPECT_NEAR(dominant_frequency(samples, kAudioSampleRate), frequency, 0.1) << frequency;
    // One 20 ms frame: 50 Hz resolution, still within a few Hz.
    EXPECT_NEAR(dominant_frequency(std::span(samples).first(960), kAudioSampleRate), frequency, 5.0)
        << frequency;
  }
}

TEST(Spectrum, SilenceAndTinyInputsHaveNoFrequency) {
  EXPECT_EQ(dominant_frequency({}, kAudioSampleRate), 0.0);
  EXPECT_EQ(dominant_frequency(std::vector<std::int16_t>(10, 1000), kAudioSampleRate), 0.0);
  EXPECT_EQ(dominant_frequency(std::vector<std::int16_t>(4800, 0), kAudioSampleRate), 0.0);
  EXPECT_THROW(dominant_frequency(sine(440, 0.5, 960), 0), std::invalid_argument);
}

TEST(Spectrum, ToneToNoiseSeparatesCleanFromNoisy) {
  const std::vector<std::int16_t> clean = sine(1000.0, 0.5, 96'000);
  const double clean_db = tone_to_noise_db(clean, kAudioSampleRate, 1000.0);
  EXPECT_GT(clean_db, 60.0);
  // Add white noise 30 dB below the tone (deterministic generator).
  std::vector<std::int16_t> noisy = clean;
  std::uint32_t state = 12345;
  const double noise_rms = 0.5 * 32767.0 / std::sqrt(2.0) / std::pow(10.0, 30.0 / 20.0);
  for (auto& sample : noisy) {
    state = state * 1664525u + 1013904223u;
    const double uniform = (state >> 8) / double(1u << 24) - 0.5;  // variance 1/12
    sample = static_cast<std::int16_t>(sample + std::lround(uniform * std::sqrt(12.0) * noise_rms));
  }
  EXPECT_NEAR(tone_to_noise_db(noisy, kAudioSampleRate, 1000.0), 30.0, 1.0);
  EXPECT_LT(tone_to_noise_db(clean, kAudioSampleRate, 440.0), -40.0);  // wrong frequency
}

TEST(Spectrum, LongestSilenceFindsTheGap) {
  std::vector<std::int16_t> samples = sine(440.0, 0.5, 48'000);
  std::fill(samples.begin() + 10'000, samples.begin() + 10'000 + 1'440, std::int16_t{3});  // 30 ms
  EXPECT_NEAR(longest_silence_ms(samples, kAudioSampleRate), 30.0, 0.1);
  // Without the gap, only single samples near zero crossings are quiet.
  EXPECT_LT(longest_silence_ms(sine(440.0, 0.5, 48'000), kAudioSampleRate), 0.1);
  EXPECT_EQ(longest_silence_ms({}, kAudioSampleRate), 0.0);
  EXPECT_NEAR(rms(sine(440.0, 0.5, 48'000)), 0.5 * 32767.0 / std::sqrt(2.0), 5.0);
}

// --- WAV -----------------------------------------------------------------------------------

TEST(Wav, WriteThenReadRoundTrips) {
  const TempFile file(".wav");
  const std::vector<std::int16_t> samples = sine(440.0, 0.9, 48'000 * 2 + 17);
  {
    WavWriter writer(file.path());
    writer.write(std::span(samples).first(1000));
    writer.write(std::span(samples).subspan(1000));
    EXPECT_EQ(writer.samples_written(), samples.size());
  }  // the destructor patches the sizes
  EXPECT_EQ(std::filesystem::file_size(file.path()), 44 + 2 * samples.size());
  const WavData wav = read_wav(file.path());
  EXPECT_EQ(wav.sample_rate, kAudioSampleRate);
  EXPECT_EQ(wav.channels, 1);
  EXPECT_FALSE(wav.truncated);
  EXPECT_EQ(wav.samples, samples);
}

TEST(Wav, HeaderIsValidWhileStillWriting) {
  // A viewer that is killed mid-call leaves at most a second of audio unaccounted for.
  const TempFile file(".wav");
  WavWriter writer(file.path());
  const std::vector<std::int16_t> samples = sine(440.0, 0.5, 48'000 * 3);
  writer.write(samples);
  const WavData wav = read_wav(file.path());
  EXPECT_EQ(wav.samples.size(), samples.size());
  writer.close();
  writer.close();  // idempotent
  EXPECT_THROW(writer.write(samples), std::logic_error);
}

TEST(Wav, TruncatedDataIsReadAndFlagged) {
  const TempFile file(".wav");
  {
    WavWriter writer(file.path());
    writer.write(sine(440.0, 0.5, 4800));
  }
  std::filesystem::resize_file(file.path(), 44 + 2 * 1000 + 1);  // and an odd byte
  const WavData wav = read_wav(file.path());
  EXPECT_TRUE(wav.truncated);
  EXPECT_EQ(wav.samples.size(), 1000u);
}

TEST(Wav, RejectsFilesThatAreNotPcmWav) {
  const TempFile file(".txt");
  { std::ofstream(file.path()) << "this is not a WAV file, just some text that is long enough"; }
  try {
    read_wav(file.path());
    FAIL() << "text accepted as WAV";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("is not a 16-bit PCM WAV file"), std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find(file.path().string()), std::string::npos);
  }
  // A RIFF/WAVE file of 8-bit samples.
  {
    std::ofstream out(file.path(), std::ios::binary);
    const unsigned char header[] = {'R',  'I',  'F', 'F', 40,   0,    0, 0, 'W', 'A', 'V', 'E',
                                    'f',  'm',  't', ' ', 16,   0,    0, 0, 1,   0,   1,   0,
                                    0x40, 0x1f, 0,   0,   0x40, 0x1f, 0, 0, 1,   0,   8,   0,
                                    'd',  'a',  't', 'a', 4,    0,    0, 0, 1,   2,   3,   4};
    out.write(reinterpret_cast<const char*>(header), sizeof header);
  }
  EXPECT_THROW(read_wav(file.path()), std::runtime_error);
  EXPECT_THROW(read_wav(file.path().string() + ".missing"), std::runtime_error);
}

TEST(Wav, UnwritablePathIsNamedInTheError) {
  const std::string path = "/nonexistent-dir/agentcast/out.wav";
  try {
    WavWriter writer(path);
    FAIL() << "opened " << path;
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

// --- Audio sinks ---------------------------------------------------------------------------

TEST(AudioSink, WavSinkWritesWhatItPlays) {
  const TempFile file(".wav");
  ToneSource tone(1000.0, 0.5, Pacing::kUnpaced);
  {
    std::unique_ptr<AudioSink> sink = open_audio_sink("wav:" + file.path().string());
    for (int i = 0; i < 50; ++i)
      sink->play(*tone.next());
    EXPECT_EQ(sink->stats().frames_played, 50u);
    EXPECT_EQ(sink->stats().errors, 0u);
    EXPECT_NE(sink->describe().find(file.path().string()), std::string::npos);
  }
  const WavData wav = read_wav(file.path());
  ASSERT_EQ(wav.samples.size(), 50u * kAudioFrameSamples);
  EXPECT_NEAR(dominant_frequency(wav.samples, wav.sample_rate), 1000.0, 1.0);
}

TEST(AudioSink, NoneCountsAndDiscards) {
  std::unique_ptr<AudioSink> sink = open_audio_sink("none");
  sink->play(AudioFrame{std::vector<std::int16_t>(kAudioFrameSamples), 0, 0});
  EXPECT_EQ(sink->stats().frames_played, 1u);
  EXPECT_EQ(sink->stats().underruns, 0u);
}

TEST(AudioSink, MissingSoundCardFallsBackToNullSinkWithOneLineWarning) {
  std::string warning = "stale";
  std::unique_ptr<AudioSink> sink = open_audio_sink_or_fallback("default", warning);
  if (warning.empty()) GTEST_SKIP() << "this machine has a sound card: " << sink->describe();
  EXPECT_NE(dynamic_cast<NullSink*>(sink.get()), nullptr);
  EXPECT_NE(warning.find("audio output: no output device"), std::string::npos) << warning;
  EXPECT_NE(warning.find("continuing without sound"), std::string::npos);
  EXPECT_EQ(warning.find('\n'), std::string::npos);
  sink->play(AudioFrame{std::vector<std::int16_t>(kAudioFrameSamples), 0, 0});  // goes on
  EXPECT_EQ(sink->stats().frames_played, 1u);

  EXPECT_THROW(open_audio_sink("default"), AudioDeviceError);
  EXPECT_THROW(PortAudioSink(), AudioDeviceError);
}

TEST(AudioSink, MissingDeviceIndexIsNamedAndFallsBack) {
  std::string warning;
  std::unique_ptr<AudioSink> sink = open_audio_sink_or_fallback("device:97", warning);
  EXPECT_NE(dynamic_cast<NullSink*>(sink.get()), nullptr);
  EXPECT_NE(warning.find("audio output: device 97 does not exist"), std::string::npos) << warning;
}

TEST(AudioSink, FallbackDoesNotHideOtherErrors) {
  std::string warning;
  EXPECT_THROW(open_audio_sink_or_fallback("speakers", warning), std::invalid_argument);
  EXPECT_THROW(open_audio_sink_or_fallback("wav:", warning), std::invalid_argument);
  EXPECT_THROW(open_audio_sink_or_fallback("device:x", warning), std::invalid_argument);
  EXPECT_THROW(open_audio_sink_or_fallback("wav:/nonexistent-dir/x.wav", warning),
               std::runtime_error);
  warning = "stale";
  EXPECT_NE(open_audio_sink_or_fallback("none", warning), nullptr);
  EXPECT_TRUE(warning.empty());
}

}  // namespace
}  // namespace agentcast::media
