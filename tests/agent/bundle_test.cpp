// Agent bundles (docs/BUNDLES.md): every refusal that security rule 7 relies on, and the
// file layout byte for byte.

#include "agentcast/agent/bundle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <variant>

namespace agentcast::agent {
namespace {

using Buffer = std::vector<std::uint8_t>;

// A minimal CBOR writer, independent of the one under test, for hand-made manifests.
void head(Buffer& out, std::uint8_t major, std::uint64_t n) {
  if (n < 24) {
    out.push_back(static_cast<std::uint8_t>(major << 5 | n));
  } else if (n < 256) {
    out.push_back(static_cast<std::uint8_t>(major << 5 | 24));
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    out.push_back(static_cast<std::uint8_t>(major << 5 | 25));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  }
}
void text(Buffer& out, const std::string& s) {
  head(out, 3, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

BundleManifest sample_manifest() {
  BundleManifest m;
  m.name = "agentcast-full";
  m.version = "1.2.3";
  m.platform = this_platform();
  m.units = {crypto::UnitId::kAes256Gcm, crypto::UnitId::kChaCha20Poly1305};
  return m;
}

const Buffer& sample_binary() {
  static const Buffer binary = [] {
    Buffer b(300);
    for (std::size_t i = 0; i < b.size(); ++i)
      b[i] = static_cast<std::uint8_t>(i * 7 + 1);
    return b;
  }();
  return binary;
}

const crypto::Identity& publisher() {
  static const crypto::Identity identity = crypto::Identity::generate();
  return identity;
}

// The file layout of the spec, assembled by hand around any manifest bytes.
Buffer assemble(const Buffer& manifest, const Buffer& binary,
                const crypto::Identity& signer = publisher()) {
  const std::string context = "agentcast bundle v1";
  Buffer message(context.begin(), context.end());
  message.push_back(0);
  message.insert(message.end(), manifest.begin(), manifest.end());
  const Buffer signature = signer.sign(message);
  const crypto::PublicKey key = signer.public_key();
  Buffer out = {'A', 'G', 'C', 'B', 'N', 'D', 'L', '1'};
  for (int i = 3; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(manifest.size() >> (8 * i)));
  out.insert(out.end(), manifest.begin(), manifest.end());
  out.insert(out.end(), key.begin(), key.end());
  out.insert(out.end(), signature.begin(), signature.end());
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(binary.size()) >> (8 * i)));
  out.insert(out.end(), binary.begin(), binary.end());
  return out;
}

ParsedBundle parse_ok(const Buffer& bytes) {
  auto parsed = parse_bundle(bytes);
  if (auto* check = std::get_if<BundleCheck>(&parsed)) {
    ADD_FAILURE() << "refused: " << check->reason;
    return {};
  }
  return std::get<ParsedBundle>(std::move(parsed));
}

BundleCheck parse_refusal(const Buffer& bytes, std::size_t max_size = kDefaultMaxBundleSize) {
  auto parsed = parse_bundle(bytes, max_size);
  if (!std::holds_alternative<BundleCheck>(parsed)) {
    ADD_FAILURE() << "a bundle of " << bytes.size() << " bytes was accepted";
    return {true, BundleError::kTruncated, ""};
  }
  return std::get<BundleCheck>(parsed);
}

BundleCheck verify_bytes(const Buffer& bytes) {
  return verify_bundle(parse_ok(bytes), publisher().fingerprint());
}

TEST(Bundle, PackParseVerifyRoundTrip) {
  const Buffer bytes = pack_bundle(sample_manifest(), sample_binary(), publisher());
  const ParsedBundle parsed = parse_ok(bytes);
  BundleManifest expected = sample_manifest();
  expected.binary_sha256 = parsed.manifest.binary_sha256;
  EXPECT_EQ(parsed.manifest, expected);
  EXPECT_EQ(parsed.binary, sample_binary());
  EXPECT_EQ(parsed.signer, publisher().public_key());
  const BundleCheck check = verify_bundle(parsed, publisher().fingerprint());
  EXPECT_TRUE(check.ok) << check.reason;
}

TEST(Bundle, FileLayoutMatchesTheSpec) {
  BundleManifest m = sample_manifest();
  const Buffer packed = pack_bundle(m, sample_binary(), publisher());
  m.binary_sha256 = parse_ok(packed).manifest.binary_sha256;
  // Ed25519 is deterministic, so the hand-assembled file must match byte for byte.
  EXPECT_EQ(packed, assemble(encode_manifest(m), sample_binary()));
}

TEST(Bundle, ManifestKeysAreInCanonicalOrder) {
  const Buffer encoded = encode_manifest(sample_manifest());
  Buffer prefix;
  head(prefix, 5, 8);  // a map of 8 pairs
  text(prefix, "abi");
  prefix.push_back(0x01);
  text(prefix, "kind");
  text(prefix, "full");
  text(prefix, "name");
  ASSERT_GE(encoded.size(), prefix.size());
  EXPECT_EQ(Buffer(encoded.begin(), encoded.begin() + static_cast<std::ptrdiff_t>(prefix.size())),
            prefix);
}

TEST(Bundle, FlippedSignatureByteIsABadSignature) {
  Buffer bytes = pack_bundle(sample_manifest(), sample_binary(), publisher());
  const std::size_t signature_at = bytes.size() - sample_binary().size() - 8 - 64;
  bytes[signature_at + 10] ^= 0x01;
  EXPECT_EQ(verify_bytes(bytes).error, BundleError::kBadSignature);
}

TEST(Bundle, AlteredManifestIsABadSignature) {
  Buffer bytes = pack_bundle(sample_manifest(), sample_binary(), publisher());
  const std::string name = "agentcast-full";
  const auto at = std::search(bytes.begin(), bytes.end(), name.begin(), name.end());
  ASSERT_NE(at, bytes.end());
  *at = 'b';  // still a valid manifest, just not the signed one
  EXPECT_EQ(verify_bytes(bytes).error, BundleError::kBadSignature);
}

TEST(Bundle, FlippedBinaryByteIsATamperedBinary) {
  Buffer bytes = pack_bundle(sample_manifest(), sample_binary(), publisher());
  bytes[bytes.size() - 5] ^= 0x80;
  const BundleCheck check = verify_bytes(bytes);
  EXPECT_EQ(check.error, BundleError::kTamperedBinary);
  EXPECT_NE(check.reason.find("binary"), std::string::npos) << check.reason;
}

TEST(Bundle, UnknownSignerIsRefusedNamingBothFingerprints) {
  const crypto::Identity stranger = crypto::Identity::generate();
  const Buffer bytes = pack_bundle(sample_manifest(), sample_binary(), stranger);
  const BundleCheck check = verify_bundle(parse_ok(bytes), publisher().fingerprint());
  EXPECT_FALSE(check.ok);
  EXPECT_EQ(check.error, BundleError::kUnknownSigner);
  EXPECT_NE(check.reason.find(crypto::to_hex(stranger.fingerprint())), std::string::npos);
  EXPECT_NE(check.reason.find(crypto::to_hex(publisher().fingerprint())), std::string::npos);
}

TEST(Bundle, WrongPlatformNamesBoth) {
  BundleManifest m = sample_manifest();
  m.platform = "sparc64-linux-gnu";
  const BundleCheck check = verify_bytes(pack_bundle(m, sample_binary(), publisher()));
  EXPECT_EQ(check.error, BundleError::kWrongPlatform);
  EXPECT_NE(check.reason.find("sparc64-linux-gnu"), std::string::npos) << check.reason;
  EXPECT_NE(check.reason.find(this_platform()), std::string::npos) << check.reason;
}

TEST(Bundle, WrongAbiNamesBoth) {
  BundleManifest m = sample_manifest();
  m.abi = 2;
  const BundleCheck check = verify_bytes(pack_bundle(m, sample_binary(), publisher()));
  EXPECT_EQ(check.error, BundleError::kWrongAbi);
  EXPECT_NE(check.reason.find("2"), std::string::npos) << check.reason;
  EXPECT_NE(check.reason.find(std::to_string(kAgentAbiVersion)), std::string::npos);
}

TEST(Bundle, EveryPrefixIsTruncated) {
  const Buffer small(10, 0x42);
  const Buffer bytes = pack_bundle(sample_manifest(), small, publisher());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const BundleCheck check = parse_refusal(Buffer(bytes.begin(), bytes.begin() + n));
    ASSERT_EQ(check.error, BundleError::kTruncated) << n << " bytes: " << check.reason;
  }
}

TEST(Bundle, OversizedBundlesAreRefused) {
  const Buffer bytes = pack_bundle(sample_manifest(), sample_binary(), publisher());
  EXPECT_TRUE(std::holds_alternative<ParsedBundle>(parse_bundle(bytes, bytes.size())));
  EXPECT_EQ(parse_refusal(bytes, bytes.size() - 1).error, BundleError::kOversized);

  // A truncated file that declares a huge binary is refused for its size, without wrapping.
  Buffer huge = bytes;
  const std::size_t length_at = bytes.size() - sample_binary().size() - 8;
  for (std::size_t i = 0; i < 8; ++i)
    huge[length_at + i] = 0xFF;
  EXPECT_EQ(parse_refusal(huge).error, BundleError::kOversized);

  Buffer big_manifest = {'A', 'G', 'C', 'B', 'N', 'D', 'L', '1', 0x00, 0x01, 0x00, 0x01};
  EXPECT_EQ(parse_refusal(big_manifest).error, BundleError::kOversized);
}

TEST(Bundle, BadMagicIsRefused) {
  Buffer bytes = pack_bundle(sample_manifest(), sample_binary(), publisher());
  bytes[7] = '2';
  EXPECT_EQ(parse_refusal(bytes).error, BundleError::kBadMagic);
  EXPECT_EQ(parse_refusal(Buffer{0x7F, 'E', 'L', 'F'}).error, BundleError::kBadMagic);
}

TEST(Bundle, TrailingBytesAreRefused) {
  Buffer bytes = pack_bundle(sample_manifest(), sample_binary(), publisher());
  bytes.push_back(0);
  EXPECT_EQ(parse_refusal(bytes).error, BundleError::kTrailingBytes);
}

TEST(Bundle, UnparsableManifestsAreRefused) {
  Buffer canonical = encode_manifest(sample_manifest());
  const auto refusal_of = [](const Buffer& manifest) {
    return parse_refusal(assemble(manifest, sample_binary()));
  };
  EXPECT_EQ(refusal_of({0xFF, 0x00, 0x13}).error, BundleError::kManifestUnparsable);
  EXPECT_EQ(refusal_of({}).error, BundleError::kManifestUnparsable);
  Buffer not_a_map;
  text(not_a_map, "abi");
  EXPECT_EQ(refusal_of(not_a_map).error, BundleError::kManifestUnparsable);

  Buffer missing;  // only abi and kind
  head(missing, 5, 2);
  text(missing, "abi");
  missing.push_back(0x01);
  text(missing, "kind");
  text(missing, "full");
  const BundleCheck check = refusal_of(missing);
  EXPECT_EQ(check.error, BundleError::kManifestUnparsable);
  EXPECT_NE(check.reason.find("'name'"), std::string::npos) << check.reason;

  Buffer wrong_type = canonical;  // abi: the integer 1 becomes an empty byte string
  ASSERT_EQ(wrong_type[5], 0x01);
  wrong_type[5] = 0x40;
  EXPECT_NE(refusal_of(wrong_type).reason.find("'abi'"), std::string::npos);

  Buffer trailing = canonical;  // a second CBOR item after the map
  trailing.push_back(0x00);
  EXPECT_EQ(refusal_of(trailing).error, BundleError::kManifestUnparsable);

  Buffer long_form = canonical;  // abi as a one-byte integer (0x18 0x01): not canonical
  long_form[5] = 0x18;
  long_form.insert(long_form.begin() + 6, 0x01);
  EXPECT_EQ(refusal_of(long_form).error, BundleError::kManifestUnparsable);

  BundleManifest unknown_unit = sample_manifest();
  unknown_unit.units = {crypto::UnitId::kAes256Gcm};
  Buffer bad_unit = encode_manifest(unknown_unit);
  const auto unit = std::find(bad_unit.begin(), bad_unit.end(), 0x81);  // array(1) tag
  ASSERT_NE(unit, bad_unit.end());
  *(unit + 1) = 0x17;  // unit id 23: unknown
  EXPECT_NE(refusal_of(bad_unit).reason.find("unit"), std::string::npos);
}

TEST(Bundle, PackRefusesManifestsOutOfBounds) {
  BundleManifest m = sample_manifest();
  m.name = std::string(65, 'n');
  EXPECT_THROW(pack_bundle(m, sample_binary(), publisher()), std::invalid_argument);
  m = sample_manifest();
  m.kind = AgentKind::kReceiveOnly;  // but still claiming "send"
  EXPECT_THROW(pack_bundle(m, sample_binary(), publisher()), std::invalid_argument);
  m.capabilities = capabilities_of(AgentKind::kReceiveOnly);
  EXPECT_NO_THROW(pack_bundle(m, sample_binary(), publisher()));
  m.units.clear();
  EXPECT_THROW(pack_bundle(m, sample_binary(), publisher()), std::invalid_argument);
}

TEST(Bundle, ContentHashIsTheSha256OfTheFile) {
  const Buffer abc = {'a', 'b', 'c'};
  EXPECT_EQ(content_hash(abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Buffer bytes = pack_bundle(sample_manifest(), sample_binary(), publisher());
  const std::string hash = content_hash(bytes);
  EXPECT_EQ(hash, content_hash(bytes));
  bytes.back() ^= 1;
  EXPECT_NE(hash, content_hash(bytes));
}

TEST(Bundle, ThisPlatformIsALinuxTriple) {
  const std::string platform = this_platform();
  EXPECT_TRUE(platform.ends_with("-linux-gnu")) << platform;
  EXPECT_EQ(platform.find("unknown"), std::string::npos) << platform;
}

}  // namespace
}  // namespace agentcast::agent
