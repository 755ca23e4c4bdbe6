// Agent bundle files (docs/BUNDLES.md): packing, structural parsing, trust checks.

#include "agentcast/agent/bundle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace agentcast::agent {
namespace {

constexpr std::uint8_t kMagic[kBundleMagicSize] = {'A', 'G', 'C', 'B', 'N', 'D', 'L', '1'};
// Domain separation: an identity that also signs TLS handshakes must never produce a
// signature that reads as a bundle signature, or the other way round.
constexpr char kSignatureContext[] = "agentcast bundle v1";  // followed by its NUL
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kManifestLengthSize = 4;
constexpr std::size_t kBinaryLengthSize = 8;

Sha256 sha256(std::span<const std::uint8_t> data) {
  Sha256 digest{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != digest.size()) {
    // Only an OpenSSL setup failure gets here; an all-zero digest matches no binary.
    digest.fill(0);
  }
  return digest;
}

std::vector<std::uint8_t> signed_message(std::span<const std::uint8_t> manifest) {
  std::vector<std::uint8_t> message(kSignatureContext,
                                    kSignatureContext + sizeof(kSignatureContext));
  message.insert(message.end(), manifest.begin(), manifest.end());
  return message;
}

void put_be(std::vector<std::uint8_t>& out, std::uint64_t value, std::size_t size) {
  for (std::size_t i = size; i-- > 0;)
    out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint64_t get_be(const std::uint8_t* in, std::size_t size) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < size; ++i)
    value = (value << 8) | in[i];
  return value;
}

BundleCheck refuse(BundleError error, std::string reason) {
  return {false, error, std::move(reason)};
}

std::string bytes_text(std::uint64_t n) {
  return std::to_string(n) + " bytes";
}

}  // namespace

std::string this_platform() {
#if defined(__x86_64__)
  const char* arch = "x86_64";
#elif defined(__aarch64__)
  const char* arch = "aarch64";
#elif defined(__i386__)
  const char* arch = "i686";
#elif defined(__arm__)
  const char* arch = "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  const char* arch = "riscv64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
  const char* arch = "powerpc64le";
#else
  const char* arch = "unknown";
#endif
  return std::string(arch) + "-linux-gnu";
}

std::string_view to_string(AgentKind kind) noexcept {
  return kind == AgentKind::kFull ? "full" : "receive-only";
}

std::vector<std::string> capabilities_of(AgentKind kind) {
  if (kind == AgentKind::kFull) return {"send", "receive"};
  return {"receive"};
}

std::string_view to_string(BundleError error) noexcept {
  switch (error) {
    case BundleError::kTruncated:
      return "truncated";
    case BundleError::kOversized:
      return "oversized";
    case BundleError::kBadMagic:
      return "bad magic";
    case BundleError::kTrailingBytes:
      return "trailing bytes";
    case BundleError::kManifestUnparsable:
      return "manifest unparsable";
    case BundleError::kUnknownSigner:
      return "unknown signer";
    case BundleError::kBadSignature:
      return "bad signature";
    case BundleError::kTamperedBinary:
      return "tampered binary";
    case BundleError::kWrongPlatform:
      return "wrong platform";
    case BundleError::kWrongAbi:
      return "wrong ABI";
  }
  return "unknown error";
}

std::vector<std::uint8_t> pack_bundle(const BundleManifest& manifest,
                                      std::span<const std::uint8_t> binary,
                                      const crypto::Identity& signer) {
  BundleManifest signed_manifest = manifest;
  signed_manifest.binary_sha256 = sha256(binary);
  const std::vector<std::uint8_t> encoded = encode_manifest(signed_manifest);
  if (encoded.size() > kMaxManifestSize) {
    throw std::invalid_argument("bundle manifest is larger than 64 KiB");
  }
  const std::vector<std::uint8_t> signature = signer.sign(signed_message(encoded));
  if (signature.size() != kBundleSignatureSize) {
    throw std::runtime_error("Ed25519 signing returned " + bytes_text(signature.size()));
  }
  const crypto::PublicKey key = signer.public_key();

  std::vector<std::uint8_t> out;
  out.reserve(kBundleMagicSize + kManifestLengthSize + encoded.size() + kKeySize +
              kBundleSignatureSize + kBinaryLengthSize + binary.size());
  out.insert(out.end(), std::begin(kMagic), std::end(kMagic));
  put_be(out, encoded.size(), kManifestLengthSize);
  out.insert(out.end(), encoded.begin(), encoded.end());
  out.insert(out.end(), key.begin(), key.end());
  out.insert(out.end(), signature.begin(), signature.end());
  put_be(out, binary.size(), kBinaryLengthSize);
  out.insert(out.end(), binary.begin(), binary.end());
  return out;
}

