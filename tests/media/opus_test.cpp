// Opus encode/decode through the project's API: a tone survives the codec, loss is covered
// by concealment and by in-band FEC, and bad input is counted rather than fatal.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <span>
#include <stdexcept>
#include <vector>

#include "agentcast/media/audio_source.h"
#include "agentcast/media/media_types.h"
#include "agentcast/media/opus_codec.h"
#include "agentcast/media/spectrum.h"

namespace agentcast::media {
namespace {

constexpr int kTwoSeconds = 100;  // frames
// The first frames carry the encoder's start-up (and the decoder's 6.5 ms lookahead of
// leading silence); level and spectrum are judged after them.
constexpr std::size_t kSettleSamples = 5 * kAudioFrameSamples;

struct Encoded {
  std::vector<AudioFrame> input;
  std::vector<EncodedFrame> packets;
};

Encoded encode_tone(double frequency, int frames, const OpusEncoderOptions& options = {}) {
  ToneSource tone(frequency, 0.5, Pacing::kUnpaced);
  OpusAudioEncoder encoder(options);
  Encoded out;
  for (int i = 0; i < frames; ++i) {
    out.input.push_back(*tone.next());
    std::optional<EncodedFrame> packet = encoder.encode(out.input.back());
    EXPECT_TRUE(packet) << encoder.last_error();
    if (packet) out.packets.push_back(std::move(*packet));
  }
  EXPECT_EQ(encoder.stats().errors, 0u);
  return out;
}

void append(std::vector<std::int16_t>& to, const AudioFrame& frame) {
  to.insert(to.end(), frame.samples.begin(), frame.samples.end());
}

std::vector<std::int16_t> concatenate(const std::vector<AudioFrame>& frames) {
  std::vector<std::int16_t> samples;
  for (const AudioFrame& frame : frames)
    append(samples, frame);
  return samples;
}

// Signal-to-error ratio of `test` against `reference`, in dB.
double snr_db(std::span<const std::int16_t> reference, std::span<const std::int16_t> test) {
  double signal = 0.0;
  double error = 0.0;
  for (std::size_t i = 0; i < reference.size(); ++i) {
    signal += static_cast<double>(reference[i]) * reference[i];
    const double difference = static_cast<double>(test[i]) - reference[i];
    error += difference * difference;
  }
  return 10.0 * std::log10(signal / std::max(error, 1.0));
}

TEST(Opus, OnePacketPerFrameCarryingTheFrameMetadata) {
  const Encoded encoded = encode_tone(440.0, kTwoSeconds);
  ASSERT_EQ(encoded.packets.size(), encoded.input.size());
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < encoded.packets.size(); ++i) {
    const EncodedFrame& packet = encoded.packets[i];
    EXPECT_EQ(packet.codec, Codec::kOpus);
    EXPECT_TRUE(packet.keyframe);
    EXPECT_EQ(packet.frame_id, encoded.input[i].frame_number);
    EXPECT_EQ(packet.capture_time_us, encoded.input[i].capture_time_us);
    EXPECT_FALSE(packet.data.empty());
    bytes += packet.data.size();
  }
  const double kbps = bytes * 8.0 / 2.0 / 1000.0;
  std::cout << "[ measure  ] opus 64 kbit/s target, 440 Hz tone: " << kbps << " kbit/s, "
            << bytes / encoded.packets.size() << " bytes/packet\n";
  EXPECT_GT(kbps, 16.0);
  EXPECT_LT(kbps, 80.0);  // constrained VBR stays near the target
}

TEST(Opus, RoundTripKeepsToneFrequencyAndLevel) {
  for (const double frequency : {440.0, 1000.0}) {
    const Encoded encoded = encode_tone(frequency, kTwoSeconds);
    OpusAudioDecoder decoder;
    std::vector<std::int16_t> decoded;
    for (const EncodedFrame& packet : encoded.packets) {
      const AudioFrame frame = decoder.decode(packet);
      EXPECT_EQ(frame.samples.size(), static_cast<std::size_t>(kAudioFrameSamples));
      EXPECT_EQ(frame.frame_number, packet.frame_id);
      append(decoded, frame);
    }
    EXPECT_EQ(decoder.stats().frames_decoded, encoded.packets.size());
    EXPECT_EQ(decoder.stats().errors, 0u);

    const std::span<const std::int16_t> settled = std::span(decoded).subspan(kSettleSamples);
    const std::vector<std::int16_t> original = concatenate(encoded.input);
    const double measured = dominant_frequency(settled, kAudioSampleRate);
    const double level_db =
        20.0 * std::log10(rms(settled) / rms(std::span(original).subspan(kSettleSamples)));
    const double clean_db = tone_to_noise_db(settled, kAudioSampleRate, frequency);
    std::cout << "[ measure  ] opus round trip " << frequency << " Hz: decoded " << measured
              << " Hz, level " << level_db << " dB, tone-to-noise " << clean_db << " dB\n";
    EXPECT_NEAR(measured, frequency, 5.0);
    EXPECT_NEAR(level_db, 0.0, 1.5);
    EXPECT_GT(clean_db, 20.0);
    EXPECT_LT(longest_silence_ms(settled, kAudioSampleRate), 1.0);
  }
}

TEST(Opus, ConcealmentCoversEveryTenthPacketLost) {
  const Encoded encoded = encode_tone(1000.0, kTwoSeconds);
  OpusAudioDecoder decoder;
  std::vector<std::int16_t> decoded;
  for (std::size_t i = 0; i < encoded.packets.size(); ++i) {
    append(decoded, i % 10 == 9 ? decoder.conceal() : decoder.decode(encoded.packets[i]));
  }
  EXPECT_EQ(decoder.stats().frames_concealed, 10u);
  EXPECT_EQ(decoded.size(), encoded.packets.size() * kAudioFrameSamples);

  const std::span<const std::int16_t> settled = std::span(decoded).subspan(kSettleSamples);
  const double silence = longest_silence_ms(settled, kAudioSampleRate);
  const double measured = dominant_frequency(settled, kAudioSampleRate);
  std::cout << "[ measure  ] opus PLC, 10% loss: longest silence " << silence << " ms, " << measured
            << " Hz, tone-to-noise " << tone_to_noise_db(settled, kAudioSampleRate, 1000.0)
            << " dB\n";
  EXPECT_LE(silence, 20.0);
  EXPECT_NEAR(measured, 1000.0, 5.0);
}

TEST(Opus, FecRebuildsALostFrameBetterThanConcealment) {
  const Encoded encoded = encode_tone(440.0, kTwoSeconds);
  double fec_total = 0.0;
  double plc_total = 0.0;
  int trials = 0;
  // Several loss positions: one lucky frame proves little.
  for (std::size_t lost = 20; lost + 1 < encoded.packets.size(); lost += 15) {
    OpusAudioDecoder clean;
    OpusAudioDecoder with_fec;
    OpusAudioDecoder with_plc;
    AudioFrame reference;
    AudioFrame recovered;
    AudioFrame concealed;
    for (std::size_t i = 0; i <= lost + 1; ++i) {
      const EncodedFrame& packet = encoded.packets[i];
      const AudioFrame frame = clean.decode(packet);
      if (i == lost) {
        reference = frame;
        concealed = with_plc.conceal();
        continue;  // with_fec waits for the next packet
      }
      if (i == lost + 1) {
        recovered = with_fec.recover_with_fec(packet);
        EXPECT_EQ(recovered.frame_number, packet.frame_id - 1);
      }
      with_fec.decode(packet);
      with_plc.decode(packet);
    }
    EXPECT_EQ(with_fec.stats().frames_recovered, 1u);
    ASSERT_EQ(recovered.samples.size(), static_cast<std::size_t>(kAudioFrameSamples));
    const double fec_db = snr_db(reference.samples, recovered.samples);
    const double plc_db = snr_db(reference.samples, concealed.samples);
    EXPECT_GT(rms(recovered.samples), 0.3 * rms(reference.samples));
    EXPECT_NEAR(dominant_frequency(recovered.samples, kAudioSampleRate), 440.0, 25.0);
    fec_total += fec_db;
    plc_total += plc_db;
    ++trials;
  }
  const double fec_mean = fec_total / trials;
  const double plc_mean = plc_total / trials;
  std::cout << "[ measure  ] lost frame vs clean decode, mean of " << trials << " losses: FEC "
            << fec_mean << " dB SNR, PLC " << plc_mean << " dB SNR\n";
  EXPECT_GT(fec_mean, plc_mean);
}

TEST(Opus, GarbageIsCountedAndConcealedNotFatal) {
  const Encoded encoded = encode_tone(440.0, 10);
  OpusAudioDecoder decoder;
  for (const EncodedFrame& packet : encoded.packets)
    decoder.decode(packet);

  // Code 3 (several frames) with a frame count of 0: malformed by definition.
  EncodedFrame bad{Codec::kOpus, {0x03, 0x00}, 10, 0, true};
  AudioFrame frame = decoder.decode(bad);
  EXPECT_EQ(decoder.stats().errors, 1u);
  EXPECT_EQ(frame.samples.size(), static_cast<std::size_t>(kAudioFrameSamples));
  EXPECT_GT(rms(frame.samples), 0.0);  // concealment continues the tone for a moment
  EXPECT_NE(decoder.last_error().find("packet 10"), std::string::npos) << decoder.last_error();

  // Empty and non-Opus packets are refused before libopus sees them.
  decoder.decode(EncodedFrame{Codec::kOpus, {}, 11, 0, true});
  decoder.decode(EncodedFrame{Codec::kH264, {0x00, 0x00, 0x01}, 12, 0, true});
  decoder.recover_with_fec(EncodedFrame{Codec::kOpus, {}, 13, 0, true});
  EXPECT_EQ(decoder.stats().errors, 4u);

  // Random bytes: libopus accepts many as some packet; whatever happens, no crash and a
  // whole number of 2.5 ms blocks comes back.
  std::uint32_t state = 2024;
  for (int i = 0; i < 2000; ++i) {
    EncodedFrame noise{Codec::kOpus, {}, static_cast<std::uint64_t>(100 + i), 0, true};
    noise.data.resize(1 + i % 300);
    for (auto& byte : noise.data) {
      state = state * 1664525u + 1013904223u;
      byte = static_cast<std::uint8_t>(state >> 24);
    }
    const AudioFrame out = i % 3 == 0 ? decoder.recover_with_fec(noise) : decoder.decode(noise);
    EXPECT_EQ(out.samples.size() % 120, 0u);
    EXPECT_GE(out.samples.size(), 120u);
    EXPECT_LE(out.samples.size(), 5760u);
  }
  std::cout << "[ measure  ] 2000 random packets: " << decoder.stats().errors - 4 << " rejected\n";
  // And the decoder still works on real packets afterwards.
  decoder.reset();
  const Encoded more = encode_tone(1000.0, 30);
  std::vector<std::int16_t> decoded;
  for (const EncodedFrame& packet : more.packets)
    append(decoded, decoder.decode(packet));
  EXPECT_NEAR(dominant_frequency(std::span(decoded).subspan(kSettleSamples), kAudioSampleRate),
              1000.0, 5.0);
}

TEST(Opus, EncoderRefusesWrongFrameSizesWithoutThrowing) {
  OpusAudioEncoder encoder;
  EXPECT_FALSE(encoder.encode(AudioFrame{std::vector<std::int16_t>(100), 7, 0}));
  EXPECT_EQ(encoder.stats().errors, 1u);
  EXPECT_NE(encoder.last_error().find("frame 7 has 100 samples"), std::string::npos)
      << encoder.last_error();
  EXPECT_TRUE(encoder.encode(AudioFrame{std::vector<std::int16_t>(kAudioFrameSamples), 8, 0}));
  EXPECT_EQ(encoder.describe(), "opus 64 kbit/s voip, FEC for 10% loss");
}

TEST(Opus, EncoderRejectsBadOptions) {
  OpusEncoderOptions options;
  options.bitrate_bps = 1000;
  EXPECT_THROW(OpusAudioEncoder{options}, std::invalid_argument);
  options = {};
  options.expected_loss_percent = 101;
  EXPECT_THROW(OpusAudioEncoder{options}, std::invalid_argument);
  options = {};
  options.application = OpusEncoderOptions::Application::kLowDelay;
  EXPECT_THROW(OpusAudioEncoder{options}, std::invalid_argument);  // CELT has no FEC
  options.fec = false;
  EXPECT_NO_THROW(OpusAudioEncoder{options});
  options = {};
  options.expected_loss_percent = 0;
  EXPECT_THROW(OpusAudioEncoder{options}, std::invalid_argument);
}

}  // namespace
}  // namespace agentcast::media
