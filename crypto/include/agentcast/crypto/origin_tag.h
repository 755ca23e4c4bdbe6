#pragma once
// Origin authentication in groups (DESIGN.md rule 11, docs/PROTOCOL.md §13). Every viewer
// of a call holds the keys that open its media, so an AEAD tag only says "sealed by a
// member". The sender therefore also tags each packet it sends a viewer under that
// viewer's own origin key (derive_origin_key), which no other member holds: a member can
// still open the call, but no longer make another viewer accept a packet.
//
// The tag is HMAC-SHA-256 of the whole sealed packet, truncated to 128 bits. HMAC needs
// no nonce, so the tag's strength rests on the key alone, never on sequence numbers being
// unique per viewer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "agentcast/crypto/secret.h"

namespace agentcast::crypto {

inline constexpr std::size_t kOriginTagSize = 16;
using OriginTagBytes = std::array<std::uint8_t, kOriginTagSize>;

class OriginTag {
 public:
  // Keyed once; a key of the wrong size, or an OpenSSL failure, leaves it unkeyed (every
  // compute() and verify() then fails).
  explicit OriginTag(const Secret& key) noexcept;
  ~OriginTag();
  OriginTag(OriginTag&&) noexcept;
  OriginTag& operator=(OriginTag&&) noexcept;

  bool keyed() const noexcept;
  // The tag of `packet` (header, ciphertext and AEAD tag). One thread at a time.
  bool compute(Bytes packet, OriginTagBytes& tag) noexcept;
  // Whether `tag` is that of `packet`, compared in constant time.
  bool verify(Bytes packet, Bytes tag) noexcept;

 private:
  struct Mac;
  std::unique_ptr<Mac> mac_;
};

}  // namespace agentcast::crypto
