// libFuzzer target for agent bundles (docs/BUNDLES.md): agent::parse_bundle, the
// manifest decoder agent::decode_manifest and the trust checks agent::verify_bundle. A
// viewer runs these on whatever a sender ships it before it loads any code, so they must
// hold against any bytes. Every input is fed whole to parse_bundle (as a bundle file) and
// to decode_manifest (as a manifest on its own).
//
// Invariants (violations abort()):
//  - parse_bundle's verdict is the one a model of the structure checks (1-5, in the
//    code's order) gives, for the default size limit, a limit of exactly the input's size
//    and one byte less; a refusal always has a reason;
//  - a parsed bundle is exactly its input: re-serialising its fields gives the same bytes;
//  - a decoded manifest keeps every bound of docs/BUNDLES.md, is canonical (re-encodes to
//    exactly its bytes) and decodes again to an equal manifest;
//  - verify_bundle gives the verdict of a model of checks 6-10 (the first that fails), both
//    against the fixed trusted signer and against whoever signed the input;
//  - nothing verifies against the trusted signer unless it is byte for byte one of the
//    bundles that signer made (bundle_fixture.h): a signature cannot be moved to another
//    manifest, nor a manifest to another binary.
//
// The corpus: corpus_bundle/ (checked in: malformed headers) and generated_corpus_bundle/
// (make_bundle_corpus.cpp: the fixture bundles, each one cut at every field boundary, with
// trailing bytes and bad lengths, and manifests alone, valid and not).

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agentcast/agent/bundle.h"
#include "bundle_fixture.h"
#include "fuzz_check.h"

