#pragma once
// Real-time feedback from a viewer to the sender, carried in sealed control packets on
// the viewer's feedback stream (UDP, so it never waits behind the TCP control channel):
// the probe by which the sender learns where to send media, keyframe requests and
// receiver reports. Binary, big-endian, inside the AEAD.

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "agentcast/crypto/secret.h"
#include "agentcast/net/path_challenge.h"

namespace agentcast::net {

// "Here I am": the sender validates the address this arrived from (a path challenge) and
// sends the viewer's media there once the viewer has echoed it.
struct ProbeFeedback {
  std::uint16_t viewer_slot = 0;
};

struct KeyframeRequest {
  std::uint16_t stream_id = 0;
};

struct ReceiverReport {
  std::uint64_t packets_received = 0;
  std::uint64_t packets_lost = 0;
  std::uint64_t frames_decoded = 0;
  std::uint32_t latency_p50_us = 0;
  std::uint32_t latency_p95_us = 0;
};

// The echo of a path challenge (path_challenge.h): "I receive at the address you sent
// this to". Sent from that address, sealed, or over the control channel by a viewer whose
// receive-only agent cannot seal.
struct PathResponse {
  PathToken token{};
};

using Feedback = std::variant<ProbeFeedback, KeyframeRequest, ReceiverReport, PathResponse>;

std::vector<std::uint8_t> encode_feedback(const Feedback& feedback);
// Empty if the bytes are not exactly one well-formed feedback message.
std::optional<Feedback> decode_feedback(crypto::Bytes bytes);

}  // namespace agentcast::net
