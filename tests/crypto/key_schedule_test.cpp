// The key hierarchy and the seed chain (Fig. 18).

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/seed_chain.h"
#include "support/hex.h"

namespace agentcast::crypto {
namespace {

Secret seed_of(std::uint8_t fill) {
  std::array<std::uint8_t, kSeedSize> bytes;
  bytes.fill(fill);
  return Secret(bytes);
}

std::string hex(const Secret& s) {
  return test::to_hex(s.bytes());
}

TEST(KeySchedule, EveryLabelGivesADistinctKey) {
  const Secret seed = seed_of(1);
  SessionId other_session{};
  other_session[0] = 1;
  std::set<std::string> keys;
  int derived = 0;
  for (const SessionId& session : {SessionId{}, other_session}) {
    for (Direction direction : {Direction::kSenderToViewer, Direction::kViewerToSender}) {
      for (std::uint16_t stream : {0, 1, 256}) {
        for (std::uint32_t epoch : {0U, 1U, 65536U}) {
          for (UnitId unit : modern_units()) {
            Secret key;
            ASSERT_TRUE(derive_unit_key(seed, {session, direction, stream}, epoch, unit, 32, key));
            keys.insert(hex(key));
            ++derived;
          }
          Secret selection;
          ASSERT_TRUE(derive_selection_key(seed, {session, direction, stream}, epoch, selection));
          keys.insert(hex(selection));
          ++derived;
        }
      }
    }
  }
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(derived));
}

TEST(KeySchedule, DerivationIsDeterministicAndSeedDependent) {
  StreamLabel label{{}, Direction::kSenderToViewer, 3};
  Secret a, b, c;
  ASSERT_TRUE(derive_unit_key(seed_of(1), label, 5, UnitId::kAes256Gcm, 32, a));
  ASSERT_TRUE(derive_unit_key(seed_of(1), label, 5, UnitId::kAes256Gcm, 32, b));
  ASSERT_TRUE(derive_unit_key(seed_of(2), label, 5, UnitId::kAes256Gcm, 32, c));
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
  Secret longer;
  ASSERT_TRUE(derive_unit_key(seed_of(1), label, 5, UnitId::kCamellia256CtrHmacSha256, 64, longer));
  EXPECT_EQ(longer.size(), 64U);
}

TEST(KeySchedule, NonceCarriesThe48BitSequenceBigEndian) {
  EXPECT_EQ(test::to_hex(nonce_for_sequence(0)), "000000000000000000000000");
  EXPECT_EQ(test::to_hex(nonce_for_sequence(0x0102030405ULL)), "000000000000000102030405");
  EXPECT_EQ(test::to_hex(nonce_for_sequence(kMaxSequence)), "000000000000ffffffffffff");
}

TEST(SeedChain, AdvancesOneWayAndDeterministically) {
  SeedChain a(seed_of(9));
  SeedChain b(seed_of(9));
  std::set<std::string> seen{hex(a.seed())};
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(a.advance());
    ASSERT_TRUE(b.advance());
    EXPECT_EQ(a.seed(), b.seed());
    EXPECT_EQ(a.epoch(), static_cast<std::uint32_t>(i + 1));
    EXPECT_TRUE(seen.insert(hex(a.seed())).second) << "seed repeated at epoch " << a.epoch();
  }
}

TEST(SeedChain, RefusesToWrapTheEpoch) {
  SeedChain chain(seed_of(1), 0xFFFFFFFFU);
  const std::string before = hex(chain.seed());
  EXPECT_FALSE(chain.advance());
  EXPECT_EQ(hex(chain.seed()), before);
}

TEST(Secret, WipesAndMoves) {
  Secret a = Secret::random(32);
  EXPECT_EQ(a.size(), 32U);
  Secret b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from secrets are wiped
  EXPECT_EQ(b.size(), 32U);
  EXPECT_FALSE(Secret::random(32) == Secret::random(32));
  b.wipe();
  EXPECT_TRUE(b.empty());
}

TEST(UnitSet, ValidationNamesTheProblem) {
  EXPECT_NO_THROW(UnitSet::standard().validate());
  EXPECT_NO_THROW(UnitSet::standard(true).validate());
  UnitSet sneaky{{UnitId::kAes256Gcm, UnitId::kReferenceLfsr}, ReferenceUnits::kRefuse};
  try {
    sneaky.validate();
    FAIL() << "a reference unit was accepted without permission";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("insecure"), std::string::npos) << e.what();
  }
  EXPECT_THROW((UnitSet{{}, ReferenceUnits::kRefuse}.validate()), std::invalid_argument);
  EXPECT_THROW(
      (UnitSet{{UnitId::kAes256Gcm, UnitId::kAes256Gcm}, ReferenceUnits::kRefuse}.validate()),
      std::invalid_argument);
  EXPECT_THROW((UnitSet{{static_cast<UnitId>(9)}, ReferenceUnits::kRefuse}.validate()),
               std::invalid_argument);
}

TEST(EpochKeys, BothEndsSelectTheSameUnitAndKey) {
  const StreamLabel label{{}, Direction::kSenderToViewer, 1};
  auto sender = EpochKeys::derive(seed_of(4), label, 2, UnitSet::standard());
  auto receiver = EpochKeys::derive(seed_of(4), label, 2, UnitSet::standard());
  ASSERT_TRUE(sender && receiver);
  const auto plaintext = test::bytes_of("same unit, same key");
  for (std::uint64_t seq = 0; seq < 500; ++seq) {
    auto s = sender->select(seq);
    auto r = receiver->select(seq);
    ASSERT_EQ(s.index, r.index);
    std::vector<std::uint8_t> sealed(plaintext.size() + kTagSize), opened(plaintext.size());
    const Nonce nonce = nonce_for_sequence(seq);
    ASSERT_EQ(s.unit->seal(nonce, {}, plaintext, sealed), UnitStatus::kOk);
    ASSERT_EQ(r.unit->open(nonce, {}, sealed, opened), UnitStatus::kOk);
  }
}

}  // namespace
}  // namespace agentcast::crypto
