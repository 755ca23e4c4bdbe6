#include "agentcast/net/control_messages.h"

#include "agentcast/net/cbor_fields.h"

#include <QtCore/QByteArray>
#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QCborValue>
#include <QtCore/QString>

namespace agentcast::net {
namespace {

constexpr std::size_t kMaxString = 256;

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
    return map;
  }
  QCborMap operator()(const SessionMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("session"));
    map.insert(QStringLiteral("session_id"), bytes_of(m.session_id));
    map.insert(QStringLiteral("seed"), bytes_of(m.initial_seed.bytes()));
    QCborArray units;
    for (crypto::UnitId id : m.units.units)
      units.append(static_cast<int>(id));
    map.insert(QStringLiteral("units"), units);
    map.insert(QStringLiteral("seed_mode"), m.seed_mode == SeedMode::kSynchronized
                                                ? QStringLiteral("synchronized")
                                                : QStringLiteral("distributed"));
    map.insert(QStringLiteral("packets_per_epoch"), static_cast<qint64>(m.packets_per_epoch));
    map.insert(QStringLiteral("mtu"), static_cast<qint64>(m.mtu));
    map.insert(QStringLiteral("viewer_slot"), m.viewer_slot);
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
    return map;
  }
  QCborMap operator()(const ByeMessage& m) const {
    QCborMap map;
    map.insert(QStringLiteral("type"), QStringLiteral("bye"));
    map.insert(QStringLiteral("reason"), QString::fromStdString(m.reason));
    return map;
  }
};

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
  const QByteArray id = r.bytes("session_id", crypto::kSessionIdSize);
  const QByteArray seed = r.bytes("seed", crypto::kSeedSize);
  const QCborArray units = r.array("units", 0, 255);
  const std::string seed_mode = r.text("seed_mode", 0, kMaxString);
  m.packets_per_epoch = static_cast<std::uint64_t>(r.integer("packets_per_epoch", 1, INT64_MAX));
  m.mtu = static_cast<std::uint32_t>(r.integer("mtu", kMinMtu, kMaxMtu));
  m.viewer_slot = static_cast<std::uint16_t>(r.integer("viewer_slot", 0, 0xFF));
  const QCborArray streams = r.array("streams", 0, kMaxStreams);
  if (seed_mode == "synchronized") {
    m.seed_mode = SeedMode::kSynchronized;
  } else if (seed_mode == "distributed") {
    m.seed_mode = SeedMode::kDistributed;
  } else if (r.error().empty()) {
    r.fail("seed_mode", "'" + seed_mode + "' is neither synchronized nor distributed");
  }
  if (!r.error().empty()) {
    error = r.error();
    return std::nullopt;
  }
  std::copy(id.begin(), id.end(), m.session_id.begin());
  m.initial_seed = crypto::Secret(crypto::Bytes(reinterpret_cast<const std::uint8_t*>(seed.data()),
                                                static_cast<std::size_t>(seed.size())));
  for (const QCborValue& unit : units) {
    if (!unit.isInteger() || unit.toInteger() < 0 || unit.toInteger() > 255) {
      error = "field 'units' holds a value that is not a unit id";
      return std::nullopt;
    }
    const auto id_value = static_cast<crypto::UnitId>(unit.toInteger());
    if (crypto::is_reference_unit(id_value)) {
      m.units.reference_policy = crypto::ReferenceUnits::kAllowInsecure;
    }
    m.units.units.push_back(id_value);
  }
  try {
    m.units.validate();
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
    if (r.error().empty()) {
      m.seed = crypto::Secret(crypto::Bytes(reinterpret_cast<const std::uint8_t*>(seed.data()),
                                            static_cast<std::size_t>(seed.size())));
      decoded.message = m;
    }
  } else if (type == "bye") {
    ByeMessage m{r.text("reason", 0, kMaxString)};
    if (r.error().empty()) decoded.message = m;
  } else if (r.error().empty()) {
    r.fail("type", "'" + type + "' is not a known message");
  }
  decoded.error = r.error();
  return decoded;
}

}  // namespace agentcast::net
