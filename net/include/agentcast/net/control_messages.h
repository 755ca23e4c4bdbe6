#pragma once
// Messages of the TLS control channel, encoded as CBOR maps (Qt's QCborValue). Every
// field is checked on decoding: type, size and range; a message that does not parse is
// refused with its reason. docs/PROTOCOL.md §11 lists them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/selection.h"
#include "agentcast/net/packet.h"
#include "agentcast/net/section_config.h"
#include "agentcast/net/session_params.h"

namespace agentcast::net {

inline constexpr int kControlProtocol = 1;
inline constexpr std::size_t kMaxStreams = 16;
inline constexpr std::size_t kMaxCachedAgents = 16;        // hashes a hello may list
inline constexpr std::size_t kAgentChunkSize = 64 * 1024;  // bytes of bundle per message
inline constexpr std::size_t kMaxFeedbackSize = 1024;

// Stream ids: the sender's media streams, then each viewer's back channel by its slot.
inline constexpr std::uint16_t kVideoStreamId = 1;
inline constexpr std::uint16_t kAudioStreamId = 2;
inline std::uint16_t feedback_stream_id(std::uint16_t viewer_slot) noexcept {
  return static_cast<std::uint16_t>(0x100 + viewer_slot);
}
// A two-way call: the viewer's camera and microphone sent back to the sender.
inline std::uint16_t back_video_stream_id(std::uint16_t viewer_slot) noexcept {
  return static_cast<std::uint16_t>(0x200 + viewer_slot);
}
inline std::uint16_t back_audio_stream_id(std::uint16_t viewer_slot) noexcept {
  return static_cast<std::uint16_t>(0x300 + viewer_slot);
}

struct StreamDescription {
  std::uint16_t id = 0;
  MediaKind kind = MediaKind::kVideo;
  std::string codec;                   // "h264" or "opus"
  int width = 0, height = 0, fps = 0;  // video
  int sample_rate = 0, channels = 0;   // audio
  // Where the stream is now: a viewer's receiving section starts at this epoch and seed,
  // and refuses every packet numbered below first_sequence (sealed before the join).
  std::uint32_t epoch = 0;
  crypto::Secret seed;
  std::uint64_t first_sequence = 0;  // on the wire only when not 0
};

// Viewer → sender, first message (Fig. 4A): who it is, what agent it needs and can load,
// and which agents it already holds.
struct HelloMessage {
  int protocol = kControlProtocol;
  std::string agent = "full";       // "full" or "receive-only"
  std::string name;                 // shown in the sender's viewer list
  std::string platform;             // the platform triple agents must be built for
  int abi = 0;                      // the agent ABI version it loads
  std::vector<std::string> cached;  // content hashes (64 hex digits) of cached bundles
  std::uint16_t media_port = 0;     // its UDP port for media (0: learn it from the probe)
  // A two-way call: the viewer will send its camera and microphone back (optional on the
  // wire; absent means false).
  bool send_back = false;
  // The viewer app's choice: send back if this is a call; in a broadcast, join without
  // (instead of being turned away as with send_back). Optional; absent means false.
  bool send_back_if_call = false;
  // HMAC-SHA256 of the call code's join secret over this connection's TLS exporter
  // (crypto/join_proof.h), 32 bytes. Optional on the wire so that a hello without it
  // parses and is refused for what it lacks.
  std::vector<std::uint8_t> join_proof;
};

// Sender → viewer: everything the viewer's agent needs to join the session.
struct SessionMessage {
  // The session's parameters, with `params.initial_seed` this viewer's own: the seed of
  // epoch 0 of its streams to the sender (feedback, back streams), fresh for every viewer,
  // so no viewer learns another's keys or the sender's past epochs.
  SessionParams params;
  std::uint16_t viewer_slot = 0;
  std::vector<StreamDescription> streams;
  // The sender takes this viewer's camera and microphone (its back streams). Optional on
  // the wire; absent means false.
  bool send_back = false;
};

// Sender → viewer, distributed seed mode: the seed of a coming epoch of one stream, ahead
// of use. Epochs advance per stream (each at its own packet rate), so a seed names its
// stream.
struct SeedMessage {
  std::uint16_t stream_id = 0;
  std::uint32_t epoch = 0;
  crypto::Secret seed;
  // A re-key (a viewer was removed): the seed replaces what the receiver holds from
  // `epoch` on, in either seed mode (PROTOCOL.md §11, "Removing a viewer").
  bool rekey = false;
};

struct ByeMessage {
  std::string reason;
};

// Sender → viewer: an agent bundle follows in AgentChunk messages, `size` bytes in all.
struct AgentOfferMessage {
  std::string kind;  // "full" or "receive-only"
  std::string hash;  // content hash of the bundle, 64 hex digits
  std::uint64_t size = 0;
};
struct AgentChunkMessage {
  std::uint64_t offset = 0;
  std::vector<std::uint8_t> data;  // at most kAgentChunkSize bytes
};
// Sender → viewer: the agent the viewer listed as cached is the one to load.
struct UseCachedAgentMessage {
  std::string hash;
};
// Viewer → sender: the agent verified, loaded and initialised; session parameters may come.
struct AgentReadyMessage {
  std::string hash;
};
// Sender → viewer, instead of an agent: its host is asked whether to let this viewer in
// and answers within `wait_ms`; the agent (admitted) or a bye (denied) follows.
struct AdmissionPendingMessage {
  std::uint64_t wait_ms = 0;
};
inline constexpr std::uint64_t kMaxAdmissionWaitMs = 3'600'000;

// Sender → viewer, instructed selection (Fig. 5): the unit runs of one 4096-packet block
// of a stream, ahead of use.
struct InstructionsMessage {
  std::uint16_t stream_id = 0;
  std::uint64_t block = 0;
  std::vector<crypto::UnitRun> runs;
};

// Viewer → sender: a feedback message (net/feedback.h) from a viewer whose receive-only
// agent cannot seal its own UDP packets.
struct FeedbackMessage {
  std::vector<std::uint8_t> data;
};

// Viewer → sender, distributed seed mode: packets of one of the sender's streams arrive
// in an epoch whose seed this viewer does not hold (it fell so far behind that it refused
// the seed, or never got it). The sender answers with `seed` messages for that stream's
// current epoch and, if already drawn, the next; `epoch` says which one the viewer saw.
struct SeedRequestMessage {
  std::uint16_t stream_id = 0;
  std::uint32_t epoch = 0;
};

using ControlMessage =
    std::variant<HelloMessage, SessionMessage, SeedMessage, ByeMessage, AgentOfferMessage,
                 AgentChunkMessage, UseCachedAgentMessage, AgentReadyMessage, InstructionsMessage,
                 FeedbackMessage, AdmissionPendingMessage, SeedRequestMessage>;

std::vector<std::uint8_t> encode_control(const ControlMessage& message);

// Whether `text` is a content hash as messages and the agent cache name bundles: SHA-256 in
// 64 lowercase hex digits.
bool is_content_hash(std::string_view text) noexcept;

struct DecodedControl {
  std::optional<ControlMessage> message;
  std::string error;  // why it was refused, when `message` is empty
};
DecodedControl decode_control(crypto::Bytes bytes);

}  // namespace agentcast::net
