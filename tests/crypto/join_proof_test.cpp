// The join secret and its proof: HMAC-SHA256 over the label and the channel binding,
// checked against OpenSSL's one-shot HMAC(); bound to the secret and to the channel.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>

#include "agentcast/crypto/join_proof.h"

namespace agentcast::crypto {
namespace {

std::array<std::uint8_t, kChannelBindingSize> binding_of(std::uint8_t fill) {
  std::array<std::uint8_t, kChannelBindingSize> binding{};
  binding.fill(fill);
  return binding;
}

TEST(JoinProof, IsHmacSha256OfTheLabelAndTheBinding) {
  const Secret secret = join_secret_from_hex("000102030405060708090a0b0c0d0e0f");
  const auto binding = binding_of(0x42);
  std::string message = "agentcast join v1";
  message.append(reinterpret_cast<const char*>(binding.data()), binding.size());
  unsigned char expected[32];
  unsigned int length = 0;
  ASSERT_NE(HMAC(EVP_sha256(), secret.bytes().data(), static_cast<int>(secret.size()),
                 reinterpret_cast<const unsigned char*>(message.data()), message.size(), expected,
                 &length),
            nullptr);
  ASSERT_EQ(length, 32U);
  const JoinProof proof = join_proof(secret, binding);
  EXPECT_EQ(std::memcmp(proof.data(), expected, 32), 0);
  EXPECT_TRUE(join_proof_matches(secret, binding, proof));
}

TEST(JoinProof, AnotherSecretOrAnotherChannelDoesNotMatch) {
  const Secret secret = random_join_secret();
  const Secret other = random_join_secret();
  const JoinProof proof = join_proof(secret, binding_of(1));
  EXPECT_FALSE(join_proof_matches(other, binding_of(1), proof));
  EXPECT_FALSE(join_proof_matches(secret, binding_of(2), proof));  // relayed elsewhere
  JoinProof flipped = proof;
  flipped[31] ^= 1;
  EXPECT_FALSE(join_proof_matches(secret, binding_of(1), flipped));
  EXPECT_FALSE(join_proof_matches(secret, binding_of(1), Bytes(proof.data(), 31)));
  EXPECT_FALSE(join_proof_matches(secret, binding_of(1), Bytes()));
}

TEST(JoinSecret, IsFreshHexOfOneHundredTwentyEightBits) {
  std::set<std::string> seen;
  for (int i = 0; i < 16; ++i) {
    const Secret secret = random_join_secret();
    ASSERT_EQ(secret.size(), kJoinSecretSize);
    const std::string hex = join_secret_to_hex(secret);
    EXPECT_EQ(hex.size(), 32U);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
    EXPECT_TRUE(join_secret_from_hex(hex) == secret);
    seen.insert(hex);
  }
  EXPECT_EQ(seen.size(), 16U);
  EXPECT_TRUE(join_secret_from_hex("000102030405060708090A0B0C0D0E0F") ==
              join_secret_from_hex("000102030405060708090a0b0c0d0e0f"));
  for (const char* bad :
       {"", "00", "000102030405060708090a0b0c0d0e0f00", "000102030405060708090a0b0c0d0e0g"}) {
    EXPECT_THROW(join_secret_from_hex(bad), std::invalid_argument) << bad;
  }
  EXPECT_THROW(join_proof(Secret::random(8), binding_of(0)), std::invalid_argument);
}

}  // namespace
}  // namespace agentcast::crypto
