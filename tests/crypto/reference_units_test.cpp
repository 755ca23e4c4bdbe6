// The patent's reference units: XOR keystream plus HMAC tag, reached only with an explicit
// ReferenceUnits::kAllowInsecure.

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../../crypto/src/reference_units.h"
#include "agentcast/crypto/cipher_unit.h"
#include "agentcast/crypto/lfsr.h"

namespace agentcast::crypto {
namespace {

using Buffer = std::vector<std::uint8_t>;

Buffer pattern(std::size_t n, std::uint8_t seed) {
  Buffer out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::uint8_t>(seed + 31 * i);
  return out;
}

bool all_zero(const Buffer& b) {
  return std::all_of(b.begin(), b.end(), [](std::uint8_t v) { return v == 0; });
}

// The per-nonce register states as the unit is specified to derive them.
std::array<std::uint8_t, 32> state_digest(const Buffer& key, const Buffer& nonce) {
  Buffer message(detail::kLfsrStateLabel.begin(), detail::kLfsrStateLabel.end());
  message.insert(message.end(), nonce.begin(), nonce.end());
  std::array<std::uint8_t, 32> digest{};
  std::size_t len = 0;
  EXPECT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data() + 32, 32,
                      message.data(), message.size(), digest.data(), digest.size(), &len),
            nullptr);
  EXPECT_EQ(len, digest.size());
  return digest;
}

std::uint32_t state_for(int stages, const std::array<std::uint8_t, 32>& digest, int index) {
  const std::uint32_t v = (std::uint32_t{digest[2 * index]} << 8) | digest[2 * index + 1];
  return Lfsr::state_from_seed(stages, v);
}

Buffer expected_keystream(UnitId id, const Buffer& key, const Buffer& nonce, std::size_t n) {
  const auto d = state_digest(key, nonce);
  const auto reg = [&](int stages, int index) {
    return Lfsr(patent_polynomial(stages), state_for(stages, d, index));
  };
  Buffer out(n);
  switch (id) {
    case UnitId::kReferenceLfsr:
      SingleLfsrGenerator(reg(13, 0)).fill(out);
      break;
    case UnitId::kReferenceLfsrXor:
      XorLfsrGenerator(reg(12, 0), reg(13, 1)).fill(out);
      break;
    default:
      SwitchedLfsrGenerator(reg(12, 0), reg(13, 1), reg(11, 2)).fill(out);
      break;
  }
  return out;
}

class ReferenceUnitTest : public ::testing::TestWithParam<UnitId> {
 protected:
  void SetUp() override {
    unit_ = make_unit(GetParam(), ReferenceUnits::kAllowInsecure);
    ASSERT_NE(unit_, nullptr);
    ASSERT_EQ(unit_->set_key(key_), UnitStatus::kOk);
  }

  Buffer seal(const Buffer& plaintext, const Buffer& nonce) {
    Buffer sealed(plaintext.size() + kTagSize);
    EXPECT_EQ(unit_->seal(nonce, aad_, plaintext, sealed), UnitStatus::kOk);
    return sealed;
  }

  Buffer key_ = pattern(64, 1);
  Buffer nonce_ = pattern(kNonceSize, 2);
  Buffer aad_ = pattern(20, 3);
  std::unique_ptr<CipherUnit> unit_;
};

TEST_P(ReferenceUnitTest, Describes) {
  EXPECT_EQ(unit_->id(), GetParam());
  EXPECT_EQ(unit_->key_size(), 64u);
  EXPECT_TRUE(is_reference_unit(GetParam()));
  EXPECT_EQ(unit_->name().substr(0, 8), "insecure");
}

TEST_P(ReferenceUnitTest, RoundTrips) {
  for (std::size_t n : {0u, 1u, 100u, 1200u}) {
    SCOPED_TRACE(n);
    const Buffer plaintext = pattern(n, 7);
    const Buffer sealed = seal(plaintext, nonce_);
    if (n >= 16) {
      EXPECT_FALSE(std::equal(plaintext.begin(), plaintext.end(), sealed.begin()));
    }
    Buffer opened(n, 0xaa);
    ASSERT_EQ(unit_->open(nonce_, aad_, sealed, opened), UnitStatus::kOk);
    EXPECT_EQ(opened, plaintext);
  }
}