std::variant<ParsedBundle, BundleCheck> parse_bundle(std::span<const std::uint8_t> bytes,
                                                     std::size_t max_size) {
  if (bytes.size() > max_size) {
    return refuse(BundleError::kOversized, "the bundle is " + bytes_text(bytes.size()) +
                                               ", more than the limit of " + bytes_text(max_size));
  }
  const std::size_t magic_seen = std::min(bytes.size(), kBundleMagicSize);
  if (magic_seen > 0 && std::memcmp(bytes.data(), kMagic, magic_seen) != 0) {
    return refuse(BundleError::kBadMagic, "not an agent bundle (it does not start with AGCBNDL1)");
  }
  const auto truncated = [&](const char* where) {
    return refuse(BundleError::kTruncated, "the bundle is truncated: it ends (after " +
                                               bytes_text(bytes.size()) + ") inside " + where);
  };
  if (bytes.size() < kBundleMagicSize + kManifestLengthSize) return truncated("the header");
  std::size_t at = kBundleMagicSize;
  const std::uint64_t manifest_size = get_be(bytes.data() + at, kManifestLengthSize);
  at += kManifestLengthSize;
  if (manifest_size > kMaxManifestSize) {
    return refuse(BundleError::kOversized, "the manifest is " + bytes_text(manifest_size) +
                                               ", more than the limit of " +
                                               bytes_text(kMaxManifestSize));
  }
  const std::size_t fixed_end =
      at + manifest_size + kKeySize + kBundleSignatureSize + kBinaryLengthSize;
  if (bytes.size() < at + manifest_size) return truncated("the manifest");
  if (bytes.size() < fixed_end - kBinaryLengthSize) return truncated("the signer key or signature");
  if (bytes.size() < fixed_end) return truncated("the binary length");

  ParsedBundle parsed;
  parsed.manifest_bytes.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                               bytes.begin() + static_cast<std::ptrdiff_t>(at + manifest_size));
  at += manifest_size;
  std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), kKeySize, parsed.signer.begin());
  at += kKeySize;
  std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), kBundleSignatureSize,
              parsed.signature.begin());
  at += kBundleSignatureSize;
  const std::uint64_t binary_size = get_be(bytes.data() + at, kBinaryLengthSize);
  at += kBinaryLengthSize;
  // Subtractions, not sums: a hostile 64-bit length must not wrap around.
  if (binary_size > max_size - std::min(max_size, at)) {
    return refuse(BundleError::kOversized,
                  "the bundle declares a binary of " + bytes_text(binary_size) +
                      ", more than the limit of " + bytes_text(max_size) + " allows");
  }
  const std::size_t remaining = bytes.size() - at;
  if (binary_size > remaining) {
    return refuse(BundleError::kTruncated, "the bundle is truncated: it declares a binary of " +
                                               bytes_text(binary_size) + " but only " +
                                               bytes_text(remaining) + " follow");
  }
  if (binary_size < remaining) {
    return refuse(BundleError::kTrailingBytes,
                  bytes_text(remaining - binary_size) + " follow the end of the binary");
  }
  parsed.binary.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.end());

  auto manifest = decode_manifest(parsed.manifest_bytes);
  if (auto* problem = std::get_if<std::string>(&manifest)) {
    return refuse(BundleError::kManifestUnparsable, std::move(*problem));
  }
  parsed.manifest = std::move(std::get<BundleManifest>(manifest));
  return parsed;
}

BundleCheck verify_bundle(const ParsedBundle& bundle, const crypto::Fingerprint& trusted_signer,
                          std::string_view platform, int abi) {
  const crypto::Fingerprint signer = crypto::fingerprint_of(bundle.signer);
  if (signer != trusted_signer) {
    return refuse(BundleError::kUnknownSigner, "the bundle is signed by " + crypto::to_hex(signer) +
                                                   ", not by the trusted signer " +
                                                   crypto::to_hex(trusted_signer));
  }
  if (!crypto::verify_signature(bundle.signer, signed_message(bundle.manifest_bytes),
                                bundle.signature)) {
    return refuse(BundleError::kBadSignature,
                  "the signature does not verify: the manifest or signature was altered");
  }
  if (sha256(bundle.binary) != bundle.manifest.binary_sha256) {
    return refuse(BundleError::kTamperedBinary,
                  "the binary does not match the SHA-256 in the signed manifest: it was "
                  "tampered with");
  }
  if (bundle.manifest.platform != platform) {
    return refuse(BundleError::kWrongPlatform, "the agent is built for " +
                                                   bundle.manifest.platform + ", but this is " +
                                                   std::string(platform));
  }
  if (bundle.manifest.abi != abi) {
    return refuse(BundleError::kWrongAbi,
                  "the agent has ABI version " + std::to_string(bundle.manifest.abi) +
                      ", but this build loads ABI version " + std::to_string(abi));
  }
  return {true, BundleError::kTruncated, "verified"};
}

std::string content_hash(std::span<const std::uint8_t> bundle) {
  return crypto::to_hex(sha256(bundle));
}

}  // namespace agentcast::agent
