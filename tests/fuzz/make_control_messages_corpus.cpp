// Writes the generated corpus of control_messages_fuzzer: a valid message of every type
// (several variants of some), made by encode_control so that they follow the encoder, and
// refusals made from them by changing one field of the CBOR map (a field missing, of the
// wrong type, out of range, or a value no decoder branch accepts), plus a truncated
// message and one with trailing bytes. Deterministic: no random seeds or ids.

#include <QtCore/QByteArray>
#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QCborValue>
#include <QtCore/QString>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "agentcast/crypto/cipher_unit.h"
#include "agentcast/net/control_messages.h"
#include "fuzz_corpus_writer.h"

namespace agentcast::fuzz {
namespace {

using namespace net;
using Bytes = std::vector<std::uint8_t>;

crypto::Secret pattern_secret(std::uint8_t first) {
  std::vector<std::uint8_t> bytes(crypto::kSeedSize);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(first + 7 * i);
  return crypto::Secret(crypto::Bytes(bytes));
}

std::string hash_of(char digit) {
  return std::string(64, digit);
}

SessionMessage session(SeedMode seeds, SelectMode select, bool send_back) {
  SessionMessage m;
  for (std::size_t i = 0; i < m.params.session_id.size(); ++i)
    m.params.session_id[i] = static_cast<std::uint8_t>(i);
  m.params.initial_seed = pattern_secret(1);
  m.params.units = crypto::UnitSet::standard();
  m.params.seed_mode = seeds;
  m.params.select_mode = select;
  m.params.packets_per_epoch = 5000;
  m.params.mtu = 1200;
  m.viewer_slot = 3;
  m.send_back = send_back;
  m.streams = {
      {kVideoStreamId, MediaKind::kVideo, "h264", 1280, 720, 30, 0, 0, 2, pattern_secret(2)},
      {kAudioStreamId, MediaKind::kAudio, "opus", 0, 0, 0, 48000, 1, 0, pattern_secret(3)}};
  return m;
}

QCborMap map_of(const Bytes& encoded) {
  const QByteArray bytes(reinterpret_cast<const char*>(encoded.data()),
                         static_cast<qsizetype>(encoded.size()));
  return QCborValue::fromCbor(bytes).toMap();
}

Bytes bytes_of(const QCborValue& value) {
  const QByteArray cbor = value.toCbor();
  return {cbor.begin(), cbor.end()};
}

// `message` encoded, with `key` set to `value` (or removed, when value is undefined).
Bytes with_field(const ControlMessage& message, const char* key, const QCborValue& value) {
  QCborMap map = map_of(encode_control(message));
  if (value.isUndefined()) {
    map.remove(QString::fromLatin1(key));
  } else {
    map.insert(QString::fromLatin1(key), value);
  }
  return bytes_of(map);
}

// A session message whose first stream has `key` set to `value`.
Bytes with_stream_field(const char* key, const QCborValue& value) {
  QCborMap map =
      map_of(encode_control(session(SeedMode::kSynchronized, SelectMode::kSynchronized, false)));
  QCborArray streams = map.value(QStringLiteral("streams")).toArray();
  QCborMap first = streams.at(0).toMap();
  first.insert(QString::fromLatin1(key), value);
  streams[0] = first;
  map.insert(QStringLiteral("streams"), streams);
  return bytes_of(map);
}

void make(CorpusWriter& out) {
  const auto write = [&out](const std::string& name, const ControlMessage& m) {
    const Bytes bytes = encode_control(m);
    if (const DecodedControl decoded = decode_control(bytes); !decoded.message) {
      throw std::logic_error(name + " does not decode: " + decoded.error);
    }
    out.write(name, bytes);
  };
  const QCborValue kMissing;  // undefined: the field is removed

  // Valid messages: every type, and the variants of optional fields and modes.
  HelloMessage hello;
  hello.name = "viewer";
  hello.platform = "x86_64-linux-gnu";
  hello.abi = 1;
  write("hello", hello);
  HelloMessage hello_cached = hello;
  hello_cached.agent = "receive-only";
  hello_cached.cached = {hash_of('a'), hash_of('0')};
  hello_cached.media_port = 40000;
  hello_cached.send_back = true;
  hello_cached.send_back_if_call = true;
  write("hello_cached_send_back", hello_cached);

  const SessionMessage synchronized =
      session(SeedMode::kSynchronized, SelectMode::kSynchronized, false);
  write("session_synchronized", synchronized);
  SessionMessage late_join = session(SeedMode::kDistributed, SelectMode::kInstructed, true);
  for (auto& stream : late_join.streams)
    stream.first_sequence = 123456789;  // a viewer joining a running stream
  write("session_distributed_instructed", late_join);
  SessionMessage reference = session(SeedMode::kSynchronized, SelectMode::kSynchronized, false);
  reference.params.units = crypto::UnitSet::standard(true);
  reference.streams.clear();
  write("session_reference_units_no_streams", reference);

  write("seed", SeedMessage{kVideoStreamId, 7, pattern_secret(9)});
  write("bye", ByeMessage{"the sender ended the call"});
  write("bye_empty", ByeMessage{});
  write("agent_offer", AgentOfferMessage{"full", hash_of('b'), 123456});
  write("agent_offer_receive_only", AgentOfferMessage{"receive-only", hash_of('c'), 1});
  write("agent_chunk", AgentChunkMessage{65536, {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}});
  write("agent_chunk_empty", AgentChunkMessage{0, {}});
  write("use_cached_agent", UseCachedAgentMessage{hash_of('d')});
  write("agent_ready", AgentReadyMessage{hash_of('e')});
  write("instructions", InstructionsMessage{kAudioStreamId, 42, {{0, 92}, {2, 1}, {1, 3}}});
  write("feedback", FeedbackMessage{{1, 0, 3}});
  write("admission_pending", AdmissionPendingMessage{60'000});
  write("seed_request", SeedRequestMessage{kVideoStreamId, 12});

  // Refusals: one field changed.
  out.write("unknown_type", with_field(ByeMessage{}, "type", QStringLiteral("hullo")));
  out.write("type_not_text", with_field(ByeMessage{}, "type", 1));
  out.write("type_missing", with_field(ByeMessage{}, "type", kMissing));
  out.write("hello_bad_agent", with_field(hello, "agent", QStringLiteral("half")));
  out.write("hello_protocol_zero", with_field(hello, "protocol", 0));
  out.write("hello_empty_platform", with_field(hello, "platform", QString()));
  out.write("hello_send_back_not_bool", with_field(hello, "send_back", 1));
  out.write("hello_cached_not_hash",
            with_field(hello, "cached", QCborArray{QString::fromStdString(hash_of('A'))}));
  out.write("hello_cached_not_text", with_field(hello, "cached", QCborArray{7}));
  out.write("session_units_empty", with_field(synchronized, "units", QCborArray{}));
  out.write("session_units_twice", with_field(synchronized, "units", QCborArray{1, 1}));
  out.write("session_units_unknown", with_field(synchronized, "units", QCborArray{1, 99}));
  out.write("session_units_not_int",
            with_field(synchronized, "units", QCborArray{QStringLiteral("aes")}));
  out.write("session_bad_seed_mode",
            with_field(synchronized, "seed_mode", QStringLiteral("sometimes")));
  out.write("session_bad_select_mode",
            with_field(synchronized, "select_mode", QStringLiteral("random")));
  out.write("session_mtu_too_small", with_field(synchronized, "mtu", 10));
  out.write("session_short_seed", with_field(synchronized, "seed", QByteArray(16, 'x')));
  out.write("session_stream_not_map", with_field(synchronized, "streams", QCborArray{1}));
  out.write("stream_vp8", with_stream_field("codec", QStringLiteral("vp8")));
  out.write("stream_width_zero", with_stream_field("width", 0));
  out.write("stream_epoch_negative", with_stream_field("epoch", -1));
  out.write("seed_short",
            with_field(SeedMessage{1, 0, pattern_secret(4)}, "seed", QByteArray(31, 's')));
  out.write("seed_stream_too_big",
            with_field(SeedMessage{1, 0, pattern_secret(4)}, "stream", 65536));
  out.write("agent_offer_size_zero",
            with_field(AgentOfferMessage{"full", hash_of('b'), 1}, "size", 0));
  out.write("agent_ready_upper_case_hash", with_field(AgentReadyMessage{hash_of('e')}, "hash",
                                                      QString::fromStdString(hash_of('E'))));
  out.write("instructions_odd_runs",
            with_field(InstructionsMessage{1, 0, {{0, 1}}}, "runs", QByteArray(3, 1)));
  out.write("instructions_no_runs",
            with_field(InstructionsMessage{1, 0, {{0, 1}}}, "runs", QByteArray()));
  out.write("feedback_too_long",
            with_field(FeedbackMessage{{1}}, "data",
                       QByteArray(static_cast<qsizetype>(kMaxFeedbackSize + 1), 3)));

  // Not a whole message: cut short, or with bytes after it.
  Bytes cut = encode_control(synchronized);
  cut.resize(cut.size() / 2);
  out.write("session_truncated", cut);
  Bytes trailing = encode_control(ByeMessage{"x"});
  trailing.push_back(0x00);
  out.write("bye_trailing_byte", trailing);
}

}  // namespace
}  // namespace agentcast::fuzz

int main(int argc, char** argv) {
  return agentcast::fuzz::corpus_main(argc, argv, "make_control_messages_corpus",
                                      agentcast::fuzz::make);
}
