// The bundle manifest's canonical CBOR encoding (docs/BUNDLES.md, "Manifest").

#include <QtCore/QByteArray>
#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QCborStreamWriter>
#include <QtCore/QCborValue>
#include <QtCore/QString>

#include <algorithm>
#include <stdexcept>

#include "agentcast/agent/bundle.h"
#include "agentcast/net/cbor_fields.h"

namespace agentcast::agent {
namespace {

constexpr qsizetype kMaxUnits = 16;
constexpr qsizetype kMaxCapabilities = 8;
constexpr qsizetype kMaxCapabilitySize = 32;

// Field names in canonical order: RFC 8949 §4.2.1 sorts keys by their encoded bytes, which
// for short text keys means shorter first, then bytewise.
constexpr const char* kFieldOrder[] = {"abi",     "kind",     "name",         "units",
                                       "version", "platform", "capabilities", "binary_sha256"};
constexpr qsizetype kFieldCount = sizeof(kFieldOrder) / sizeof(kFieldOrder[0]);

bool known_capability(const std::string& c) {
  return c == "send" || c == "receive";
}

using Reader = net::CborFieldReader;

// Checks what the Reader's per-field bounds cannot: values that depend on each other.
std::string check_consistency(const BundleManifest& m) {
  for (std::size_t i = 0; i < m.units.size(); ++i) {
    if (crypto::unit_name(m.units[i]).empty()) {
      return "field 'units' holds " + std::to_string(static_cast<int>(m.units[i])) +
             ", which is not a known unit id";
    }
    if (std::find(m.units.begin(), m.units.begin() + static_cast<std::ptrdiff_t>(i), m.units[i]) !=
        m.units.begin() + static_cast<std::ptrdiff_t>(i)) {
      return "field 'units' lists a unit twice";
    }
  }
  bool receives = false;
  for (std::size_t i = 0; i < m.capabilities.size(); ++i) {
    const std::string& c = m.capabilities[i];
    if (!known_capability(c)) return "field 'capabilities' holds unknown '" + c + "'";
    if (std::count(m.capabilities.begin(), m.capabilities.end(), c) != 1) {
      return "field 'capabilities' lists '" + c + "' twice";
    }
    receives = receives || c == "receive";
    // A receive-only agent has no sending section compiled in (DESIGN.md).
    if (c == "send" && m.kind == AgentKind::kReceiveOnly) {
      return "field 'capabilities' claims 'send' for a receive-only agent";
    }
  }
  if (!receives) return "field 'capabilities' lacks 'receive'";
  return {};
}

std::string check_bounds(const BundleManifest& m) {
  const auto text_ok = [](const std::string& s, std::size_t max) {
    return !s.empty() && s.size() <= max && QString::fromStdString(s).toStdString() == s;
  };
  if (!text_ok(m.name, kMaxNameSize)) return "field 'name' must be 1 to 64 bytes of UTF-8";
  if (!text_ok(m.version, kMaxVersionSize)) return "field 'version' must be 1 to 32 bytes of UTF-8";
  if (!text_ok(m.platform, kMaxPlatformSize)) {
    return "field 'platform' must be 1 to 64 bytes of UTF-8";
  }
  if (m.abi < 0 || m.abi > 65535) return "field 'abi' is out of range [0, 65535]";
  if (m.units.empty() || m.units.size() > kMaxUnits) {
    return "field 'units' must have 1 to 16 entries";
  }
  if (m.capabilities.empty() || m.capabilities.size() > kMaxCapabilities) {
    return "field 'capabilities' must have 1 to 8 entries";
  }
  for (const auto& c : m.capabilities) {
    if (!text_ok(c, kMaxCapabilitySize)) return "field 'capabilities' holds a bad entry";
  }
  return check_consistency(m);
}

}  // namespace

std::vector<std::uint8_t> encode_manifest(const BundleManifest& m) {
  if (std::string problem = check_bounds(m); !problem.empty()) {
    throw std::invalid_argument("bundle manifest: " + problem);
  }
  // QCborStreamWriter, unlike QCborValue::toCbor, leaves key order to us and always uses
  // definite lengths and the shortest integer forms: exactly the canonical form.
  QByteArray out;
  QCborStreamWriter w(&out);
  w.startMap(static_cast<quint64>(kFieldCount));
  w.append(QLatin1String("abi"));
  w.append(static_cast<qint64>(m.abi));
  w.append(QLatin1String("kind"));
  w.append(QString::fromUtf8(to_string(m.kind).data()));
  w.append(QLatin1String("name"));
  w.append(QString::fromStdString(m.name));
  w.append(QLatin1String("units"));
  w.startArray(static_cast<quint64>(m.units.size()));
  for (crypto::UnitId id : m.units)
    w.append(static_cast<qint64>(id));
  w.endArray();
  w.append(QLatin1String("version"));
  w.append(QString::fromStdString(m.version));
  w.append(QLatin1String("platform"));
  w.append(QString::fromStdString(m.platform));
  w.append(QLatin1String("capabilities"));
  w.startArray(static_cast<quint64>(m.capabilities.size()));
  for (const auto& c : m.capabilities)
    w.append(QString::fromStdString(c));
  w.endArray();
  w.append(QLatin1String("binary_sha256"));
  w.append(QByteArray(reinterpret_cast<const char*>(m.binary_sha256.data()),
                      static_cast<qsizetype>(m.binary_sha256.size())));
  w.endMap();
  return {out.begin(), out.end()};
}

std::variant<BundleManifest, std::string> decode_manifest(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxManifestSize) return std::string("manifest is larger than 64 KiB");
  const QByteArray input(reinterpret_cast<const char*>(bytes.data()),
                         static_cast<qsizetype>(bytes.size()));
  QCborParserError parse_error;
  const QCborValue value = QCborValue::fromCbor(input, &parse_error);
  if (parse_error.error != QCborError::NoError) {
    return "manifest is not CBOR: " + parse_error.errorString().toStdString();
  }
  if (!value.isMap()) return std::string("manifest is not a CBOR map");
  Reader r(value.toMap());
  BundleManifest m;
  m.abi = static_cast<int>(r.integer("abi", 0, 65535));
  const std::string kind = r.text("kind", 1, 16);
  m.name = r.text("name", 1, kMaxNameSize);
  const QCborArray units = r.array("units", 1, kMaxUnits);
  m.version = r.text("version", 1, kMaxVersionSize);
  m.platform = r.text("platform", 1, kMaxPlatformSize);
  const QCborArray capabilities = r.array("capabilities", 1, kMaxCapabilities);
  const QByteArray hash = r.bytes("binary_sha256", static_cast<qsizetype>(m.binary_sha256.size()));
  if (kind == "full") {
    m.kind = AgentKind::kFull;
  } else if (kind == "receive-only") {
    m.kind = AgentKind::kReceiveOnly;
  } else if (r.error().empty()) {
    r.fail("kind", "'" + kind + "' is neither full nor receive-only");
  }
  if (!r.error().empty()) return "manifest: " + r.error();
  m.units.clear();
  for (const QCborValue& unit : units) {
    if (!unit.isInteger() || unit.toInteger() < 0 || unit.toInteger() > 255) {
      return std::string("manifest: field 'units' holds a value that is not a unit id");
    }
    m.units.push_back(static_cast<crypto::UnitId>(unit.toInteger()));
  }
  m.capabilities.clear();
  for (const QCborValue& c : capabilities) {
    if (!c.isString()) return std::string("manifest: field 'capabilities' holds a non-text entry");
    m.capabilities.push_back(c.toString().toStdString());
  }
  std::copy(hash.begin(), hash.end(), m.binary_sha256.begin());
  if (std::string problem = check_bounds(m); !problem.empty()) return "manifest: " + problem;
  // Any other encoding of the same values (extra or repeated keys, another key order,
  // long integer forms, trailing bytes) is refused, so a signature covers one form only.
  if (encode_manifest(m) != std::vector<std::uint8_t>(bytes.begin(), bytes.end())) {
    return std::string("manifest is not in canonical form");
  }
  return m;
}

}  // namespace agentcast::agent
