#pragma once
// Messages of the TLS control channel, encoded as CBOR maps (Qt's QCborValue). Every
// field is checked on decoding: type, size and range; a message that does not parse is
// refused with its reason. docs/PROTOCOL.md §11 lists them.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/net/packet.h"
#include "agentcast/net/section_config.h"

namespace agentcast::net {

inline constexpr int kControlProtocol = 1;
inline constexpr std::size_t kMaxStreams = 16;

// Stream ids: the sender's media streams, then each viewer's back channel by its slot.
inline constexpr std::uint16_t kVideoStreamId = 1;
inline constexpr std::uint16_t kAudioStreamId = 2;
inline std::uint16_t feedback_stream_id(std::uint16_t viewer_slot) noexcept {
  return static_cast<std::uint16_t>(0x100 + viewer_slot);
}

struct StreamDescription {
  std::uint16_t id = 0;
  MediaKind kind = MediaKind::kVideo;
  std::string codec;                   // "h264" or "opus"
  int width = 0, height = 0, fps = 0;  // video
  int sample_rate = 0, channels = 0;   // audio
  // Where the stream is now: a viewer's receiving section starts at this epoch and seed.
  std::uint32_t epoch = 0;
  crypto::Secret seed;
};

// Viewer → sender, first message.
struct HelloMessage {
  int protocol = kControlProtocol;
  std::string agent = "full";  // "full" or "receive-only"
  std::string name;            // shown in the sender's viewer list
};

// Sender → viewer: everything the viewer's agent needs to join the session.
struct SessionMessage {
  crypto::SessionId session_id{};
  // The seed of epoch 0 of this viewer's own streams to the sender (its feedback): fresh
  // for every viewer, so no viewer learns another's keys or the sender's past epochs.
  crypto::Secret initial_seed;
  crypto::UnitSet units;
  SeedMode seed_mode = SeedMode::kSynchronized;
  std::uint64_t packets_per_epoch = 0;
  std::uint32_t mtu = kDefaultMtu;
  std::uint16_t viewer_slot = 0;
  std::vector<StreamDescription> streams;
};

// Sender → viewer, distributed seed mode: the seed of a coming epoch of one stream, ahead
// of use. Epochs advance per stream (each at its own packet rate), so a seed names its
// stream.
struct SeedMessage {
  std::uint16_t stream_id = 0;
  std::uint32_t epoch = 0;
  crypto::Secret seed;
};

struct ByeMessage {
  std::string reason;
};

using ControlMessage = std::variant<HelloMessage, SessionMessage, SeedMessage, ByeMessage>;

std::vector<std::uint8_t> encode_control(const ControlMessage& message);

struct DecodedControl {
  std::optional<ControlMessage> message;
  std::string error;  // why it was refused, when `message` is empty
};
DecodedControl decode_control(crypto::Bytes bytes);

}  // namespace agentcast::net
