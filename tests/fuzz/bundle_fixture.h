#pragma once
// The fixed signers and signed bundles of bundle_fuzzer.cpp, shared with its corpus
// generator make_bundle_corpus.cpp. Ed25519 signing is deterministic, so the fuzzer packs
// the same bundles byte for byte at start-up and knows exactly which inputs a genuine
// signer made: the only ones that may ever verify. Nothing here is secret: the keys are
// throwaway test keys derived from fixed bytes.

#include <openssl/evp.h>

#include <unistd.h>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "agentcast/agent/bundle.h"
#include "agentcast/crypto/cipher_unit.h"
#include "agentcast/crypto/identity.h"

namespace agentcast::fuzz {

// The identity whose fingerprint the fuzzer trusts, and another one it does not.
enum class Signer : std::uint8_t { kTrusted = 0x11, kStranger = 0x77 };

// An Ed25519 identity whose 32-byte private key is a fixed pattern. crypto::Identity only
// reads PEM files, so the key goes through a temporary one.
inline crypto::Identity fixed_identity(Signer signer) {
  // PKCS#8 (RFC 8410) of an Ed25519 private key: this prefix, then the 32 key bytes.
  std::vector<std::uint8_t> der = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                   0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
  for (std::uint8_t i = 0; i < 32; ++i)
    der.push_back(static_cast<std::uint8_t>(static_cast<std::uint8_t>(signer) + 13 * i));
  std::array<unsigned char, 4 * (48 + 2) / 3 + 1> base64{};
  const int length = EVP_EncodeBlock(base64.data(), der.data(), static_cast<int>(der.size()));
  const std::string pem =
      "-----BEGIN PRIVATE KEY-----\n" +
      std::string(reinterpret_cast<const char*>(base64.data()), static_cast<std::size_t>(length)) +
      "\n-----END PRIVATE KEY-----\n";

  std::string path =
      (std::filesystem::temp_directory_path() / "agentcast-fuzz-key-XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary key file");
  const bool written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
  ::close(fd);
  if (!written) {
    std::filesystem::remove(path);
    throw std::runtime_error("cannot write " + path);
  }
  try {
    crypto::Identity identity = crypto::Identity::load(path);
    std::filesystem::remove(path);
    return identity;
  } catch (...) {
    std::filesystem::remove(path);
    throw;
  }
}

inline agent::BundleManifest fixture_manifest(agent::AgentKind kind) {
  agent::BundleManifest m;
  m.name = kind == agent::AgentKind::kFull ? "fuzz-agent" : "fuzz-viewer";
  m.version = "1.0";
  m.kind = kind;
  m.capabilities = agent::capabilities_of(kind);
  m.units = {crypto::UnitId::kAes256Gcm, crypto::UnitId::kChaCha20Poly1305};
  return m;
}

struct FixtureBundle {
  std::string name;
  std::vector<std::uint8_t> bytes;
  bool verifies = false;  // against the trusted signer, on this platform and ABI
  agent::BundleError error = agent::BundleError::kTruncated;  // when not
};

// Bundles packed by the fixed signers: the ones that verify, and signed ones that are
// refused by trust checks 6-10 of docs/BUNDLES.md. Small binaries: the fuzzer's inputs.
inline std::vector<FixtureBundle> fixture_bundles() {
  using agent::AgentKind;
  using agent::BundleError;
  const crypto::Identity trusted = fixed_identity(Signer::kTrusted);
  const crypto::Identity stranger = fixed_identity(Signer::kStranger);
  const std::vector<std::uint8_t> binary = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0};
  std::vector<FixtureBundle> out;

  out.push_back(
      {"full", agent::pack_bundle(fixture_manifest(AgentKind::kFull), binary, trusted), true});
  agent::BundleManifest receive_only = fixture_manifest(AgentKind::kReceiveOnly);
  receive_only.units = {crypto::UnitId::kAes256Ocb};
  out.push_back({"receive_only", agent::pack_bundle(receive_only, {}, trusted), true});

  out.push_back({"stranger",
                 agent::pack_bundle(fixture_manifest(AgentKind::kFull), binary, stranger), false,
                 BundleError::kUnknownSigner});
  std::vector<std::uint8_t> bad_signature = out.front().bytes;
  bad_signature[bad_signature.size() - binary.size() - 8 - 1] ^= 0x01;  // the signature's last
  out.push_back({"bad_signature", bad_signature, false, BundleError::kBadSignature});
  std::vector<std::uint8_t> tampered = out.front().bytes;
  tampered.back() ^= 0x80;
  out.push_back({"tampered_binary", tampered, false, BundleError::kTamperedBinary});
  agent::BundleManifest elsewhere = fixture_manifest(AgentKind::kFull);
  elsewhere.platform = "sparc64-solaris";
  out.push_back({"wrong_platform", agent::pack_bundle(elsewhere, binary, trusted), false,
                 BundleError::kWrongPlatform});
  agent::BundleManifest future = fixture_manifest(AgentKind::kFull);
  future.abi = agent::kAgentAbiVersion + 1;
  out.push_back(
      {"wrong_abi", agent::pack_bundle(future, binary, trusted), false, BundleError::kWrongAbi});
  return out;
}

}  // namespace agentcast::fuzz
