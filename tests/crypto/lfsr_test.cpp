#include "agentcast/crypto/lfsr.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentcast::crypto {
namespace {

std::vector<std::uint8_t> take(auto generator, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  generator.fill(out);
  return out;
}

TEST(LfsrTableTest, MatchesThePatentPlusThirteenStages) {
  const std::array<std::string, 12> expected = {
      "x^2+x+1",    "x^3+x+1",    "x^4+x+1",           "x^5+x^2+1",
      "x^6+x+1",    "x^7+x^3+1",  "x^8+x^4+x^3+x^2+1", "x^9+x^4+1",
      "x^10+x^3+1", "x^11+x^2+1", "x^12+x^6+x^4+x+1",  "x^13+x^4+x^3+x+1"};
  const auto table = patent_polynomials();
  ASSERT_EQ(table.size(), expected.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    const PrimitivePolynomial& poly = table[i];
    EXPECT_EQ(poly.stages, static_cast<int>(i) + kMinLfsrStages);
    EXPECT_EQ(poly.text, expected[i]);
    EXPECT_EQ(&patent_polynomial(poly.stages), &poly);
    // Rebuild the text from the taps, so that the bits and the printed polynomial agree.
    std::string text = "x^" + std::to_string(poly.stages);
    for (int k = poly.stages - 1; k >= 0; --k) {
      if ((poly.taps >> k) & 1u) text += k == 0 ? "+1" : k == 1 ? "+x" : "+x^" + std::to_string(k);
    }
    EXPECT_EQ(text, expected[i]);
  }
  // The patent prints 4055 here, a misprint.
  EXPECT_EQ(patent_polynomial(12).period(), 4095u);
  EXPECT_THROW(patent_polynomial(1), std::invalid_argument);
  EXPECT_THROW(patent_polynomial(14), std::invalid_argument);
}

TEST(LfsrTest, EveryPolynomialVisitsEveryNonzeroStateOnce) {
  for (const PrimitivePolynomial& poly : patent_polynomials()) {
    SCOPED_TRACE(poly.text);
    const std::uint32_t period = poly.period();
    EXPECT_EQ(period, (1u << poly.stages) - 1);
    for (std::uint32_t start : {1u, period, period / 2 + 1}) {
      Lfsr lfsr(poly, start);
      std::vector<bool> seen(std::size_t{period} + 1, false);
      std::uint32_t ones = 0;
      for (std::uint32_t step = 0; step < period; ++step) {
        const std::uint32_t state = lfsr.state();
        ASSERT_NE(state, 0u);
        ASSERT_LE(state, period);
        ASSERT_FALSE(seen[state]) << "state " << state << " repeats after " << step << " steps";
        seen[state] = true;
        ones += lfsr.next_bit();
      }
      EXPECT_EQ(lfsr.state(), start);
      // An M series has 2^(n-1) ones per period.
      EXPECT_EQ(ones, 1u << (poly.stages - 1));
    }
  }
  EXPECT_EQ(patent_polynomial(12).period(), 4095u);
}

TEST(LfsrTest, Fig9ThreeStageSequence) {
  // x^3 + x + 1: a(t+3) = a(t+1) + a(t), from r1 = 1, r2 = r3 = 0.
  Lfsr lfsr(patent_polynomial(3), 0b001);
  const std::array<unsigned, 14> expected = {1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1};
  for (unsigned bit : expected)
    EXPECT_EQ(lfsr.next_bit(), bit);
}

TEST(LfsrTest, FillIsMsbFirst) {
  Lfsr bits(patent_polynomial(13), 0x1abc);
  Lfsr bytes = bits;
  std::array<std::uint8_t, 5> out{};
  bytes.fill(out);
  for (std::uint8_t byte : out) {
    for (int i = 7; i >= 0; --i)
      EXPECT_EQ((byte >> i) & 1u, bits.next_bit());
  }
  EXPECT_EQ(bits.state(), bytes.state());
}

TEST(LfsrTest, RejectsBadSetup) {
  const PrimitivePolynomial& p5 = patent_polynomial(5);
  EXPECT_THROW(Lfsr(p5, 0), std::invalid_argument);
  EXPECT_THROW(Lfsr(p5, 32), std::invalid_argument);
  EXPECT_THROW(Lfsr(PrimitivePolynomial{1, 0b1, "x+1"}, 1), std::invalid_argument);
  EXPECT_THROW(Lfsr(PrimitivePolynomial{14, 0b100010000000011, "x^14+..."}, 1),
               std::invalid_argument);
  EXPECT_THROW(Lfsr(PrimitivePolynomial{5, 0b00100, "x^5+x^2"}, 1), std::invalid_argument);
  EXPECT_THROW(Lfsr(PrimitivePolynomial{5, 0b100101, "too wide"}, 1), std::invalid_argument);
  EXPECT_NO_THROW(Lfsr(p5, 31));

  Lfsr lfsr(p5, 7);
  EXPECT_FALSE(lfsr.reset(0));
  EXPECT_FALSE(lfsr.reset(32));
  EXPECT_EQ(lfsr.state(), 7u);
  EXPECT_TRUE(lfsr.reset(31));
  EXPECT_EQ(lfsr.state(), 31u);
}

TEST(LfsrTest, StateFromSeedIsAlwaysValid) {
  for (int n = kMinLfsrStages; n <= kMaxLfsrStages; ++n) {
    const std::uint32_t period = (1u << n) - 1;
    EXPECT_EQ(Lfsr::state_from_seed(n, 0), 1u);
    EXPECT_EQ(Lfsr::state_from_seed(n, period - 1), period);
    EXPECT_EQ(Lfsr::state_from_seed(n, period), 1u);
    for (std::uint32_t v : {0u, 1u, 0x1234u, 0xfffeu, 0xffffu}) {
      EXPECT_TRUE(Lfsr::valid_state(n, Lfsr::state_from_seed(n, v))) << n << " " << v;
    }
  }
}

TEST(LfsrCombinationTest, SingleIsTheRegisterAsIs) {
  const Lfsr lfsr(patent_polynomial(13), 0x0f0f);
  SingleLfsrGenerator generator(lfsr);
  Lfsr copy = lfsr;
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(generator.next_bit(), copy.next_bit());
}

TEST(LfsrCombinationTest, XorFollowsFig10B) {
  const Lfsr a(patent_polynomial(12), 0x123);
  const Lfsr b(patent_polynomial(13), 0x1456);
  XorLfsrGenerator generator(a, b);
  Lfsr ra = a;
  Lfsr rb = b;
  for (int i = 0; i < 500; ++i)
    EXPECT_EQ(generator.next_bit(), ra.next_bit() ^ rb.next_bit());

  EXPECT_THROW(XorLfsrGenerator(a, Lfsr(patent_polynomial(12), 5)), std::invalid_argument);
}

TEST(LfsrCombinationTest, XorIsDeterministicAndSeedDependent) {
  const auto make = [](std::uint32_t sa, std::uint32_t sb) {
    return XorLfsrGenerator(Lfsr(patent_polynomial(12), sa), Lfsr(patent_polynomial(13), sb));
  };
  EXPECT_EQ(take(make(0x123, 0x1456), 256), take(make(0x123, 0x1456), 256));
  EXPECT_NE(take(make(0x123, 0x1456), 256), take(make(0x124, 0x1456), 256));
  EXPECT_NE(take(make(0x123, 0x1456), 256), take(make(0x123, 0x1457), 256));

  XorLfsrGenerator generator = make(0x123, 0x1456);
  const auto first = take(generator, 64);
  const std::uint32_t a_state = generator.a().state();
  EXPECT_FALSE(generator.reset(1, 0));
  EXPECT_EQ(generator.a().state(), a_state);  // all-or-nothing
  EXPECT_FALSE(generator.reset(0x1000, 1));   // a has 12 stages: 0x1000 does not fit
  ASSERT_TRUE(generator.reset(0x123, 0x1456));
  EXPECT_EQ(take(generator, 64), first);
}

TEST(LfsrCombinationTest, SwitchedFollowsFig10C) {
  const Lfsr c(patent_polynomial(12), 0x0aa);
  const Lfsr d(patent_polynomial(13), 0x1555);
  const Lfsr e(patent_polynomial(11), 0x321);
  SwitchedLfsrGenerator generator(c, d, e);
  Lfsr rc = c;
  Lfsr rd = d;
  Lfsr re = e;
  int from_d = 0;
  for (int i = 0; i < 2000; ++i) {
    const unsigned bc = rc.next_bit();
    const unsigned bd = rd.next_bit();
    const unsigned be = re.next_bit();
    from_d += static_cast<int>(be);
    EXPECT_EQ(generator.next_bit(), be != 0 ? bd : bc);
  }
  EXPECT_GT(from_d, 0);  // both switch positions were exercised
  EXPECT_LT(from_d, 2000);
}

TEST(LfsrCombinationTest, SwitchedIsDeterministicAndSeedDependent) {
  const auto make = [](std::uint32_t sc, std::uint32_t sd, std::uint32_t se) {
    return SwitchedLfsrGenerator(Lfsr(patent_polynomial(12), sc), Lfsr(patent_polynomial(13), sd),
                                 Lfsr(patent_polynomial(11), se));
  };
  EXPECT_EQ(take(make(0xaa, 0x1555, 0x321), 256), take(make(0xaa, 0x1555, 0x321), 256));
  EXPECT_NE(take(make(0xaa, 0x1555, 0x321), 256), take(make(0xab, 0x1555, 0x321), 256));
  EXPECT_NE(take(make(0xaa, 0x1555, 0x321), 256), take(make(0xaa, 0x1556, 0x321), 256));
  EXPECT_NE(take(make(0xaa, 0x1555, 0x321), 256), take(make(0xaa, 0x1555, 0x322), 256));

  SwitchedLfsrGenerator generator = make(0xaa, 0x1555, 0x321);
  const auto first = take(generator, 64);
  const std::uint32_t c_state = generator.c().state();
  EXPECT_FALSE(generator.reset(1, 2, 0x800));  // e has 11 stages: 0x800 does not fit
  EXPECT_EQ(generator.c().state(), c_state);   // all-or-nothing
  ASSERT_TRUE(generator.reset(0xaa, 0x1555, 0x321));
  EXPECT_EQ(take(generator, 64), first);
}

}  // namespace
}  // namespace agentcast::crypto
