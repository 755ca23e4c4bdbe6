// Path validation (docs/PROTOCOL.md §12): a probe is only a claim; media move only to an
// address whose challenge came back, from there, with the right token.
#include "path_validator.h"

#include <gtest/gtest.h>

namespace agentcast::app {
namespace {

const net::Endpoint kCurrent = net::Endpoint::resolve("127.0.0.1", 40000);
const net::Endpoint kOther = net::Endpoint::resolve("127.0.0.1", 40001);
const net::Endpoint kVictim = net::Endpoint::resolve("127.0.0.7", 9);

TEST(PathValidator, AClaimOfTheCurrentAddressNeedsNoChallenge) {
  PathValidator path;
  EXPECT_FALSE(path.claim(kCurrent, kCurrent, 0));
  EXPECT_FALSE(path.claim(kCurrent, net::Endpoint{}, 0));
}

TEST(PathValidator, OnlyTheEchoOfTheTokenFromTheChallengedAddressValidates) {
  PathValidator path;
  const auto token = path.claim(kCurrent, kOther, 0);
  ASSERT_TRUE(token);
  net::PathToken wrong = *token;
  wrong[7] ^= 1;
  EXPECT_FALSE(path.echo(wrong, kOther));
  EXPECT_FALSE(path.echo(*token, kVictim)) << "an echo from elsewhere proves nothing";
  const auto validated = path.echo(*token, kOther);
  ASSERT_TRUE(validated);
  EXPECT_EQ(*validated, kOther);
  EXPECT_FALSE(path.echo(*token, kOther)) << "a token validates once";
}

TEST(PathValidator, AnEchoOverTheControlChannelValidatesTheChallengedAddress) {
  PathValidator path;
  const auto token = path.claim(net::Endpoint{}, kOther, 0);
  ASSERT_TRUE(token);
  const auto validated = path.echo(*token, net::Endpoint{});
  ASSERT_TRUE(validated);
  EXPECT_EQ(*validated, kOther);
}

TEST(PathValidator, ChallengesAreRateLimitedAndRepeatTheSameToken) {
  PathValidator path;
  const auto first = path.claim(kCurrent, kOther, 0);
  ASSERT_TRUE(first);
  EXPECT_FALSE(path.claim(kCurrent, kOther, PathValidator::kResendGapUs - 1));
  const auto again = path.claim(kCurrent, kOther, PathValidator::kResendGapUs);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first) << "an echo still on its way must still match";
}

TEST(PathValidator, HoppingBetweenAddressesEarnsAtMostTenChallengesASecond) {
  PathValidator path;
  int challenges = 0;
  for (std::int64_t now = 0; now < 1'000'000; now += 20'000) {  // 50 probes a second
    if (path.claim(kCurrent, (now / 20'000) % 2 == 0 ? kOther : kVictim, now)) ++challenges;
  }
  EXPECT_LE(challenges, 10);
  EXPECT_GE(challenges, 5);
}

TEST(PathValidator, ANewClaimReplacesTheOutstandingChallenge) {
  PathValidator path;
  const auto to_victim = path.claim(kCurrent, kVictim, 0);
  const auto to_other = path.claim(kCurrent, kOther, PathValidator::kChallengeGapUs);
  ASSERT_TRUE(to_victim);
  ASSERT_TRUE(to_other);
  EXPECT_NE(*to_victim, *to_other);
  EXPECT_FALSE(path.echo(*to_victim, kVictim));
  EXPECT_TRUE(path.echo(*to_other, kOther));
}

}  // namespace
}  // namespace agentcast::app
