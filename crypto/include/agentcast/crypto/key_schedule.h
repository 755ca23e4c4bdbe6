#pragma once
// The key hierarchy: every key is HKDF-SHA-256 of the epoch seed with a label that names
// its direction, stream, epoch and unit, so that no two of them ever share a (key, nonce).

#include <array>
#include <cstddef>
#include <cstdint>

#include "agentcast/crypto/cipher_unit.h"
#include "agentcast/crypto/secret.h"

namespace agentcast::crypto {

inline constexpr std::size_t kSeedSize = 32;
inline constexpr std::size_t kSessionIdSize = 16;
inline constexpr std::uint64_t kMaxSequence = (std::uint64_t{1} << 48) - 1;

using SessionId = std::array<std::uint8_t, kSessionIdSize>;
using Nonce = std::array<std::uint8_t, kNonceSize>;

enum class Direction : std::uint8_t { kSenderToViewer = 1, kViewerToSender = 2 };

// Everything that tells one protected packet stream from another within a session.
struct StreamLabel {
  SessionId session{};
  Direction direction = Direction::kSenderToViewer;
  std::uint16_t stream_id = 0;
};

// A fresh session id from the OS CSPRNG; throws std::runtime_error if it fails.
SessionId random_session_id();

// Seed changing (Fig. 18): the seed of epoch e+1 from that of epoch e. One way: the
// next seed does not reveal the previous one. Returns false only if OpenSSL fails.
bool derive_next_seed(const Secret& seed, Secret& next) noexcept;

// The key of `unit` for this stream and epoch, key_size bytes.
bool derive_unit_key(const Secret& epoch_seed, const StreamLabel& label, std::uint32_t epoch,
                     UnitId unit, std::size_t key_size, Secret& key) noexcept;

// The 32-byte key of the selection control DRBG (Fig. 11) for this stream and epoch.
bool derive_selection_key(const Secret& epoch_seed, const StreamLabel& label, std::uint32_t epoch,
                          Secret& key) noexcept;

// A viewer's origin key (docs/PROTOCOL.md §13): the key under which the sender tags every
// packet it sends that viewer, from the seed of the viewer's own session message, which
// only the sender and that viewer hold. 32 bytes.
bool derive_origin_key(const Secret& viewer_seed, const SessionId& session, Secret& key) noexcept;

// The AEAD nonce of a packet: 0^48 || sequence (48-bit, big-endian). Keys are per epoch
// and unit, and a stream's sequence numbers never repeat, so neither does (key, nonce).
Nonce nonce_for_sequence(std::uint64_t sequence) noexcept;

}  // namespace agentcast::crypto
