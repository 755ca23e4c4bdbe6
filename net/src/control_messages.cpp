#include "agentcast/net/control_messages.h"
#include "agentcast/crypto/join_proof.h"

#include <algorithm>

#include "agentcast/net/cbor_fields.h"

#include <QtCore/QByteArray>
#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QCborValue>
#include <QtCore/QString>

namespace agentcast::net {
namespace {

constexpr std::size_t kMaxString = 256;
constexpr auto kJoinProofBytes = static_cast<qsizetype>(crypto::kJoinProofSize);

QByteArray bytes_of(crypto::Bytes b) {
  return QByteArray(reinterpret_cast<const char*>(b.data()), static_cast<qsizetype>(b.size()));
}

QString kind_name(MediaKind kind) {
  return QString::fromUtf8(to_string(kind).data());
}

QCborMap encode_stream(const StreamDescription& s) {
  QCborMap map;
  map.insert(QStringLiteral("id"), s.id);
  map.insert(QStringLiteral("kind"), kind_name(s.kind));
  map.insert(QStringLiteral("codec"), QString::fromStdString(s.codec));
  map.insert(QStringLiteral("epoch"), static_cast<qint64>(s.epoch));
  map.insert(QStringLiteral("seed"), bytes_of(s.seed.bytes()));
  if (s.first_sequence != 0) {
    map.insert(QStringLiteral("first_sequence"), static_cast<qint64>(s.first_sequence));
  }
  if (s.kind == MediaKind::kVideo) {
    map.insert(QStringLiteral("width"), s.width);
    map.insert(QStringLiteral("height"), s.height);
    map.insert(QStringLiteral("fps"), s.fps);
  } else {
    map.insert(QStringLiteral("sample_rate"), s.sample_rate);
    map.insert(QStringLiteral("channels"), s.channels);
  }
  return map;
}

struct Encoder {
  QCborMap operator()(const HelloMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("hello"));
    map.insert(QStringLiteral("protocol"), m.protocol);
    map.insert(QStringLiteral("agent"), QString::fromStdString(m.agent));
    map.insert(QStringLiteral("name"), QString::fromStdString(m.name));
    // Only when set, so a one-way viewer's hello stays what it always was.
    if (m.send_back) map.insert(QStringLiteral("send_back"), true);
    if (m.send_back_if_call) map.insert(QStringLiteral("send_back_if_call"), true);
    if (!m.join_proof.empty()) {
      map.insert(QStringLiteral("join_proof"),
                 QByteArray(reinterpret_cast<const char*>(m.join_proof.data()),
                            static_cast<qsizetype>(m.join_proof.size())));
    }
    map.insert(QStringLiteral("platform"), QString::fromStdString(m.platform));
    map.insert(QStringLiteral("abi"), m.abi);
    QCborArray cached;
    for (const std::string& hash : m.cached)
      cached.append(QString::fromStdString(hash));
    map.insert(QStringLiteral("cached"), cached);
    map.insert(QStringLiteral("media_port"), m.media_port);
    return map;
  }
  QCborMap operator()(const SessionMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("session"));
    const SessionParams& p = m.params;
    map.insert(QStringLiteral("session_id"), bytes_of(p.session_id));
    map.insert(QStringLiteral("seed"), bytes_of(p.initial_seed.bytes()));
    QCborArray units;
    for (crypto::UnitId id : p.units.units)
      units.append(static_cast<int>(id));
    map.insert(QStringLiteral("units"), units);
    map.insert(QStringLiteral("seed_mode"), p.seed_mode == SeedMode::kSynchronized
                                                ? QStringLiteral("synchronized")
                                                : QStringLiteral("distributed"));
    map.insert(QStringLiteral("select_mode"), p.select_mode == SelectMode::kSynchronized
                                                  ? QStringLiteral("synchronized")
                                                  : QStringLiteral("instructed"));
    map.insert(QStringLiteral("packets_per_epoch"), static_cast<qint64>(p.packets_per_epoch));
    map.insert(QStringLiteral("mtu"), static_cast<qint64>(p.mtu));
    if (p.origin_tags) map.insert(QStringLiteral("origin_tags"), true);
    map.insert(QStringLiteral("viewer_slot"), m.viewer_slot);
    if (m.send_back) map.insert(QStringLiteral("send_back"), true);
    QCborArray streams;
    for (const auto& s : m.streams)
      streams.append(encode_stream(s));
    map.insert(QStringLiteral("streams"), streams);
    return map;
  }
  QCborMap operator()(const SeedMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("seed"));
    map.insert(QStringLiteral("stream"), m.stream_id);
    map.insert(QStringLiteral("epoch"), static_cast<qint64>(m.epoch));
    map.insert(QStringLiteral("seed"), bytes_of(m.seed.bytes()));
    if (m.rekey) map.insert(QStringLiteral("rekey"), true);
    return map;
  }
  QCborMap operator()(const ByeMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("bye"));
    map.insert(QStringLiteral("reason"), QString::fromStdString(m.reason));
    return map;
  }
  QCborMap operator()(const AgentOfferMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("agent_offer"));
    map.insert(QStringLiteral("kind"), QString::fromStdString(m.kind));
    map.insert(QStringLiteral("hash"), QString::fromStdString(m.hash));
    map.insert(QStringLiteral("size"), static_cast<qint64>(m.size));
    return map;
  }
  QCborMap operator()(const AgentChunkMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("agent_chunk"));
    map.insert(QStringLiteral("offset"), static_cast<qint64>(m.offset));
    map.insert(QStringLiteral("data"), bytes_of(m.data));
    return map;
  }
  QCborMap operator()(const UseCachedAgentMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("use_cached_agent"));
    map.insert(QStringLiteral("hash"), QString::fromStdString(m.hash));
    return map;
  }
  QCborMap operator()(const AgentReadyMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("agent_ready"));
    map.insert(QStringLiteral("hash"), QString::fromStdString(m.hash));
    return map;
  }
  QCborMap operator()(const SeedRequestMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("seed_request"));
    map.insert(QStringLiteral("stream"), m.stream_id);
    map.insert(QStringLiteral("epoch"), static_cast<qint64>(m.epoch));
    return map;
  }
  QCborMap operator()(const AdmissionPendingMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("admission_pending"));
    map.insert(QStringLiteral("wait_ms"), static_cast<qint64>(m.wait_ms));
    return map;
  }
  QCborMap operator()(const InstructionsMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("instructions"));
    map.insert(QStringLiteral("stream"), m.stream_id);
    map.insert(QStringLiteral("block"), static_cast<qint64>(m.block));
    // Two bytes a run (unit index, length 1-92): a block is at most 8 KiB.
    QByteArray runs;
    runs.reserve(static_cast<qsizetype>(m.runs.size() * 2));
    for (const crypto::UnitRun& run : m.runs) {
      runs.append(static_cast<char>(run.unit_index));
      runs.append(static_cast<char>(run.length));
    }
    map.insert(QStringLiteral("runs"), runs);
    return map;
  }
  QCborMap operator()(const FeedbackMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("feedback"));
    map.insert(QStringLiteral("data"), bytes_of(m.data));
    return map;
  }
};

