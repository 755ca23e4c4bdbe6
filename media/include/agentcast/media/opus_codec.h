#pragma once
// Opus audio: 48 kHz mono, 20 ms frames, in-band FEC (DESIGN.md, "Codecs").
//
// Encoding goes through libavcodec's libopus wrapper, like every other codec in the project
// (one way to configure and open encoders). Decoding calls libopus directly: libavcodec's
// decoders (its native "opus" one and "libopus") offer neither packet-loss concealment on
// demand nor decoding of the in-band FEC copy that the NEXT packet carries of a lost one.
// Both are what make Opus robust to loss, so the receiver needs opus_decode(NULL) (PLC) and
// opus_decode(..., decode_fec=1) (FEC), which only the libopus API exposes.
//
// Neither class throws on the per-frame path: a bad frame or packet is counted, described
// in last_error(), and answered with std::nullopt (encoder) or concealment (decoder).
// Each object is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "agentcast/media/media_types.h"

namespace agentcast::media {

struct OpusEncoderOptions {
  enum class Application {
    kVoip,      // SILK/hybrid for speech; the only family that carries in-band FEC
    kAudio,     // favours fidelity (music); FEC works where SILK/hybrid modes are chosen
    kLowDelay,  // CELT only: 5 ms less delay but no FEC, so it cannot be combined with fec
  };
  enum class Vbr { kOff, kOn, kConstrained };

  int bitrate_bps = 64'000;        // 6'000 .. 510'000
  bool fec = true;                 // in-band FEC: each packet carries a low-rate copy of the last
  int expected_loss_percent = 10;  // 0..100; tunes how much FEC the encoder spends (needs > 0)
  Application application = Application::kVoip;
  // Constrained VBR keeps packets close to the target rate (friendly to a paced network)
  // while still letting easy frames cost less.
  Vbr vbr = Vbr::kConstrained;
};

struct OpusEncoderStats {
  std::uint64_t frames_in = 0;    // frames handed to encode()
  std::uint64_t packets_out = 0;  // packets returned
  std::uint64_t bytes_out = 0;    // their payload bytes
  std::uint64_t errors = 0;       // frames refused (wrong size) or failed in the codec
};

class OpusAudioEncoder {
 public:
  // Throws std::invalid_argument for options out of range (or fec with kLowDelay) and
  // std::runtime_error if FFmpeg has no libopus encoder or refuses the configuration.
  explicit OpusAudioEncoder(const OpusEncoderOptions& options = {});
  ~OpusAudioEncoder();
  OpusAudioEncoder(const OpusAudioEncoder&) = delete;
  OpusAudioEncoder& operator=(const OpusAudioEncoder&) = delete;

  // Encodes one frame of exactly kAudioFrameSamples samples into one Opus packet
  // (codec kOpus, keyframe true, frame_id = frame.frame_number, capture time carried).
  // std::nullopt if the frame was refused or the codec failed (counted in stats().errors).
  std::optional<EncodedFrame> encode(const AudioFrame& frame);

  const OpusEncoderStats& stats() const noexcept;
  const std::string& last_error() const noexcept;
  // e.g. "opus 64 kbit/s voip, FEC for 10% loss".
  std::string describe() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct OpusDecoderStats {
  std::uint64_t frames_decoded = 0;    // packets decoded normally
  std::uint64_t frames_concealed = 0;  // frames synthesised by PLC (conceal(), or a bad packet)
  std::uint64_t frames_recovered = 0;  // lost frames rebuilt from the next packet's FEC
  std::uint64_t errors = 0;            // packets libopus rejected
};

class OpusAudioDecoder {
 public:
  // Throws std::runtime_error if libopus cannot create a decoder (out of memory).
  OpusAudioDecoder();
  ~OpusAudioDecoder();
  OpusAudioDecoder(const OpusAudioDecoder&) = delete;
  OpusAudioDecoder& operator=(const OpusAudioDecoder&) = delete;

  // Decodes one packet: 960 samples for our 20 ms packets (a foreign packet yields its own
  // duration, up to 120 ms). A packet libopus rejects is counted as an error and answered
  // with one frame of concealment, so the output stays continuous.
  AudioFrame decode(const EncodedFrame& packet);

  // Packet-loss concealment: synthesises the 20 ms frame that was lost, continuing the
  // signal from the decoder's state (fades to silence over consecutive losses).
  AudioFrame conceal();

  // Rebuilds the lost 20 ms frame just BEFORE `next` from the FEC copy `next` carries
  // (falls back to concealment inside libopus if `next` has none). Afterwards, decode
  // `next` itself as usual. The frame's metadata is `next`'s, minus one frame.
  AudioFrame recover_with_fec(const EncodedFrame& next);

  // Forgets the decoder state (e.g. after a long gap or a stream restart).
  void reset();

  const OpusDecoderStats& stats() const noexcept;
  const std::string& last_error() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentcast::media
