#pragma once
// Reads the fields of a CBOR map received from outside (control messages, bundle
// manifests): each accessor checks type and bounds, records the first problem with the
// field's name, and returns a harmless default after it, so a decoder reads every field
// and then looks at error() once. Uses QtCore; include it only from code that links it.

#include <QtCore/QByteArray>
#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QCborValue>
#include <QtCore/QString>
#include <cstddef>
#include <cstdint>
#include <string>

namespace agentcast::net {

class CborFieldReader {
 public:
  explicit CborFieldReader(QCborMap map) : map_(std::move(map)) {}

  std::int64_t integer(const char* key, std::int64_t min, std::int64_t max) {
    const QCborValue v = map_.value(QLatin1String(key));
    if (!v.isInteger()) return fail(key, "is missing or not an integer"), min;
    const std::int64_t n = v.toInteger();
    if (n < min || n > max) {
      return fail(key,
                  "is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]"),
             min;
    }
    return n;
  }
  // Whether the map holds `key` (for fields added after a message's first version).
  bool has(const char* key) const { return map_.contains(QLatin1String(key)); }
  // A boolean that may be absent (then false), added to a message after its first version.
  bool optional_boolean(const char* key) {
    const QCborValue v = map_.value(QLatin1String(key));
    if (v.isUndefined()) return false;
    if (!v.isBool()) return fail(key, "is not a boolean"), false;
    return v.toBool();
  }
  // A text string of min_size to max_size bytes (UTF-8).
  std::string text(const char* key, std::size_t min_size, std::size_t max_size) {
    const QCborValue v = map_.value(QLatin1String(key));
    if (!v.isString()) return fail(key, "is missing or not a text string"), std::string();
    std::string s = v.toString().toStdString();
    if (s.size() < min_size || s.size() > max_size) {
      return fail(key, "must be " + std::to_string(min_size) + " to " + std::to_string(max_size) +
                           " bytes"),
             std::string();
    }
    return s;
  }
  QByteArray bytes(const char* key, qsizetype exact_size) {
    const QCborValue v = map_.value(QLatin1String(key));
    if (!v.isByteArray()) return fail(key, "is missing or not a byte string"), QByteArray();
    QByteArray b = v.toByteArray();
    if (b.size() != exact_size) {
      return fail(key, "must be " + std::to_string(exact_size) + " bytes"), QByteArray();
    }
    return b;
  }
  QByteArray bytes_up_to(const char* key, qsizetype max_size) {
    const QCborValue v = map_.value(QLatin1String(key));
    if (!v.isByteArray()) return fail(key, "is missing or not a byte string"), QByteArray();
    QByteArray b = v.toByteArray();
    if (b.size() > max_size) {
      return fail(key, "must be at most " + std::to_string(max_size) + " bytes"), QByteArray();
    }
    return b;
  }
  QCborArray array(const char* key, qsizetype min_entries, qsizetype max_entries) {
    const QCborValue v = map_.value(QLatin1String(key));
    if (!v.isArray()) return fail(key, "is missing or not an array"), QCborArray();
    QCborArray a = v.toArray();
    if (a.size() < min_entries || a.size() > max_entries) {
      return fail(key, "must have " + std::to_string(min_entries) + " to " +
                           std::to_string(max_entries) + " entries"),
             QCborArray();
    }
    return a;
  }
  void fail(const char* key, const std::string& why) {
    if (error_.empty()) error_ = std::string("field '") + key + "' " + why;
  }
  const std::string& error() const { return error_; }

 private:
  QCborMap map_;
  std::string error_;
};

}  // namespace agentcast::net
