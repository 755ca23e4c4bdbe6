#pragma once
// The join secret of a call code (`&k=`) and the proof that a viewer holds it.
//
// The proof is HMAC-SHA256 keyed by the secret over a label and a value that both ends of
// one TLS connection derive from it and nobody else can (a TLS exporter, RFC 8446 §7.5).
// It says "I hold the secret" for this connection only: a proof seen or relayed by anyone
// is worth nothing on another connection, and the secret itself never crosses the wire.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "agentcast/crypto/secret.h"

namespace agentcast::crypto {

inline constexpr std::size_t kJoinSecretSize = 16;  // 128 bits
inline constexpr std::size_t kJoinProofSize = 32;
inline constexpr std::size_t kChannelBindingSize = 32;

using JoinProof = std::array<std::uint8_t, kJoinProofSize>;

// A fresh join secret from the OS CSPRNG. Throws std::runtime_error if it fails.
Secret random_join_secret();

// The join secret in 32 lowercase hex digits, and back. from_hex throws
// std::invalid_argument unless `hex` is exactly 32 hex digits.
std::string join_secret_to_hex(const Secret& secret);
Secret join_secret_from_hex(const std::string& hex);

// HMAC-SHA256(secret, "agentcast join v1" || channel_binding). Throws std::invalid_argument
// for a secret or binding of the wrong size, std::runtime_error if OpenSSL fails.
JoinProof join_proof(const Secret& secret, Bytes channel_binding);

// Whether `proof` is the proof of `secret` on this channel; compared in constant time.
bool join_proof_matches(const Secret& secret, Bytes channel_binding, Bytes proof);

}  // namespace agentcast::crypto
