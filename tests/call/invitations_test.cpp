// Invitations: the call secret admits any number of viewers, a single-use invitation one
// viewer once; proofs are bound to their channel.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <thread>
#include <vector>

#include "agentcast/crypto/join_proof.h"
#include "invitations.h"

namespace agentcast::app {
namespace {

std::array<std::uint8_t, crypto::kChannelBindingSize> channel(std::uint8_t n) {
  std::array<std::uint8_t, crypto::kChannelBindingSize> binding{};
  binding.fill(n);
  return binding;
}

TEST(Invitations, TheCallSecretAdmitsEveryHolder) {
  Invitations invitations;
  for (std::uint8_t c = 0; c < 3; ++c) {
    const auto proof = crypto::join_proof(invitations.call_secret(), channel(c));
    EXPECT_EQ(invitations.check(channel(c), proof), JoinCheck::kProven);
  }
  EXPECT_EQ(invitations.check(channel(0), {}), JoinCheck::kNoProof);
  const auto other = crypto::join_proof(crypto::random_join_secret(), channel(0));
  EXPECT_EQ(invitations.check(channel(0), other), JoinCheck::kWrongProof);
  const auto elsewhere = crypto::join_proof(invitations.call_secret(), channel(1));
  EXPECT_EQ(invitations.check(channel(2), elsewhere), JoinCheck::kWrongProof);
}

TEST(Invitations, AnInvitationAdmitsOneViewerOnce) {
  Invitations invitations;
  const crypto::Secret first = invitations.issue();
  const crypto::Secret second = invitations.issue();
  EXPECT_EQ(invitations.issued(), 2U);
  EXPECT_FALSE(first == invitations.call_secret());
  EXPECT_EQ(invitations.check(channel(1), crypto::join_proof(first, channel(1))),
            JoinCheck::kProven);
  EXPECT_EQ(invitations.check(channel(2), crypto::join_proof(first, channel(2))),
            JoinCheck::kInviteUsed);
  EXPECT_EQ(invitations.used(), 1U);
  EXPECT_EQ(invitations.check(channel(3), crypto::join_proof(second, channel(3))),
            JoinCheck::kProven);
  EXPECT_EQ(invitations.used(), 2U);
}

// Many connections proving the same invitation at once: exactly one gets in.
TEST(Invitations, ARaceForOneInvitationHasOneWinner) {
  Invitations invitations;
  const crypto::Secret invite = invitations.issue();
  std::vector<JoinCheck> results(8);
  {
    std::vector<std::jthread> racers;
    for (std::size_t i = 0; i < results.size(); ++i) {
      racers.emplace_back([&, i] {
        const auto binding = channel(static_cast<std::uint8_t>(i));
        results[i] = invitations.check(binding, crypto::join_proof(invite, binding));
      });
    }
  }
  EXPECT_EQ(std::count(results.begin(), results.end(), JoinCheck::kProven), 1);
  EXPECT_EQ(std::count(results.begin(), results.end(), JoinCheck::kInviteUsed), 7);
}

}  // namespace
}  // namespace agentcast::app
