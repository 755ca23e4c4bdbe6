#pragma once
// Path validation (docs/PROTOCOL.md §12): before a sender sends a viewer's media to an
// address, it sends a challenge there and waits for the viewer to echo it back inside its
// own authenticated channel (a sealed `path_response` feedback packet, or a `feedback`
// control message). So media goes only to an address where the viewer itself receives:
// an authenticated probe replayed from, or spoofed as, another address moves nothing.
//
// The challenge is the one datagram that is not sealed: 16 random bytes behind a
// header-like prefix whose flags byte no media packet has. It carries no media and no
// key; forging one gains nothing, because a viewer's only answer is its sealed echo to the
// sender's own address, and the sender ignores echoes of tokens it did not send.
//
//   0       1       2                                18
//   +-------+-------+--------------------------------+
//   |version| 0x80  |        token (16 bytes)        |
//   +-------+-------+--------------------------------+

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "agentcast/crypto/secret.h"

namespace agentcast::net {

inline constexpr std::size_t kPathTokenSize = 16;
inline constexpr std::uint8_t kPathChallengeFlags = 0x80;
inline constexpr std::size_t kPathChallengeSize = 2 + kPathTokenSize;

using PathToken = std::array<std::uint8_t, kPathTokenSize>;
using PathChallenge = std::array<std::uint8_t, kPathChallengeSize>;

// A fresh token from the OS CSPRNG. Throws std::runtime_error if that fails.
PathToken random_path_token();
PathChallenge encode_path_challenge(const PathToken& token) noexcept;
// The token of a datagram that is exactly a path challenge; empty for anything else.
std::optional<PathToken> parse_path_challenge(crypto::Bytes datagram) noexcept;

}  // namespace agentcast::net
