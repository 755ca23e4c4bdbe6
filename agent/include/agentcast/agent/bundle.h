#pragma once
// Agent bundles: the signed mobile code a sender ships to its viewers (DESIGN.md, "Agents
// as mobile code"; security rule 7). A bundle is a manifest, the signer's public key, an
// Ed25519 signature over the manifest and the agent binary; docs/BUNDLES.md is the spec.
//
// Checking is split in two so that nothing trusts a bundle by accident: parse_bundle()
// only takes the file apart (any byte string is safe to feed it), verify_bundle() decides
// whether the parsed bundle may be loaded here.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agentcast/crypto/cipher_unit.h"
#include "agentcast/crypto/identity.h"

namespace agentcast::agent {

// The version of the agent plugin's C ABI that this build loads.
inline constexpr int kAgentAbiVersion = 1;

inline constexpr std::size_t kBundleMagicSize = 8;
inline constexpr std::size_t kMaxManifestSize = 64 * 1024;
inline constexpr std::size_t kDefaultMaxBundleSize = 64 * 1024 * 1024;
inline constexpr std::size_t kBundleSignatureSize = 64;
inline constexpr std::size_t kMaxNameSize = 64;
inline constexpr std::size_t kMaxVersionSize = 32;
inline constexpr std::size_t kMaxPlatformSize = 64;

// The platform triple of this build ("x86_64-linux-gnu"): a bundle must name it exactly.
std::string this_platform();

enum class AgentKind : std::uint8_t { kFull, kReceiveOnly };
std::string_view to_string(AgentKind kind) noexcept;  // "full" | "receive-only"
// The capabilities a bundle of `kind` declares: {"send", "receive"} or {"receive"}.
std::vector<std::string> capabilities_of(AgentKind kind);

using Sha256 = std::array<std::uint8_t, 32>;

struct BundleManifest {
  std::string name;
  std::string version;
  int abi = kAgentAbiVersion;
  std::string platform = this_platform();
  AgentKind kind = AgentKind::kFull;
  std::vector<std::string> capabilities = capabilities_of(AgentKind::kFull);
  std::vector<crypto::UnitId> units;
  Sha256 binary_sha256{};

  friend bool operator==(const BundleManifest&, const BundleManifest&) = default;
};

// The canonical CBOR encoding of `manifest` (docs/BUNDLES.md); throws
// std::invalid_argument when a field is out of its bounds.
std::vector<std::uint8_t> encode_manifest(const BundleManifest& manifest);
// Decodes a manifest, accepting only the canonical encoding of a valid manifest (so that
// one manifest has exactly one signed form); otherwise returns the reason.
std::variant<BundleManifest, std::string> decode_manifest(std::span<const std::uint8_t> bytes);

// Builds a signed bundle. Sets binary_sha256 itself (the one in `manifest` is ignored).
// Throws std::invalid_argument for a manifest out of bounds, std::runtime_error when
// signing fails: both are setup errors of the packer, never of a receiver.
std::vector<std::uint8_t> pack_bundle(const BundleManifest& manifest,
                                      std::span<const std::uint8_t> binary,
                                      const crypto::Identity& signer);

enum class BundleError : std::uint8_t {
  kTruncated,
  kOversized,
  kBadMagic,
  kTrailingBytes,
  kManifestUnparsable,
  kUnknownSigner,
  kBadSignature,
  kTamperedBinary,
  kWrongPlatform,
  kWrongAbi,
};
std::string_view to_string(BundleError error) noexcept;

// The outcome of a check: when !ok, `error` says which refusal and `reason` explains it to
// a person (naming what was expected and what was found).
struct BundleCheck {
  bool ok = false;
  BundleError error = BundleError::kTruncated;
  std::string reason;
};

struct ParsedBundle {
  BundleManifest manifest;  // decoded from manifest_bytes
  crypto::PublicKey signer{};
  std::vector<std::uint8_t> binary;
  // What the signature covers is these exact bytes, not a re-encoding of `manifest`.
  std::vector<std::uint8_t> manifest_bytes;
  std::array<std::uint8_t, kBundleSignatureSize> signature{};
};

// Takes a bundle file apart and decodes its manifest. Checks structure only: neither the
// signer nor the signature nor the binary's hash. Bundles longer than `max_size` are
// refused before anything else is looked at.
std::variant<ParsedBundle, BundleCheck> parse_bundle(std::span<const std::uint8_t> bytes,
                                                     std::size_t max_size = kDefaultMaxBundleSize);

// Whether `bundle` may be loaded here. In order: the signer is `trusted_signer`, the
// signature verifies, the binary matches its hash, then platform and ABI match.
BundleCheck verify_bundle(const ParsedBundle& bundle, const crypto::Fingerprint& trusted_signer,
                          std::string_view platform = this_platform(), int abi = kAgentAbiVersion);

// SHA-256 (lowercase hex) of a whole bundle file: the name it is cached under.
std::string content_hash(std::span<const std::uint8_t> bundle);

}  // namespace agentcast::agent
