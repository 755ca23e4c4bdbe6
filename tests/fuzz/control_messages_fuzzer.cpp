// libFuzzer target for the control channel's messages: net::decode_control, which reads
// whatever the peer at the other end of the TLS channel sends (docs/PROTOCOL.md §11). The
// input is one message body; the channel's length framing is not part of it.
//
// Invariants, checked on every input (violations abort()):
//  - decode_control returns either a message or a non-empty reason, never both;
//  - a decoded message keeps every bound the decoder promises, field by field (the
//    receiver acts on these fields without checking them again);
//  - it round trips: encode_control(m) decodes again, to a message equal to m, and
//    encoding that gives the same bytes (so one message has one encoding);
//  - decoding is a function of the bytes: the same input twice gives the same verdict.
//
// The corpus: corpus_control_messages/ (checked in: malformed CBOR and maps) and
// generated_corpus_control_messages/ (valid messages of every type, and refusals built
// from them, written at build time by make_control_messages_corpus.cpp).

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agentcast/net/control_messages.h"
#include "fuzz_check.h"

namespace agentcast::fuzz {
namespace {

using namespace net;

constexpr std::size_t kMaxText = 256;  // control_messages.cpp: kMaxString

bool same_stream(const StreamDescription& a, const StreamDescription& b) {
  return a.id == b.id && a.kind == b.kind && a.codec == b.codec && a.width == b.width &&
         a.height == b.height && a.fps == b.fps && a.sample_rate == b.sample_rate &&
         a.channels == b.channels && a.epoch == b.epoch && a.seed == b.seed &&
         a.first_sequence == b.first_sequence;
}

// Field by field: the message structs have no operator== of their own.
struct Same {
  bool operator()(const HelloMessage& a, const HelloMessage& b) const {
    return a.protocol == b.protocol && a.agent == b.agent && a.name == b.name &&
           a.platform == b.platform && a.abi == b.abi && a.cached == b.cached &&
           a.media_port == b.media_port && a.send_back == b.send_back &&
           a.send_back_if_call == b.send_back_if_call;
  }
  bool operator()(const SessionMessage& a, const SessionMessage& b) const {
    const SessionParams& p = a.params;
    const SessionParams& q = b.params;
    if (!(p.session_id == q.session_id && p.initial_seed == q.initial_seed &&
          p.units.units == q.units.units && p.units.reference_policy == q.units.reference_policy &&
          p.seed_mode == q.seed_mode && p.select_mode == q.select_mode &&
          p.packets_per_epoch == q.packets_per_epoch && p.mtu == q.mtu &&
          a.viewer_slot == b.viewer_slot && a.send_back == b.send_back &&
          a.streams.size() == b.streams.size())) {
      return false;
    }
    for (std::size_t i = 0; i < a.streams.size(); ++i) {
      if (!same_stream(a.streams[i], b.streams[i])) return false;
    }
    return true;
  }
  bool operator()(const SeedMessage& a, const SeedMessage& b) const {
    return a.stream_id == b.stream_id && a.epoch == b.epoch && a.seed == b.seed;
  }
  bool operator()(const ByeMessage& a, const ByeMessage& b) const { return a.reason == b.reason; }
  bool operator()(const AgentOfferMessage& a, const AgentOfferMessage& b) const {
    return a.kind == b.kind && a.hash == b.hash && a.size == b.size;
  }
  bool operator()(const AgentChunkMessage& a, const AgentChunkMessage& b) const {
    return a.offset == b.offset && a.data == b.data;
  }
  bool operator()(const UseCachedAgentMessage& a, const UseCachedAgentMessage& b) const {
    return a.hash == b.hash;
  }
  bool operator()(const AgentReadyMessage& a, const AgentReadyMessage& b) const {
    return a.hash == b.hash;
  }
  bool operator()(const InstructionsMessage& a, const InstructionsMessage& b) const {
    if (a.stream_id != b.stream_id || a.block != b.block || a.runs.size() != b.runs.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.runs.size(); ++i) {
      if (a.runs[i].unit_index != b.runs[i].unit_index || a.runs[i].length != b.runs[i].length) {
        return false;
      }
    }
    return true;
  }
  bool operator()(const FeedbackMessage& a, const FeedbackMessage& b) const {
    return a.data == b.data;
  }
  bool operator()(const AdmissionPendingMessage& a, const AdmissionPendingMessage& b) const {
    return a.wait_ms == b.wait_ms;
  }
  bool operator()(const SeedRequestMessage& a, const SeedRequestMessage& b) const {
    return a.stream_id == b.stream_id && a.epoch == b.epoch;
  }
  template <typename A, typename B>
  bool operator()(const A&, const B&) const {
    return false;  // different message types
  }
};

bool same(const ControlMessage& a, const ControlMessage& b) {
  return std::visit(Same{}, a, b);
}

bool is_agent_kind(const std::string& kind) {
  return kind == "full" || kind == "receive-only";
}

// The bounds decode_control promises for what it accepts.
struct CheckBounds {
  void operator()(const HelloMessage& m) const {
    FUZZ_CHECK(m.protocol >= 1 && m.protocol <= 1000);
    FUZZ_CHECK(is_agent_kind(m.agent));
    FUZZ_CHECK(m.name.size() <= kMaxText);
    FUZZ_CHECK(!m.platform.empty() && m.platform.size() <= kMaxText);
    FUZZ_CHECK(m.abi >= 1 && m.abi <= 1000);
    FUZZ_CHECK(m.cached.size() <= kMaxCachedAgents);
    for (const std::string& hash : m.cached)
      FUZZ_CHECK(is_content_hash(hash));
  }
  void operator()(const SessionMessage& m) const {
    const SessionParams& p = m.params;
    FUZZ_CHECK(p.initial_seed.size() == crypto::kSeedSize);
    FUZZ_CHECK(!p.units.units.empty() && p.units.units.size() <= 255);
    bool valid_units = true;
    try {
      p.units.validate();
    } catch (const std::invalid_argument&) {
      valid_units = false;
    }
    FUZZ_CHECK(valid_units);
    FUZZ_CHECK(p.packets_per_epoch >= 1);
    FUZZ_CHECK(p.mtu >= kMinMtu && p.mtu <= kMaxMtu);
    FUZZ_CHECK(m.viewer_slot <= 0xFF);
    FUZZ_CHECK(m.streams.size() <= kMaxStreams);
    for (const StreamDescription& s : m.streams) {
      FUZZ_CHECK(s.seed.size() == crypto::kSeedSize);
      FUZZ_CHECK(s.first_sequence <= crypto::kMaxSequence);
      if (s.kind == MediaKind::kVideo) {
        FUZZ_CHECK(s.codec == "h264");
        FUZZ_CHECK(s.width >= 16 && s.width <= 8192 && s.height >= 16 && s.height <= 8192);
        FUZZ_CHECK(s.fps >= 1 && s.fps <= 240);
      } else {
        FUZZ_CHECK(s.kind == MediaKind::kAudio);
        FUZZ_CHECK(s.codec == "opus");
        FUZZ_CHECK(s.sample_rate >= 8000 && s.sample_rate <= 48000);
        FUZZ_CHECK(s.channels >= 1 && s.channels <= 2);
      }
    }
  }
  void operator()(const SeedMessage& m) const { FUZZ_CHECK(m.seed.size() == crypto::kSeedSize); }
  void operator()(const ByeMessage& m) const { FUZZ_CHECK(m.reason.size() <= kMaxText); }
  void operator()(const AgentOfferMessage& m) const {
    FUZZ_CHECK(is_agent_kind(m.kind));
    FUZZ_CHECK(is_content_hash(m.hash));
    FUZZ_CHECK(m.size >= 1);
  }
  void operator()(const AgentChunkMessage& m) const {
    FUZZ_CHECK(m.data.size() <= kAgentChunkSize);
  }
  void operator()(const UseCachedAgentMessage& m) const { FUZZ_CHECK(is_content_hash(m.hash)); }
  void operator()(const AgentReadyMessage& m) const { FUZZ_CHECK(is_content_hash(m.hash)); }
  void operator()(const InstructionsMessage& m) const {
    FUZZ_CHECK(!m.runs.empty() && m.runs.size() <= crypto::kScheduleBlockPackets);
    for (const crypto::UnitRun& run : m.runs)
      FUZZ_CHECK(run.unit_index <= 0xFF && run.length <= 0xFF);
  }
  void operator()(const FeedbackMessage& m) const { FUZZ_CHECK(m.data.size() <= kMaxFeedbackSize); }
  void operator()(const AdmissionPendingMessage& m) const {
    FUZZ_CHECK(m.wait_ms <= kMaxAdmissionWaitMs);
  }
  void operator()(const SeedRequestMessage&) const {}
};

constexpr const char* kTypeNames[] = {
    "hello",      "session",     "seed",         "bye",      "agent_offer",       "agent_chunk",
    "use_cached", "agent_ready", "instructions", "feedback", "admission_pending", "seed_request"};
static_assert(std::size(kTypeNames) == std::variant_size_v<ControlMessage>);

Outcomes& outcomes() {
  static Outcomes o = [] {
    Outcomes init;
    for (const char* type : kTypeNames)
      init.expect(type);
    for (const char* refusal :
         {"refused: not CBOR", "refused: not a CBOR map", "refused: field 'type'",
          "refused: another field", "refused: a stream description"}) {
      init.expect(refusal);
    }
    return init;
  }();
  return o;
}

std::string_view refusal_kind(const std::string& error) {
  if (error.starts_with("not CBOR")) return "refused: not CBOR";
  if (error.starts_with("not a CBOR map")) return "refused: not a CBOR map";
  if (error.starts_with("field 'type'")) return "refused: field 'type'";
  if (error.starts_with("stream")) return "refused: a stream description";
  return "refused: another field";
}

}  // namespace
}  // namespace agentcast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentcast;
  using namespace agentcast::fuzz;
  const crypto::Bytes input(data, size);
  const net::DecodedControl decoded = net::decode_control(input);
  FUZZ_CHECK(decoded.message.has_value() == decoded.error.empty());

  const net::DecodedControl again = net::decode_control(input);
  FUZZ_CHECK(again.error == decoded.error);
  FUZZ_CHECK(again.message.has_value() == decoded.message.has_value());

  if (!decoded.message) {
    outcomes().count(refusal_kind(decoded.error));
    return 0;
  }
  const net::ControlMessage& message = *decoded.message;
  FUZZ_CHECK(same(message, *again.message));
  std::visit(CheckBounds{}, message);
  outcomes().count(kTypeNames[message.index()]);

  const std::vector<std::uint8_t> encoded = net::encode_control(message);
  const net::DecodedControl round = net::decode_control(encoded);
  FUZZ_CHECK(round.message.has_value());
  FUZZ_CHECK(round.error.empty());
  FUZZ_CHECK(round.message->index() == message.index());
  FUZZ_CHECK(same(*round.message, message));
  FUZZ_CHECK(net::encode_control(*round.message) == encoded);
  return 0;
}

// Called by replay_main.cpp after the last input.
extern "C" int AgentcastFuzzReplayReport(int strict) {
  return agentcast::fuzz::outcomes().report("control_messages", strict);
}
