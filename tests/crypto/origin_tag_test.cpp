// The origin tag: HMAC-SHA-256 of the packet under a viewer's origin key, first 128 bits
// (checked against the `openssl dgst -mac HMAC` command line), compared in constant time.

#include <gtest/gtest.h>

#include <string>

#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/origin_tag.h"
#include "support/hex.h"

namespace agentcast::crypto {
namespace {

Secret counting_key() {
  std::array<std::uint8_t, 32> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(i);
  return Secret(bytes);
}

// printf 'agentcast origin tag test vector' |
//   openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f
TEST(OriginTag, IsTheFirst128BitsOfHmacSha256OfThePacket) {
  OriginTag tag(counting_key());
  ASSERT_TRUE(tag.keyed());
  const std::string message = "agentcast origin tag test vector";
  const Bytes packet(reinterpret_cast<const std::uint8_t*>(message.data()), message.size());
  OriginTagBytes computed{};
  ASSERT_TRUE(tag.compute(packet, computed));
  EXPECT_EQ(test::to_hex(computed), "1e56b585dc588e57197882c5a9a36f25");
  // Keyed once, it computes every later tag alike.
  OriginTagBytes again{};
  ASSERT_TRUE(tag.compute(packet, again));
  EXPECT_EQ(again, computed);
  EXPECT_TRUE(tag.verify(packet, computed));
}

TEST(OriginTag, RefusesAnotherKeysTagAFlippedBitAndAShortTag) {
  OriginTag tag(counting_key());
  OriginTag other(Secret::random(32));
  const std::vector<std::uint8_t> packet(1200, 0x5A);
  OriginTagBytes good{}, foreign{};
  ASSERT_TRUE(tag.compute(packet, good));
  ASSERT_TRUE(other.compute(packet, foreign));
  EXPECT_FALSE(tag.verify(packet, foreign));
  OriginTagBytes flipped = good;
  flipped[15] ^= 1;
  EXPECT_FALSE(tag.verify(packet, flipped));
  EXPECT_FALSE(tag.verify(packet, Bytes(good.data(), 15)));
  EXPECT_TRUE(tag.verify(packet, good));
}

TEST(OriginTag, AKeyOfTheWrongSizeLeavesItUnkeyed) {
  OriginTag tag(Secret::random(16));
  EXPECT_FALSE(tag.keyed());
  OriginTagBytes out{};
  EXPECT_FALSE(tag.compute(Bytes(), out));
  EXPECT_FALSE(tag.verify(Bytes(), out));
}

}  // namespace
}  // namespace agentcast::crypto
