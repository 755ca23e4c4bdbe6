#pragma once
// Who holds a way in: the call's join secret (the `&k=` of its call code) and the
// single-use invitations the sender issues (`--invites N`, the app's "New invite"), each a
// secret of its own that admits one viewer once. A viewer proves it holds one, bound to
// its own TLS connection, in its hello; the greeter asks here before it sends the viewer
// anything (docs/PROTOCOL.md §11).

#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "agentcast/crypto/secret.h"

namespace agentcast::app {

enum class JoinCheck : std::uint8_t {
  kProven,  // the call secret's proof, or an unused invitation's (now used)
  kNoProof,
  kWrongProof,  // no secret of this call, or a proof made for another connection
  kInviteUsed,  // an invitation that already admitted a viewer
};

class Invitations {
 public:
  // Draws the call's join secret.
  Invitations();

  const crypto::Secret& call_secret() const noexcept { return call_secret_; }

  // A new single-use invitation's secret. Any thread.
  crypto::Secret issue();
  std::uint64_t issued() const;
  std::uint64_t used() const;

  // Whether `proof` proves a secret of this call on the channel `binding`; an unused
  // invitation that it proves is spent. Every secret is tried (constant time in the proof
  // for each). Any thread.
  JoinCheck check(std::span<const std::uint8_t> binding, std::span<const std::uint8_t> proof);

 private:
  struct Invite {
    crypto::Secret secret;
    bool used = false;
  };

  const crypto::Secret call_secret_;
  mutable std::mutex mutex_;
  std::vector<Invite> invites_;  // guarded by mutex_
};

}  // namespace agentcast::app
