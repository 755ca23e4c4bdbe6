#pragma once
// Who holds a way in: the call's join secret (the `&k=` of its call code). A viewer proves
// it holds the secret, bound to its own TLS connection, in its hello; the greeter asks
// here before it sends the viewer anything (docs/PROTOCOL.md §2).

#include <cstdint>
#include <span>
#include <string_view>

#include "agentcast/crypto/secret.h"

namespace agentcast::app {

enum class JoinCheck : std::uint8_t {
  kProven,  // the proof is the call secret's on this connection
  kNoProof,
  kWrongProof,
};

class Invitations {
 public:
  // Draws the call's join secret.
  Invitations();

  const crypto::Secret& call_secret() const noexcept { return call_secret_; }

  // Whether `proof` proves the call secret on the channel `binding`. Constant time in the
  // proof. Any thread.
  JoinCheck check(std::span<const std::uint8_t> binding, std::span<const std::uint8_t> proof) const;

 private:
  const crypto::Secret call_secret_;
};

}  // namespace agentcast::app
