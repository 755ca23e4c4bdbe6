#include "invitations.h"

#include <algorithm>

#include "agentcast/crypto/join_proof.h"

namespace agentcast::app {

Invitations::Invitations() : call_secret_(crypto::random_join_secret()) {}

crypto::Secret Invitations::issue() {
  crypto::Secret secret = crypto::random_join_secret();
  const std::lock_guard lock(mutex_);
  invites_.push_back({secret, false});
  return secret;
}

std::uint64_t Invitations::issued() const {
  const std::lock_guard lock(mutex_);
  return invites_.size();
}

std::uint64_t Invitations::used() const {
  const std::lock_guard lock(mutex_);
  return static_cast<std::uint64_t>(
      std::count_if(invites_.begin(), invites_.end(), [](const Invite& i) { return i.used; }));
}

JoinCheck Invitations::check(std::span<const std::uint8_t> binding,
                             std::span<const std::uint8_t> proof) {
  if (proof.empty()) return JoinCheck::kNoProof;
  if (crypto::join_proof_matches(call_secret_, binding, proof)) return JoinCheck::kProven;
  // Checked and spent under one lock: two connections proving the same invitation at once
  // cannot both get in.
  const std::lock_guard lock(mutex_);
  for (Invite& invite : invites_) {
    if (!crypto::join_proof_matches(invite.secret, binding, proof)) continue;
    if (invite.used) return JoinCheck::kInviteUsed;
    invite.used = true;
    return JoinCheck::kProven;
  }
  return JoinCheck::kWrongProof;
}

}  // namespace agentcast::app
