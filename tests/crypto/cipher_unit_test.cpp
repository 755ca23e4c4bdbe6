// Known-answer vectors and tamper checks through the CipherUnit interface.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "agentcast/crypto/cipher_unit.h"
#include "support/hex.h"

namespace agentcast::crypto {
namespace {

using test::bytes_of;
using test::from_hex;
using test::to_hex;

std::unique_ptr<CipherUnit> keyed(UnitId id, const std::vector<std::uint8_t>& key) {
  auto unit = make_unit(id, ReferenceUnits::kAllowInsecure);
  EXPECT_NE(unit, nullptr);
  EXPECT_EQ(unit->set_key(key), UnitStatus::kOk);
  return unit;
}

std::vector<std::uint8_t> seal(CipherUnit& unit, Bytes nonce, Bytes aad, Bytes plaintext) {
  std::vector<std::uint8_t> out(plaintext.size() + kTagSize);
  EXPECT_EQ(unit.seal(nonce, aad, plaintext, out), UnitStatus::kOk);
  return out;
}

TEST(CipherUnitKat, ChaCha20Poly1305Rfc8439Section282) {
  auto unit = keyed(UnitId::kChaCha20Poly1305,
                    from_hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"));
  const auto nonce = from_hex("070000004041424344454647");
  const auto aad = from_hex("50515253c0c1c2c3c4c5c6c7");
  const auto plaintext = bytes_of(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.");
  const std::string expected =
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
      "3ff4def08e4b7a9de576d26586cec64b6116"
      "1ae10b594f09e26a7e902ecbd0600691";
  const auto sealed = seal(*unit, nonce, aad, plaintext);
  EXPECT_EQ(to_hex(sealed), expected);

  std::vector<std::uint8_t> opened(plaintext.size());
  ASSERT_EQ(unit->open(nonce, aad, from_hex(expected), opened), UnitStatus::kOk);
  EXPECT_EQ(opened, plaintext);
}

TEST(CipherUnitKat, Aes256GcmNistTestCase16) {
  auto unit = keyed(UnitId::kAes256Gcm,
                    from_hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"));
  const auto nonce = from_hex("cafebabefacedbaddecaf888");
  const auto aad = from_hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const auto plaintext = from_hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
  const std::string expected =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
      "76fc6ece0f4e1768cddf8853bb2d551b";
  EXPECT_EQ(to_hex(seal(*unit, nonce, aad, plaintext)), expected);
  std::vector<std::uint8_t> opened(plaintext.size());
  ASSERT_EQ(unit->open(nonce, aad, from_hex(expected), opened), UnitStatus::kOk);
  EXPECT_EQ(opened, plaintext);
}

// RFC 7253 Appendix A, the iterated test for AES-256 with a 128-bit tag.
TEST(CipherUnitKat, Aes256OcbRfc7253IteratedVector) {
  std::vector<std::uint8_t> key(32, 0);
  key[31] = 128;  // num2str(TAGLEN, 8)
  auto unit = keyed(UnitId::kAes256Ocb, key);
  auto nonce = [](unsigned n) {
    std::vector<std::uint8_t> out(12, 0);
    out[10] = static_cast<std::uint8_t>(n >> 8);
    out[11] = static_cast<std::uint8_t>(n);
    return out;
  };
  std::vector<std::uint8_t> c;
  for (unsigned i = 0; i < 128; ++i) {
    const std::vector<std::uint8_t> s(i, 0);
    for (const auto& part :
         {seal(*unit, nonce(3 * i + 1), s, s), seal(*unit, nonce(3 * i + 2), {}, s),
          seal(*unit, nonce(3 * i + 3), s, {})}) {
      c.insert(c.end(), part.begin(), part.end());
    }
  }
  EXPECT_EQ(to_hex(seal(*unit, nonce(385), c, {})), "d90eb8e9c977c88b79dd793d7ffa161c");
}

// The encrypt-then-MAC unit follows docs/PROTOCOL.md: Camellia-256-CTR with the counter
// block nonce || 0^32, then HMAC-SHA-256(len64(aad) || aad || nonce || ciphertext)[0:16].
TEST(CipherUnitKat, CamelliaEtmMatchesItsSpecification) {
  std::vector<std::uint8_t> key(64);
  for (std::size_t i = 0; i < key.size(); ++i)
    key[i] = static_cast<std::uint8_t>(i * 7 + 1);
  auto unit = keyed(UnitId::kCamellia256CtrHmacSha256, key);
  const auto nonce = from_hex("000000000000000000000102");
  const auto aad = bytes_of("header");
  const auto plaintext = bytes_of("a video fragment of some length, longer than one block");
  const auto sealed = seal(*unit, nonce, aad, plaintext);

  std::vector<std::uint8_t> iv(nonce);
  iv.resize(16, 0);
  std::vector<std::uint8_t> ciphertext(plaintext.size());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  ASSERT_EQ(EVP_EncryptInit_ex(ctx, EVP_camellia_256_ctr(), nullptr, key.data(), iv.data()), 1);
  ASSERT_EQ(EVP_EncryptUpdate(ctx, ciphertext.data(), &len, plaintext.data(),
                              static_cast<int>(plaintext.size())),
            1);
  EVP_CIPHER_CTX_free(ctx);

  std::vector<std::uint8_t> mac_input(8, 0);
  mac_input[7] = static_cast<std::uint8_t>(aad.size());
  mac_input.insert(mac_input.end(), aad.begin(), aad.end());
  mac_input.insert(mac_input.end(), nonce.begin(), nonce.end());
  mac_input.insert(mac_input.end(), ciphertext.begin(), ciphertext.end());
  unsigned char mac[32];
  unsigned mac_len = 0;
  HMAC(EVP_sha256(), key.data() + 32, 32, mac_input.data(), mac_input.size(), mac, &mac_len);

  EXPECT_EQ(to_hex(sealed), to_hex(ciphertext) + to_hex(Bytes(mac, kTagSize)));
}

class EveryUnit : public ::testing::TestWithParam<UnitId> {
 protected:
  void SetUp() override {
    unit_ = make_unit(GetParam(), ReferenceUnits::kAllowInsecure);
    ASSERT_NE(unit_, nullptr);
    std::vector<std::uint8_t> key(unit_->key_size());
    for (std::size_t i = 0; i < key.size(); ++i)
      key[i] = static_cast<std::uint8_t>(3 * i + 5);
    ASSERT_EQ(unit_->set_key(key), UnitStatus::kOk);
  }
  std::unique_ptr<CipherUnit> unit_;
  const std::vector<std::uint8_t> nonce_ = from_hex("000000000000001122334455");
  const std::vector<std::uint8_t> aad_ = bytes_of("cleartext header");
};

TEST_P(EveryUnit, RoundTripsEverySize) {
  for (std::size_t size : {0, 1, 15, 16, 17, 100, 1170, 4000}) {
    std::vector<std::uint8_t> plaintext(size);
    for (std::size_t i = 0; i < size; ++i)
      plaintext[i] = static_cast<std::uint8_t>(i * 31 + 7);
    const auto sealed = seal(*unit_, nonce_, aad_, plaintext);
    if (size >= 16) {
      EXPECT_NE(std::vector<std::uint8_t>(sealed.begin(), sealed.begin() + 16),
                std::vector<std::uint8_t>(plaintext.begin(), plaintext.begin() + 16))
          << "ciphertext equals plaintext";
    }
    std::vector<std::uint8_t> opened(size);
    ASSERT_EQ(unit_->open(nonce_, aad_, sealed, opened), UnitStatus::kOk) << "size " << size;
    EXPECT_EQ(opened, plaintext);
  }
}

TEST_P(EveryUnit, SealsAndOpensInPlace) {
  const auto plaintext = bytes_of("in place: the packet buffer is the only buffer");
  std::vector<std::uint8_t> buffer(plaintext);
  buffer.resize(plaintext.size() + kTagSize);
  ASSERT_EQ(unit_->seal(nonce_, aad_, Bytes(buffer.data(), plaintext.size()), buffer),
            UnitStatus::kOk);
  EXPECT_EQ(buffer, seal(*unit_, nonce_, aad_, plaintext));
  ASSERT_EQ(unit_->open(nonce_, aad_, buffer, MutableBytes(buffer.data(), plaintext.size())),
            UnitStatus::kOk);
  EXPECT_EQ(std::vector<std::uint8_t>(buffer.begin(), buffer.begin() + plaintext.size()),
            plaintext);
}

TEST_P(EveryUnit, RejectsEveryFlippedBit) {
  const auto plaintext = bytes_of("forty-two bytes of media payload here...");
  const auto sealed = seal(*unit_, nonce_, aad_, plaintext);
  std::vector<std::uint8_t> opened(plaintext.size());
  auto expect_forged = [&](Bytes nonce, Bytes aad, Bytes packet, const char* what,
                           std::size_t bit) {
    std::fill(opened.begin(), opened.end(), 0xAA);
    EXPECT_EQ(unit_->open(nonce, aad, packet, opened), UnitStatus::kAuthFailed)
        << what << " bit " << bit;
    EXPECT_EQ(opened, std::vector<std::uint8_t>(opened.size(), 0)) << "output not wiped";
  };
  for (std::size_t bit = 0; bit < sealed.size() * 8; ++bit) {
    auto copy = sealed;
    copy[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    expect_forged(nonce_, aad_, copy, "ciphertext/tag", bit);
  }
  for (std::size_t bit = 0; bit < aad_.size() * 8; ++bit) {
    auto aad = aad_;
    aad[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    expect_forged(nonce_, aad, sealed, "aad", bit);
  }
  for (std::size_t bit = 0; bit < nonce_.size() * 8; ++bit) {
    auto nonce = nonce_;
    nonce[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
    expect_forged(nonce, aad_, sealed, "nonce", bit);
  }
}

TEST_P(EveryUnit, RefusesBadSizesAndUnkeyedUse) {
  std::vector<std::uint8_t> out(10 + kTagSize);
  std::vector<std::uint8_t> plaintext(10);
  EXPECT_EQ(unit_->seal(Bytes(nonce_.data(), 8), aad_, plaintext, out), UnitStatus::kBadNonceSize);
  EXPECT_EQ(unit_->seal(nonce_, aad_, plaintext, MutableBytes(out.data(), 11)),
            UnitStatus::kBadBufferSize);
  std::vector<std::uint8_t> small(5);
  EXPECT_EQ(unit_->open(nonce_, aad_, small, small), UnitStatus::kBadBufferSize);
  EXPECT_EQ(unit_->set_key(std::vector<std::uint8_t>(unit_->key_size() - 1)),
            UnitStatus::kBadKeySize);

  auto fresh = make_unit(GetParam(), ReferenceUnits::kAllowInsecure);
  EXPECT_EQ(fresh->seal(nonce_, aad_, plaintext, out), UnitStatus::kNotKeyed);
}

TEST_P(EveryUnit, DifferentNoncesGiveDifferentCiphertexts) {
  const std::vector<std::uint8_t> plaintext(64, 0);
  auto other_nonce = nonce_;
  other_nonce[11] ^= 1;
  EXPECT_NE(seal(*unit_, nonce_, aad_, plaintext), seal(*unit_, other_nonce, aad_, plaintext));
}

std::vector<UnitId> all_units() {
  std::vector<UnitId> ids(modern_units().begin(), modern_units().end());
  ids.insert(ids.end(), reference_units().begin(), reference_units().end());
  return ids;
}

INSTANTIATE_TEST_SUITE_P(AllUnits, EveryUnit, ::testing::ValuesIn(all_units()),
                         [](const auto& param_info) {
                           std::string name(unit_name(param_info.param));
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(UnitRegistry, ReferenceUnitsNeedExplicitPermission) {
  for (UnitId id : reference_units()) {
    EXPECT_TRUE(is_reference_unit(id));
    EXPECT_EQ(make_unit(id), nullptr) << unit_name(id);
    EXPECT_NE(make_unit(id, ReferenceUnits::kAllowInsecure), nullptr) << unit_name(id);
    EXPECT_NE(unit_name(id).find("insecure"), std::string_view::npos);
  }
  for (UnitId id : modern_units()) {
    EXPECT_FALSE(is_reference_unit(id));
    EXPECT_NE(make_unit(id), nullptr) << unit_name(id);
  }
  EXPECT_EQ(make_unit(static_cast<UnitId>(0x42)), nullptr);
}

}  // namespace
}  // namespace agentcast::crypto
