// Writes the generated corpus of bundle_fuzzer: the fixture bundles of bundle_fixture.h
// (two that verify, and signed ones refused by each trust check), the full agent's bundle
// cut inside every field, with a byte after it, with lengths that lie; and manifests on
// their own (valid, and each rule of docs/BUNDLES.md broken once), some of them also
// wrapped in an unsigned bundle so that parse_bundle reaches the manifest check.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "agentcast/agent/bundle.h"
#include "bundle_fixture.h"
#include "fuzz_corpus_writer.h"

namespace agentcast::fuzz {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A minimal CBOR writer, so that manifests can break the rules encode_manifest enforces.
void head(Bytes& out, unsigned major, std::uint64_t value) {
  const auto type = static_cast<std::uint8_t>(major << 5);
  if (value < 24) {
    out.push_back(static_cast<std::uint8_t>(type | value));
  } else if (value < 0x100) {
    out.insert(out.end(), {static_cast<std::uint8_t>(type | 24), static_cast<std::uint8_t>(value)});
  } else {
    out.insert(out.end(),
               {static_cast<std::uint8_t>(type | 25), static_cast<std::uint8_t>(value >> 8),
                static_cast<std::uint8_t>(value)});
  }
}
Bytes uint(std::uint64_t n) {
  Bytes out;
  head(out, 0, n);
  return out;
}
Bytes text(const std::string& s) {
  Bytes out;
  head(out, 3, s.size());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}
Bytes array(std::initializer_list<Bytes> items) {
  Bytes out;
  head(out, 4, items.size());
  for (const Bytes& item : items)
    out.insert(out.end(), item.begin(), item.end());
  return out;
}
Bytes byte_string(const Bytes& b) {
  Bytes out;
  head(out, 2, b.size());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

using Fields = std::vector<std::pair<std::string, Bytes>>;

// The fields of a valid full agent's manifest, in canonical order.
Fields valid_fields() {
  return {{"abi", uint(1)},
          {"kind", text("full")},
          {"name", text("fuzz-agent")},
          {"units", array({uint(1), uint(2)})},
          {"version", text("1.0")},
          {"platform", text(agent::this_platform())},
          {"capabilities", array({text("send"), text("receive")})},
          {"binary_sha256", byte_string(Bytes(32, 0xab))}};
}

Bytes manifest(const Fields& fields) {
  Bytes out;
  head(out, 5, fields.size());
  for (const auto& [key, value] : fields) {
    const Bytes k = text(key);
    out.insert(out.end(), k.begin(), k.end());
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
}

Fields with(Fields fields, const std::string& key, Bytes value) {
  for (auto& field : fields) {
    if (field.first == key) field.second = std::move(value);
  }
  return fields;
}

// A bundle around `manifest_bytes` with a zero key and signature.
Bytes unsigned_bundle(const Bytes& manifest_bytes, const Bytes& binary) {
  Bytes out = {'A', 'G', 'C', 'B', 'N', 'D', 'L', '1'};
  for (int i = 3; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(manifest_bytes.size() >> (8 * i)));
  out.insert(out.end(), manifest_bytes.begin(), manifest_bytes.end());
  out.insert(out.end(), 32 + 64, 0);
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(std::uint64_t{binary.size()} >> (8 * i)));
  out.insert(out.end(), binary.begin(), binary.end());
  return out;
}

void set_be(Bytes& bytes, std::size_t at, std::uint64_t value, int size) {
  for (int i = 0; i < size; ++i)
    bytes[at + static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>(value >> (8 * (size - 1 - i)));
}

void make(CorpusWriter& out) {
  const std::vector<FixtureBundle> fixtures = fixture_bundles();
  for (const FixtureBundle& b : fixtures)
    out.write("bundle_" + b.name, b.bytes);

  // The full agent's bundle, broken in its structure.
  const Bytes& full = fixtures.front().bytes;
  const std::size_t m = (std::size_t{full[8]} << 24) | (std::size_t{full[9]} << 16) |
                        (std::size_t{full[10]} << 8) | full[11];
  const std::size_t binary_at = 12 + m + 32 + 64 + 8;
  const std::pair<const char*, std::size_t> cuts[] = {{"magic", 5},
                                                      {"manifest_length", 10},
                                                      {"manifest", 12 + m / 2},
                                                      {"signer", 12 + m + 8},
                                                      {"signature", 12 + m + 60},
                                                      {"binary_length", binary_at - 3},
                                                      {"binary", full.size() - 1}};
  for (const auto& [field, size] : cuts)
    out.write("cut_in_" + std::string(field),
              Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(size)));
  Bytes trailing = full;
  trailing.push_back(0);
  out.write("trailing_byte", trailing);
  Bytes magic = full;
  magic[7] = '2';
  out.write("bad_magic", magic);
  Bytes long_manifest = full;
  set_be(long_manifest, 8, agent::kMaxManifestSize + 1, 4);
  out.write("manifest_length_over_limit", long_manifest);
  Bytes huge_binary = full;
  set_be(huge_binary, binary_at - 8, std::uint64_t{1} << 63, 8);
  out.write("binary_length_huge", huge_binary);
  Bytes long_binary = full;
  set_be(long_binary, binary_at - 8, full.size() - binary_at + 1, 8);
  out.write("binary_length_one_more", long_binary);

  // Manifests alone (and some wrapped in an unsigned bundle).
  const Fields valid = valid_fields();
  out.write("manifest_full", manifest(valid));
  out.write("manifest_receive_only", manifest(with(with(valid, "kind", text("receive-only")),
                                                   "capabilities", array({text("receive")}))));
  const Bytes binary = {1, 2, 3};
  out.write("unsigned_bundle_valid_manifest", unsigned_bundle(manifest(valid), binary));
  const std::pair<const char*, Bytes> broken[] = {
      {"abi_text", manifest(with(valid, "abi", text("1")))},
      {"abi_too_big", manifest(with(valid, "abi", uint(65536)))},
      {"kind_unknown", manifest(with(valid, "kind", text("half")))},
      {"name_empty", manifest(with(valid, "name", text("")))},
      {"units_empty", manifest(with(valid, "units", array({})))},
      {"units_unknown", manifest(with(valid, "units", array({uint(1), uint(9)})))},
      {"units_twice", manifest(with(valid, "units", array({uint(2), uint(2)})))},
      {"units_negative", manifest(with(valid, "units", array({Bytes{0x20}})))},
      {"capability_unknown",
       manifest(with(valid, "capabilities", array({text("receive"), text("fly")})))},
      {"capability_twice",
       manifest(with(valid, "capabilities", array({text("receive"), text("receive")})))},
      {"capability_no_receive", manifest(with(valid, "capabilities", array({text("send")})))},
      {"receive_only_sends", manifest(with(valid, "kind", text("receive-only")))},
      {"hash_short", manifest(with(valid, "binary_sha256", byte_string(Bytes(31, 1))))},
      {"long_integer_form", manifest(with(valid, "abi", Bytes{0x18, 0x01}))},
      {"indefinite_array", manifest(with(valid, "units", Bytes{0x9f, 0x01, 0xff}))},
  };
  for (const auto& [name, bytes] : broken) {
    out.write(std::string("manifest_") + name, bytes);
  }
  Fields reordered = valid;
  std::swap(reordered[0], reordered[1]);
  out.write("manifest_keys_reordered", manifest(reordered));
  Fields extra = valid;
  extra.emplace_back("comment", text("x"));
  out.write("manifest_extra_key", manifest(extra));
  Bytes after = manifest(valid);
  after.push_back(0);
  out.write("manifest_trailing_byte", after);
  out.write("unsigned_bundle_receive_only_sends",
            unsigned_bundle(manifest(with(valid, "kind", text("receive-only"))), binary));
  out.write("unsigned_bundle_keys_reordered", unsigned_bundle(manifest(reordered), binary));
}

}  // namespace
}  // namespace agentcast::fuzz

int main(int argc, char** argv) {
  return agentcast::fuzz::corpus_main(argc, argv, "make_bundle_corpus", agentcast::fuzz::make);
}