namespace agentcast::fuzz {
namespace {

using agent::BundleCheck;
using agent::BundleError;
using agent::BundleManifest;
using agent::ParsedBundle;

constexpr std::uint8_t kMagic[] = {'A', 'G', 'C', 'B', 'N', 'D', 'L', '1'};
constexpr char kContext[] = "agentcast bundle v1";       // signed with its NUL
constexpr std::size_t kHeadFixed = 8 + 4 + 32 + 64 + 8;  // every field but manifest, binary

struct Fixture {
  crypto::Fingerprint trusted{};
  std::set<std::vector<std::uint8_t>> genuine;  // what verifies against `trusted`
  std::string platform = agent::this_platform();
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture init;
    init.trusted = fixed_identity(Signer::kTrusted).fingerprint();
    for (const FixtureBundle& b : fixture_bundles()) {
      const auto parsed = agent::parse_bundle(b.bytes);
      FUZZ_CHECK(std::holds_alternative<ParsedBundle>(parsed));
      const BundleCheck check = agent::verify_bundle(std::get<ParsedBundle>(parsed), init.trusted);
      FUZZ_CHECK(check.ok == b.verifies);
      FUZZ_CHECK(b.verifies || check.error == b.error);
      if (b.verifies) init.genuine.insert(b.bytes);
    }
    FUZZ_CHECK(!init.genuine.empty());
    return init;
  }();
  return f;
}

constexpr std::size_t kBundleErrors = static_cast<std::size_t>(BundleError::kWrongAbi) + 1;

// "refused: NAME", made once.
const std::string& refusal_name(BundleError error) {
  static const std::array<std::string, kBundleErrors> names = [] {
    std::array<std::string, kBundleErrors> init;
    for (std::size_t i = 0; i < kBundleErrors; ++i)
      init[i] = "refused: " + std::string(agent::to_string(static_cast<BundleError>(i)));
    return init;
  }();
  return names[static_cast<std::size_t>(error)];
}

Outcomes& outcomes() {
  static Outcomes o = [] {
    Outcomes init;
    for (std::size_t i = 0; i < kBundleErrors; ++i)
      init.expect(refusal_name(static_cast<BundleError>(i)));
    for (const char* name : {"parsed", "verified", "manifest decoded", "manifest refused"})
      init.expect(name);
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

// Structure checks 1-4 in the order parse_bundle makes them: the refusal, or nullopt when
// the bundle's fields are where they should be (check 5, the manifest, is left).
std::optional<BundleError> model_structure(std::span<const std::uint8_t> in, std::size_t max) {
  if (in.size() > max) return BundleError::kOversized;
  if (!in.empty() && std::memcmp(in.data(), kMagic, std::min(in.size(), sizeof kMagic)) != 0) {
    return BundleError::kBadMagic;
  }
  if (in.size() < 12) return BundleError::kTruncated;
  const std::uint64_t manifest_size = load_be(in.data() + 8, 4);
  if (manifest_size > agent::kMaxManifestSize) return BundleError::kOversized;
  const std::size_t head = kHeadFixed + manifest_size;
  if (in.size() < head) return BundleError::kTruncated;
  const std::uint64_t binary_size = load_be(in.data() + head - 8, 8);
  if (binary_size > max - std::min(max, head)) return BundleError::kOversized;
  if (binary_size > in.size() - head) return BundleError::kTruncated;
  if (binary_size < in.size() - head) return BundleError::kTrailingBytes;
  return std::nullopt;
}

agent::Sha256 sha256(std::span<const std::uint8_t> data) {
  agent::Sha256 digest{};
  unsigned int size = 0;
  FUZZ_CHECK(EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) ==
             1);
  return digest;
}

bool valid_text(const std::string& s, std::size_t max) {
  return !s.empty() && s.size() <= max;
}

// What decode_manifest promises for what it accepts, and that the form is canonical.
void check_manifest(const BundleManifest& m, std::span<const std::uint8_t> bytes) {
  FUZZ_CHECK(valid_text(m.name, agent::kMaxNameSize));
  FUZZ_CHECK(valid_text(m.version, agent::kMaxVersionSize));
  FUZZ_CHECK(valid_text(m.platform, agent::kMaxPlatformSize));
  FUZZ_CHECK(m.abi >= 0 && m.abi <= 65535);
  FUZZ_CHECK(!m.units.empty() && m.units.size() <= 16);
  for (std::size_t i = 0; i < m.units.size(); ++i) {
    FUZZ_CHECK(!crypto::unit_name(m.units[i]).empty());
    FUZZ_CHECK(std::count(m.units.begin(), m.units.end(), m.units[i]) == 1);
  }
  FUZZ_CHECK(!m.capabilities.empty() && m.capabilities.size() <= 8);
  for (const std::string& c : m.capabilities) {
    FUZZ_CHECK(c == "receive" || (c == "send" && m.kind == agent::AgentKind::kFull));
    FUZZ_CHECK(std::count(m.capabilities.begin(), m.capabilities.end(), c) == 1);
  }
  FUZZ_CHECK(std::count(m.capabilities.begin(), m.capabilities.end(), "receive") == 1);

  const std::vector<std::uint8_t> encoded = agent::encode_manifest(m);
  FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), bytes.begin(), bytes.end()));
  const auto again = agent::decode_manifest(encoded);
  FUZZ_CHECK(std::holds_alternative<BundleManifest>(again));
  FUZZ_CHECK(std::get<BundleManifest>(again) == m);
}

void check_manifest_alone(std::span<const std::uint8_t> input) {
  const auto decoded = agent::decode_manifest(input);
  if (const auto* problem = std::get_if<std::string>(&decoded)) {
    FUZZ_CHECK(!problem->empty());
    outcomes().count("manifest refused");
    return;
  }
  check_manifest(std::get<BundleManifest>(decoded), input);
  outcomes().count("manifest decoded");
}

// Checks 7-10 for a trusted signer: the first that fails, or nullopt.
std::optional<BundleError> model_trust(const ParsedBundle& b) {
  std::vector<std::uint8_t> message(kContext, kContext + sizeof kContext);
  message.insert(message.end(), b.manifest_bytes.begin(), b.manifest_bytes.end());
  if (!crypto::verify_signature(b.signer, message, b.signature)) return BundleError::kBadSignature;
  if (sha256(b.binary) != b.manifest.binary_sha256) return BundleError::kTamperedBinary;
  if (b.manifest.platform != fixture().platform) return BundleError::kWrongPlatform;
  if (b.manifest.abi != agent::kAgentAbiVersion) return BundleError::kWrongAbi;
  return std::nullopt;
}

void check_verdict(const BundleCheck& check, std::optional<BundleError> expected) {
  FUZZ_CHECK(check.ok == !expected.has_value());
  if (expected) {
    FUZZ_CHECK(check.error == *expected);
    FUZZ_CHECK(!check.reason.empty());
  }
}

