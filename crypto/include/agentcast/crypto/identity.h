#pragma once
// A long-term Ed25519 identity: the sender's (patent Fig. 1's server 10), whose
// fingerprint travels in the call code so a viewer can pin it, and which signs the agent
// bundles it ships.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agentcast/crypto/secret.h"

struct evp_pkey_st;

namespace agentcast::crypto {

inline constexpr std::size_t kFingerprintSize = 32;
using Fingerprint = std::array<std::uint8_t, kFingerprintSize>;
using PublicKey = std::array<std::uint8_t, 32>;

// SHA-256 of the raw 32-byte Ed25519 public key.
Fingerprint fingerprint_of(const PublicKey& key);
std::string to_hex(const Fingerprint& fingerprint);
// Parses 64 hex digits; throws std::invalid_argument otherwise.
Fingerprint fingerprint_from_hex(const std::string& hex);
// The fingerprint as 16 groups of 4 digits (decimal, as safety numbers are shown), for
// reading aloud over another channel.
std::string readable_fingerprint(const Fingerprint& fingerprint);

class Identity {
 public:
  static Identity generate();
  // Reads a PKCS#8 PEM Ed25519 private key; throws std::runtime_error naming the file.
  static Identity load(const std::string& path);
  // Loads `path`, or creates a new identity there (mode 0600, parent must exist).
  static Identity load_or_create(const std::string& path);
  // Writes the private key as PKCS#8 PEM, creating the file with mode 0600; refuses to
  // overwrite an existing file.
  void save(const std::string& path) const;

  Identity(Identity&&) noexcept;
  Identity& operator=(Identity&&) noexcept;
  ~Identity();

  PublicKey public_key() const;
  Fingerprint fingerprint() const { return fingerprint_of(public_key()); }
  std::vector<std::uint8_t> sign(Bytes message) const;
  // The OpenSSL key, for building the TLS certificate. Owned by this object.
  evp_pkey_st* pkey() const noexcept { return key_; }

 private:
  explicit Identity(evp_pkey_st* key) noexcept : key_(key) {}
  evp_pkey_st* key_ = nullptr;
};

// Ed25519 verification of `signature` over `message` by `key`.
bool verify_signature(const PublicKey& key, Bytes message, Bytes signature) noexcept;

}  // namespace agentcast::crypto