std::string read_hash(CborFieldReader& r, const char* key) {
  std::string hash = r.text(key, 64, 64);
  if (r.error().empty() && !is_content_hash(hash)) r.fail(key, "is not 64 lowercase hex digits");
  return hash;
}

using Reader = CborFieldReader;

std::optional<StreamDescription> decode_stream(const QCborValue& value, std::string& error) {
  if (!value.isMap()) {
    error = "a stream description is not a map";
    return std::nullopt;
  }
  Reader r(value.toMap());
  StreamDescription s;
  s.id = static_cast<std::uint16_t>(r.integer("id", 0, 65535));
  const std::string kind = r.text("kind", 0, kMaxString);
  s.codec = r.text("codec", 0, kMaxString);
  s.epoch = static_cast<std::uint32_t>(r.integer("epoch", 0, UINT32_MAX));
  const QByteArray seed = r.bytes("seed", crypto::kSeedSize);
  if (r.has("first_sequence")) {
    s.first_sequence = static_cast<std::uint64_t>(
        r.integer("first_sequence", 0, static_cast<qint64>(crypto::kMaxSequence)));
  }
  if (kind == "video" && s.codec == "h264") {
    s.kind = MediaKind::kVideo;
    s.width = static_cast<int>(r.integer("width", 16, 8192));
    s.height = static_cast<int>(r.integer("height", 16, 8192));
    s.fps = static_cast<int>(r.integer("fps", 1, 240));
  } else if (kind == "audio" && s.codec == "opus") {
    s.kind = MediaKind::kAudio;
    s.sample_rate = static_cast<int>(r.integer("sample_rate", 8000, 48000));
    s.channels = static_cast<int>(r.integer("channels", 1, 2));
  } else if (r.error().empty()) {
    r.fail("kind", "'" + kind + "' with codec '" + s.codec + "' is not supported");
  }
  if (!r.error().empty()) {
    error = "stream: " + r.error();
    return std::nullopt;
  }
  s.seed = crypto::Secret(crypto::Bytes(reinterpret_cast<const std::uint8_t*>(seed.data()),
                                        static_cast<std::size_t>(seed.size())));
  return s;
}