TEST_P(ReferenceUnitTest, RoundTripsInPlace) {
  const Buffer plaintext = pattern(1200, 9);
  Buffer buffer(plaintext.size() + kTagSize);
  std::copy(plaintext.begin(), plaintext.end(), buffer.begin());
  const std::span<std::uint8_t> body(buffer.data(), plaintext.size());
  ASSERT_EQ(unit_->seal(nonce_, aad_, body, buffer), UnitStatus::kOk);
  EXPECT_EQ(buffer, seal(plaintext, nonce_));  // same bytes as out of place
  ASSERT_EQ(unit_->open(nonce_, aad_, buffer, body), UnitStatus::kOk);
  EXPECT_TRUE(std::equal(plaintext.begin(), plaintext.end(), buffer.begin()));
}

TEST_P(ReferenceUnitTest, KeystreamFollowsTheSpecifiedDerivation) {
  const Buffer zeros(300, 0);
  const Buffer sealed = seal(zeros, nonce_);
  const Buffer keystream(sealed.begin(), sealed.begin() + 300);
  EXPECT_EQ(keystream, expected_keystream(GetParam(), key_, nonce_, 300));
}

TEST_P(ReferenceUnitTest, AnyFlippedBitFailsAndZeroesOutput) {
  const Buffer plaintext = pattern(100, 11);
  const Buffer sealed = seal(plaintext, nonce_);
  const auto expect_rejected = [&](const Buffer& nonce, const Buffer& aad, const Buffer& s) {
    Buffer out(plaintext.size(), 0xaa);
    EXPECT_EQ(unit_->open(nonce, aad, s, out), UnitStatus::kAuthFailed);
    EXPECT_TRUE(all_zero(out));
  };
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {  // ciphertext and tag
    Buffer bad = sealed;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    expect_rejected(nonce_, aad_, bad);
  }
  for (std::size_t bit = 0; bit < aad_.size() * 8; ++bit) {
    Buffer bad = aad_;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    expect_rejected(nonce_, bad, sealed);
  }
  for (std::size_t bit = 0; bit < nonce_.size() * 8; ++bit) {
    Buffer bad = nonce_;
    bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    expect_rejected(bad, aad_, sealed);
  }
  Buffer longer_aad = aad_;  // moving a byte between aad and nowhere must not verify either
  longer_aad.push_back(0);
  expect_rejected(nonce_, longer_aad, sealed);
}

TEST_P(ReferenceUnitTest, RejectsBadSizesAndZeroesOutput) {
  const Buffer sealed = seal(pattern(100, 13), nonce_);
  Buffer out(100, 0xaa);
  EXPECT_EQ(unit_->open(nonce_, aad_, Bytes(sealed).first(100), out), UnitStatus::kBadBufferSize);
  EXPECT_TRUE(all_zero(out));
  out.assign(15, 0xaa);
  EXPECT_EQ(unit_->open(nonce_, aad_, Bytes(sealed).first(15), out), UnitStatus::kBadBufferSize);
  EXPECT_TRUE(all_zero(out));
  out.assign(100, 0xaa);
  EXPECT_EQ(unit_->open(Bytes(nonce_).first(11), aad_, sealed, out), UnitStatus::kBadNonceSize);
  EXPECT_TRUE(all_zero(out));
  Buffer sealed_out(100 + kTagSize - 1, 0xaa);
  EXPECT_EQ(unit_->seal(nonce_, aad_, pattern(100, 13), sealed_out), UnitStatus::kBadBufferSize);
  EXPECT_TRUE(all_zero(sealed_out));
  Buffer long_nonce = nonce_;
  long_nonce.push_back(0);
  sealed_out.assign(100 + kTagSize, 0xaa);
  EXPECT_EQ(unit_->seal(long_nonce, aad_, pattern(100, 13), sealed_out), UnitStatus::kBadNonceSize);
  EXPECT_TRUE(all_zero(sealed_out));
}

