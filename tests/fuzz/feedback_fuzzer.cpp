// libFuzzer target for the viewer's real-time feedback (net::decode_feedback: what a
// viewer's sealed feedback packet or `feedback` control message carries) and for path
// challenges (net::parse_path_challenge: the one unsealed datagram, which anyone can
// send to a viewer's media port). The input is fed whole to both.
//
// Invariants (violations abort()):
//  - both formats are canonical: whatever decodes re-encodes to exactly the input bytes;
//  - decode_feedback accepts exactly the inputs the format admits: a known type byte
//    followed by exactly that type's fields (a model of docs/PROTOCOL.md's table);
//  - parse_path_challenge accepts exactly 18 bytes of version, flags 0x80 and a token;
//  - a path challenge never parses as a media packet header, nor a media header as a
//    challenge, so that the unsealed challenge can never be mistaken for media.
//
// The corpus is corpus_feedback/ (checked in): a valid message of every type, a path
// challenge, and each of them a byte short, a byte long, or with a wrong type or flags.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agentcast/net/feedback.h"
#include "agentcast/net/packet.h"
#include "agentcast/net/path_challenge.h"
#include "fuzz_check.h"

namespace agentcast::fuzz {
namespace {

// The size of a well-formed message of feedback type `type`, or nullopt for no type.
std::optional<std::size_t> model_size(std::uint8_t type) {
  switch (type) {
    case 1:  // probe: viewer slot
    case 2:  // keyframe request: stream id
      return 1 + 2;
    case 3:  // receiver report: three u64 counters, two u32 latencies
      return 1 + 3 * 8 + 2 * 4;
    case 4:  // path response: the token
      return 1 + net::kPathTokenSize;
    default:
      return std::nullopt;
  }
}

constexpr const char* kFeedbackNames[] = {"decoded probe", "decoded keyframe request",
                                          "decoded receiver report", "decoded path response"};
static_assert(std::size(kFeedbackNames) == std::variant_size_v<net::Feedback>);

Outcomes& outcomes() {
  static Outcomes o = [] {
    Outcomes init;
    for (const char* name : kFeedbackNames)
      init.expect(name);
    for (const char* name :
         {"refused: empty", "refused: unknown type", "refused: wrong length", "challenge parsed",
          "challenge refused: wrong size", "challenge refused: header"}) {
      init.expect(name);
    }
    return init;
  }();
  return o;
}

std::uint64_t load_be(const std::uint8_t* p, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i)
    v = v << 8 | p[i];
  return v;
}

void check_feedback(crypto::Bytes input) {
  const std::optional<net::Feedback> decoded = net::decode_feedback(input);
  const std::optional<std::size_t> expected_size =
      input.empty() ? std::nullopt : model_size(input[0]);
  FUZZ_CHECK(decoded.has_value() == (expected_size && *expected_size == input.size()));
  if (!decoded) {
    outcomes().count(input.empty()   ? "refused: empty"
                     : expected_size ? "refused: wrong length"
                                     : "refused: unknown type");
    return;
  }
  FUZZ_CHECK(static_cast<std::size_t>(input[0]) == decoded->index() + 1);
  const std::vector<std::uint8_t> encoded = net::encode_feedback(*decoded);
  FUZZ_CHECK(encoded.size() == input.size());
  FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), input.begin()));
  // The fields are the input's big-endian numbers (the encoder could share a bug with
  // the decoder; the model does not).
  if (const auto* probe = std::get_if<net::ProbeFeedback>(&*decoded)) {
    FUZZ_CHECK(probe->viewer_slot == load_be(&input[1], 2));
  } else if (const auto* request = std::get_if<net::KeyframeRequest>(&*decoded)) {
    FUZZ_CHECK(request->stream_id == load_be(&input[1], 2));
  } else if (const auto* report = std::get_if<net::ReceiverReport>(&*decoded)) {
    FUZZ_CHECK(report->packets_received == load_be(&input[1], 8));
    FUZZ_CHECK(report->packets_lost == load_be(&input[9], 8));
    FUZZ_CHECK(report->frames_decoded == load_be(&input[17], 8));
    FUZZ_CHECK(report->latency_p50_us == load_be(&input[25], 4));
    FUZZ_CHECK(report->latency_p95_us == load_be(&input[29], 4));
  } else {
    const auto& response = std::get<net::PathResponse>(*decoded);
    FUZZ_CHECK(std::equal(response.token.begin(), response.token.end(), input.begin() + 1));
  }
  outcomes().count(kFeedbackNames[decoded->index()]);
}

void check_path_challenge(crypto::Bytes input) {
  const std::optional<net::PathToken> token = net::parse_path_challenge(input);
  const bool well_formed = input.size() == net::kPathChallengeSize &&
                           input[0] == net::kProtocolVersion &&
                           input[1] == net::kPathChallengeFlags;
  FUZZ_CHECK(token.has_value() == well_formed);
  net::PacketHeader header;
  const bool media = net::parse_header(input, header) == net::HeaderStatus::kOk;
  if (!token) {
    outcomes().count(input.size() != net::kPathChallengeSize ? "challenge refused: wrong size"
                                                             : "challenge refused: header");
    return;
  }
  FUZZ_CHECK(!media);
  const net::PathChallenge encoded = net::encode_path_challenge(*token);
  FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), input.begin(), input.end()));
  outcomes().count("challenge parsed");
}

// A media header with the input's sequence, epoch and stream is never a challenge.
void check_media_header(crypto::Bytes input) {
  if (input.size() < net::kHeaderSize) return;
  net::PacketHeader header;
  if (net::parse_header(input, header) != net::HeaderStatus::kOk) return;
  std::vector<std::uint8_t> datagram(net::kPathChallengeSize);
  std::copy(input.begin(), input.begin() + net::kHeaderSize, datagram.begin());
  FUZZ_CHECK(!net::parse_path_challenge(datagram));
}

}  // namespace
}  // namespace agentcast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const agentcast::crypto::Bytes input(data, size);
  agentcast::fuzz::check_feedback(input);
  agentcast::fuzz::check_path_challenge(input);
  agentcast::fuzz::check_media_header(input);
  return 0;
}

// Called by replay_main.cpp after the last input.
extern "C" int AgentcastFuzzReplayReport(int strict) {
  return agentcast::fuzz::outcomes().report("feedback", strict);
}
