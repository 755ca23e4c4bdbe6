#include "path_validator.h"

#include <openssl/crypto.h>

namespace agentcast::app {

std::optional<net::PathToken> PathValidator::claim(const net::Endpoint& current,
                                                   const net::Endpoint& candidate,
                                                   std::int64_t now_us) {
  if (candidate.empty() || candidate == current) return std::nullopt;
  if (candidate_ && *candidate_ == candidate) {
    // The same token again, so that an echo still on its way matches: a challenge (or its
    // echo) that was lost is repeated, slowly.
    if (now_us - last_challenge_us_ < kResendGapUs) return std::nullopt;
  } else {
    // A new address replaces the outstanding one, no sooner than the gap.
    if (now_us - last_challenge_us_ < kChallengeGapUs) return std::nullopt;
    candidate_ = candidate;
    token_ = net::random_path_token();
  }
  last_challenge_us_ = now_us;
  return token_;
}

std::optional<net::Endpoint> PathValidator::echo(const net::PathToken& token,
                                                 const net::Endpoint& from) {
  if (!candidate_ || CRYPTO_memcmp(token.data(), token_.data(), token.size()) != 0) {
    return std::nullopt;
  }
  if (!from.empty() && !(from == *candidate_)) return std::nullopt;
  std::optional<net::Endpoint> validated = std::move(candidate_);
  candidate_.reset();
  return validated;
}

}  // namespace agentcast::app