std::optional<ControlMessage> decode_session(Reader& r, std::string& error) {
  SessionMessage m;
  SessionParams& p = m.params;
  const QByteArray id = r.bytes("session_id", crypto::kSessionIdSize);
  const QByteArray seed = r.bytes("seed", crypto::kSeedSize);
  const QCborArray units = r.array("units", 0, 255);
  const std::string seed_mode = r.text("seed_mode", 0, kMaxString);
  const std::string select_mode = r.text("select_mode", 0, kMaxString);
  p.packets_per_epoch = static_cast<std::uint64_t>(r.integer("packets_per_epoch", 1, INT64_MAX));
  p.mtu = static_cast<std::uint32_t>(r.integer("mtu", kMinMtu, kMaxMtu));
  p.origin_tags = r.optional_boolean("origin_tags");
  m.viewer_slot = static_cast<std::uint16_t>(r.integer("viewer_slot", 0, 0xFF));
  m.send_back = r.optional_boolean("send_back");
  const QCborArray streams = r.array("streams", 0, kMaxStreams);
  if (seed_mode == "synchronized") {
    p.seed_mode = SeedMode::kSynchronized;
  } else if (seed_mode == "distributed") {
    p.seed_mode = SeedMode::kDistributed;
  } else if (r.error().empty()) {
    r.fail("seed_mode", "'" + seed_mode + "' is neither synchronized nor distributed");
  }
  if (select_mode == "synchronized") {
    p.select_mode = SelectMode::kSynchronized;
  } else if (select_mode == "instructed") {
    p.select_mode = SelectMode::kInstructed;
  } else if (r.error().empty()) {
    r.fail("select_mode", "'" + select_mode + "' is neither synchronized nor instructed");
  }
  if (!r.error().empty()) {
    error = r.error();
    return std::nullopt;
  }
  std::copy(id.begin(), id.end(), p.session_id.begin());
  p.initial_seed = crypto::Secret(crypto::Bytes(reinterpret_cast<const std::uint8_t*>(seed.data()),
                                                static_cast<std::size_t>(seed.size())));
  p.units = crypto::UnitSet{};  // exactly the units listed, not added to the default set
  for (const QCborValue& unit : units) {
    if (!unit.isInteger() || unit.toInteger() < 0 || unit.toInteger() > 255) {
      error = "field 'units' holds a value that is not a unit id";
      return std::nullopt;
    }
    const auto id_value = static_cast<crypto::UnitId>(unit.toInteger());
    if (crypto::is_reference_unit(id_value)) {
      p.units.reference_policy = crypto::ReferenceUnits::kAllowInsecure;
    }
    p.units.units.push_back(id_value);
  }
  try {
    p.units.validate();
  } catch (const std::invalid_argument& e) {
    error = std::string("field 'units': ") + e.what();
    return std::nullopt;
  }
  for (const QCborValue& value : streams) {
    auto stream = decode_stream(value, error);
    if (!stream) return std::nullopt;
    m.streams.push_back(*stream);
  }
  return m;
}

}  // namespace

