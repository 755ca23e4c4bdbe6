#pragma once
// The authentication half of the encrypt-then-MAC units: HMAC-SHA-256 over
// len64(aad) || aad || nonce || ciphertext, truncated to kTagSize.

#include <cstdint>

#include "agentcast/crypto/cipher_unit.h"
#include "openssl_util.h"

namespace agentcast::crypto::detail {

class EtmTag {
 public:
  static constexpr std::size_t kKeySize = 32;

  bool set_key(Bytes key) noexcept;
  bool keyed() const noexcept { return ctx_ != nullptr; }
  // Writes kTagSize bytes to `tag`.
  bool compute(Bytes nonce, Bytes aad, Bytes ciphertext, std::uint8_t* tag) noexcept;
  // Constant-time comparison against the received tag.
  bool verify(Bytes nonce, Bytes aad, Bytes ciphertext, const std::uint8_t* tag) noexcept;

 private:
  MacCtx ctx_;
};

}  // namespace agentcast::crypto::detail
