#include "invitations.h"

#include "agentcast/crypto/join_proof.h"

namespace agentcast::app {

Invitations::Invitations() : call_secret_(crypto::random_join_secret()) {}

JoinCheck Invitations::check(std::span<const std::uint8_t> binding,
                             std::span<const std::uint8_t> proof) const {
  if (proof.empty()) return JoinCheck::kNoProof;
  return crypto::join_proof_matches(call_secret_, binding, proof) ? JoinCheck::kProven
                                                                  : JoinCheck::kWrongProof;
}

}  // namespace agentcast::app