bool is_content_hash(std::string_view text) noexcept {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::vector<std::uint8_t> encode_control(const ControlMessage& message) {
  const QByteArray cbor = QCborValue(std::visit(Encoder{}, message)).toCbor();
  return {cbor.begin(), cbor.end()};
}

DecodedControl decode_control(crypto::Bytes bytes) {
  QCborParserError parse_error;
  const QCborValue value = QCborValue::fromCbor(bytes_of(bytes), &parse_error);
  if (parse_error.error != QCborError::NoError) {
    return {std::nullopt, "not CBOR: " + parse_error.errorString().toStdString()};
  }
  if (!value.isMap()) return {std::nullopt, "not a CBOR map"};
  Reader r(value.toMap());
  const std::string type = r.text("type", 0, kMaxString);
  DecodedControl decoded;
  if (type == "hello") {
    HelloMessage m;
    m.protocol = static_cast<int>(r.integer("protocol", 1, 1000));
    m.agent = r.text("agent", 0, kMaxString);
    m.name = r.text("name", 0, kMaxString);
    m.send_back = r.optional_boolean("send_back");
    m.send_back_if_call = r.optional_boolean("send_back_if_call");
    if (r.has("join_proof")) {
      const QByteArray proof = r.bytes("join_proof", kJoinProofBytes);
      m.join_proof.assign(proof.begin(), proof.end());
    }
    m.platform = r.text("platform", 1, kMaxString);
    m.abi = static_cast<int>(r.integer("abi", 1, 1000));
    m.media_port = static_cast<std::uint16_t>(r.integer("media_port", 0, 65535));
    for (const QCborValue& hash : r.array("cached", 0, kMaxCachedAgents)) {
      const std::string text = hash.toString().toStdString();
      if (!hash.isString() || !is_content_hash(text)) {
        r.fail("cached", "holds a value that is not a content hash");
        break;
      }
      m.cached.push_back(text);
    }
    if (r.error().empty() && m.agent != "full" && m.agent != "receive-only") {
      r.fail("agent", "must be full or receive-only");
    }
    if (r.error().empty()) decoded.message = m;
  } else if (type == "session") {
    decoded.message = decode_session(r, decoded.error);
    return decoded;
  } else if (type == "seed") {
    SeedMessage m;
    m.stream_id = static_cast<std::uint16_t>(r.integer("stream", 0, 65535));
    m.epoch = static_cast<std::uint32_t>(r.integer("epoch", 0, UINT32_MAX));
    const QByteArray seed = r.bytes("seed", crypto::kSeedSize);
    m.rekey = r.optional_boolean("rekey");
    if (r.error().empty()) {
      m.seed = crypto::Secret(crypto::Bytes(reinterpret_cast<const std::uint8_t*>(seed.data()),
                                            static_cast<std::size_t>(seed.size())));
      decoded.message = m;
    }
  } else if (type == "bye") {
    ByeMessage m{r.text("reason", 0, kMaxString)};
    if (r.error().empty()) decoded.message = m;
  } else if (type == "agent_offer") {
    AgentOfferMessage m;
    m.kind = r.text("kind", 0, kMaxString);
    m.hash = read_hash(r, "hash");
    m.size = static_cast<std::uint64_t>(r.integer("size", 1, INT64_MAX));
    if (r.error().empty() && m.kind != "full" && m.kind != "receive-only") {
      r.fail("kind", "must be full or receive-only");
    }
    if (r.error().empty()) decoded.message = m;
  } else if (type == "agent_chunk") {
    AgentChunkMessage m;
    m.offset = static_cast<std::uint64_t>(r.integer("offset", 0, INT64_MAX));
    const QByteArray data = r.bytes_up_to("data", static_cast<qsizetype>(kAgentChunkSize));
    if (r.error().empty()) {
      m.data.assign(data.begin(), data.end());
      decoded.message = std::move(m);
    }
  } else if (type == "use_cached_agent") {
    UseCachedAgentMessage m{read_hash(r, "hash")};
    if (r.error().empty()) decoded.message = m;
  } else if (type == "agent_ready") {
    AgentReadyMessage m{read_hash(r, "hash")};
    if (r.error().empty()) decoded.message = m;
  } else if (type == "seed_request") {
    SeedRequestMessage m;
    m.stream_id = static_cast<std::uint16_t>(r.integer("stream", 0, 65535));
    m.epoch = static_cast<std::uint32_t>(r.integer("epoch", 0, UINT32_MAX));
    if (r.error().empty()) decoded.message = m;
  } else if (type == "admission_pending") {
    AdmissionPendingMessage m;
    m.wait_ms = static_cast<std::uint64_t>(
        r.integer("wait_ms", 1, static_cast<std::int64_t>(kMaxAdmissionWaitMs)));
    if (r.error().empty()) decoded.message = m;
  } else if (type == "instructions") {
    InstructionsMessage m;
    m.stream_id = static_cast<std::uint16_t>(r.integer("stream", 0, 65535));
    m.block = static_cast<std::uint64_t>(r.integer("block", 0, INT64_MAX));
    const QByteArray runs =
        r.bytes_up_to("runs", static_cast<qsizetype>(2 * crypto::kScheduleBlockPackets));
    if (r.error().empty() && (runs.isEmpty() || runs.size() % 2 != 0)) {
      r.fail("runs", "must hold whole (unit, length) pairs");
    }
    if (r.error().empty()) {
      for (qsizetype i = 0; i < runs.size(); i += 2) {
        m.runs.push_back(
            {static_cast<std::uint8_t>(runs[i]), static_cast<std::uint8_t>(runs[i + 1])});
      }
      decoded.message = std::move(m);
    }
  } else if (type == "feedback") {
    FeedbackMessage m;
    const QByteArray data = r.bytes_up_to("data", static_cast<qsizetype>(kMaxFeedbackSize));
    if (r.error().empty()) {
      m.data.assign(data.begin(), data.end());
      decoded.message = std::move(m);
    }
  } else if (r.error().empty()) {
    r.fail("type", "'" + type + "' is not a known message");
  }
  decoded.error = r.error();
  return decoded;
}

}  // namespace agentcast::net