TEST_P(ReferenceUnitTest, RejectsWrongKeySizeAndUnkeyedUse) {
  auto fresh = make_unit(GetParam(), ReferenceUnits::kAllowInsecure);
  ASSERT_NE(fresh, nullptr);
  for (std::size_t n : {0u, 32u, 63u, 65u}) {
    EXPECT_EQ(fresh->set_key(pattern(n, 1)), UnitStatus::kBadKeySize) << n;
  }
  Buffer out(10 + kTagSize, 0xaa);
  EXPECT_EQ(fresh->seal(nonce_, aad_, pattern(10, 1), out), UnitStatus::kNotKeyed);
  EXPECT_TRUE(all_zero(out));
  Buffer opened(10, 0xaa);
  EXPECT_EQ(fresh->open(nonce_, aad_, seal(pattern(10, 1), nonce_), opened), UnitStatus::kNotKeyed);
  EXPECT_TRUE(all_zero(opened));
}

TEST_P(ReferenceUnitTest, KeystreamDependsOnNonceAndSeedKey) {
  const Buffer zeros(64, 0);
  const Buffer first = seal(zeros, nonce_);
  Buffer other_nonce = nonce_;
  other_nonce[kNonceSize - 1] ^= 1;
  const Buffer second = seal(zeros, other_nonce);
  EXPECT_FALSE(std::equal(first.begin(), first.begin() + 64, second.begin()));
  EXPECT_FALSE(all_zero(Buffer(first.begin(), first.begin() + 64)));

  // Bytes [0, 32) key only the tag, bytes [32, 64) only the keystream.
  Buffer tag_key_changed = key_;
  tag_key_changed[0] ^= 1;
  ASSERT_EQ(unit_->set_key(tag_key_changed), UnitStatus::kOk);
  const Buffer third = seal(zeros, nonce_);
  EXPECT_TRUE(std::equal(first.begin(), first.begin() + 64, third.begin()));
  EXPECT_FALSE(std::equal(first.begin() + 64, first.end(), third.begin() + 64));

  Buffer seed_key_changed = key_;
  seed_key_changed[40] ^= 1;
  ASSERT_EQ(unit_->set_key(seed_key_changed), UnitStatus::kOk);
  const Buffer fourth = seal(zeros, nonce_);
  EXPECT_FALSE(std::equal(first.begin(), first.begin() + 64, fourth.begin()));
}

// A named function: gtest's macro already has a parameter called `info`, which a lambda's
// parameter would shadow.
std::string case_name(const ::testing::TestParamInfo<UnitId>& param) {
  switch (param.param) {
    case UnitId::kReferenceLfsr:
      return "Fig10A";
    case UnitId::kReferenceLfsrXor:
      return "Fig10B";
    default:
      return "Fig10C";
  }
}

INSTANTIATE_TEST_SUITE_P(AllReferenceUnits, ReferenceUnitTest,
                         ::testing::Values(UnitId::kReferenceLfsr, UnitId::kReferenceLfsrXor,
                                           UnitId::kReferenceLfsrSwitched),
                         case_name);

TEST(ReferenceUnitPolicyTest, RefusedByDefault) {
  for (UnitId id : reference_units()) {
    EXPECT_EQ(make_unit(id), nullptr);
    EXPECT_EQ(make_unit(id, ReferenceUnits::kRefuse), nullptr);
    EXPECT_NE(make_unit(id, ReferenceUnits::kAllowInsecure), nullptr);
  }
  EXPECT_EQ(reference_units().size(), 3u);
}

TEST(ReferenceUnitPolicyTest, FactoryBuildsOnlyReferenceIds) {
  EXPECT_EQ(detail::make_reference_unit(UnitId::kAes256Gcm), nullptr);
  EXPECT_EQ(detail::make_reference_unit(UnitId::kCamellia256CtrHmacSha256), nullptr);
  EXPECT_EQ(detail::make_reference_unit(static_cast<UnitId>(0x84)), nullptr);
  for (UnitId id : reference_units()) {
    auto unit = detail::make_reference_unit(id);
    ASSERT_NE(unit, nullptr);
    EXPECT_EQ(unit->id(), id);
  }
}

}  // namespace
}  // namespace agentcast::crypto