void check_parsed(const ParsedBundle& b, std::span<const std::uint8_t> input) {
  // The fields are the input, in order, with nothing left over.
  std::vector<std::uint8_t> bytes(std::begin(kMagic), std::end(kMagic));
  for (int i = 3; i >= 0; --i)
    bytes.push_back(static_cast<std::uint8_t>(b.manifest_bytes.size() >> (8 * i)));
  bytes.insert(bytes.end(), b.manifest_bytes.begin(), b.manifest_bytes.end());
  bytes.insert(bytes.end(), b.signer.begin(), b.signer.end());
  bytes.insert(bytes.end(), b.signature.begin(), b.signature.end());
  for (int i = 7; i >= 0; --i)
    bytes.push_back(static_cast<std::uint8_t>(std::uint64_t{b.binary.size()} >> (8 * i)));
  bytes.insert(bytes.end(), b.binary.begin(), b.binary.end());
  FUZZ_CHECK(std::equal(bytes.begin(), bytes.end(), input.begin(), input.end()));
  check_manifest(b.manifest, b.manifest_bytes);

  const std::optional<BundleError> trust = model_trust(b);
  // Trusting whoever signed it: checks 7-10 decide.
  const crypto::Fingerprint own = crypto::fingerprint_of(b.signer);
  check_verdict(agent::verify_bundle(b, own), trust);
  // The fixed signer: check 6 first.
  const Fixture& f = fixture();
  const BundleCheck check = agent::verify_bundle(b, f.trusted);
  check_verdict(check, own != f.trusted ? BundleError::kUnknownSigner : trust);
  const bool genuine = f.genuine.count(std::vector<std::uint8_t>(input.begin(), input.end())) != 0;
  FUZZ_CHECK(check.ok == genuine);
  outcomes().count(check.ok ? std::string_view("verified") : refusal_name(check.error));
}

void check_bundle(std::span<const std::uint8_t> input) {
  const auto parsed = agent::parse_bundle(input);
  const std::optional<BundleError> structure = model_structure(input, agent::kDefaultMaxBundleSize);
  // The same verdict with a limit of exactly the input's size; one byte less is too small.
  const auto exact = agent::parse_bundle(input, input.size());
  FUZZ_CHECK(exact.index() == parsed.index());
  if (!input.empty()) {
    const auto smaller = agent::parse_bundle(input, input.size() - 1);
    FUZZ_CHECK(std::holds_alternative<BundleCheck>(smaller));
    FUZZ_CHECK(std::get<BundleCheck>(smaller).error == BundleError::kOversized);
  }
  for (std::size_t max : {input.size(), agent::kDefaultMaxBundleSize}) {
    const auto result = max == input.size() ? exact : parsed;
    const std::optional<BundleError> expected = model_structure(input, max);
    if (const auto* refusal = std::get_if<BundleCheck>(&result)) {
      FUZZ_CHECK(!refusal->ok && !refusal->reason.empty());
      FUZZ_CHECK(refusal->error == expected.value_or(BundleError::kManifestUnparsable));
    } else {
      FUZZ_CHECK(!expected);
    }
  }

  if (const auto* refusal = std::get_if<BundleCheck>(&parsed)) {
    if (!structure) {
      // The manifest's own reason, as decode_manifest gives it.
      const std::size_t manifest_size = load_be(input.data() + 8, 4);
      const auto manifest = agent::decode_manifest(input.subspan(12, manifest_size));
      FUZZ_CHECK(std::holds_alternative<std::string>(manifest));
      FUZZ_CHECK(refusal->reason == std::get<std::string>(manifest));
    }
    outcomes().count(refusal_name(refusal->error));
    return;
  }
  outcomes().count("parsed");
  check_parsed(std::get<ParsedBundle>(parsed), input);
}

}  // namespace
}  // namespace agentcast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  agentcast::fuzz::fixture();  // built once, before the first input is timed
  agentcast::fuzz::check_bundle(input);
  agentcast::fuzz::check_manifest_alone(input);
  return 0;
}

// Called by replay_main.cpp after the last input.
extern "C" int AgentcastFuzzReplayReport(int strict) {
  return agentcast::fuzz::outcomes().report("bundle", strict);
}
