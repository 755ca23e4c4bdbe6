#include "agentcast/crypto/lfsr.h"

#include <array>
#include <bit>
#include <stdexcept>
#include <string>

namespace agentcast::crypto {
namespace {

// The patent prints the period of the 12-stage polynomial as 4055; that is a misprint for
// 2^12 - 1 = 4095, which is what x^12 + x^6 + x^4 + x + 1 gives (the tests check it).
constexpr std::array<PrimitivePolynomial, 12> kPatentPolynomials = {{
    {2, 0b11, "x^2+x+1"},
    {3, 0b011, "x^3+x+1"},
    {4, 0b0011, "x^4+x+1"},
    {5, 0b00101, "x^5+x^2+1"},
    {6, 0b000011, "x^6+x+1"},
    {7, 0b0001001, "x^7+x^3+1"},
    {8, 0b00011101, "x^8+x^4+x^3+x^2+1"},
    {9, 0b000010001, "x^9+x^4+1"},
    {10, 0b0000001001, "x^10+x^3+1"},
    {11, 0b00000000101, "x^11+x^2+1"},
    {12, 0b000001010011, "x^12+x^6+x^4+x+1"},
    // Not in the patent's table; 13 stages has no primitive trinomial, so a pentanomial.
    {13, 0b0000000011011, "x^13+x^4+x^3+x+1"},
}};

void check_polynomial(const PrimitivePolynomial& poly) {
  if (poly.stages < kMinLfsrStages || poly.stages > kMaxLfsrStages) {
    throw std::invalid_argument("Lfsr: stages must be 2..13, got " + std::to_string(poly.stages));
  }
  if ((poly.taps & 1u) == 0 || (poly.taps >> poly.stages) != 0) {
    // Without the constant term the register degenerates to a shorter one plus a delay.
    throw std::invalid_argument("Lfsr: taps must fit the register and include x^0");
  }
}

// Shared by all generators: bits leave MSB-first so a byte reads in generation order.
template <typename Generator>
std::uint8_t byte_from(Generator& generator) noexcept {
  unsigned byte = 0;
  for (int i = 0; i < 8; ++i)
    byte = (byte << 1) | generator.next_bit();
  return static_cast<std::uint8_t>(byte);
}

template <typename Generator>
void fill_from(Generator& generator, std::span<std::uint8_t> out) noexcept {
  for (std::uint8_t& byte : out)
    byte = generator.next_byte();
}

}  // namespace

std::span<const PrimitivePolynomial> patent_polynomials() noexcept {
  return kPatentPolynomials;
}

const PrimitivePolynomial& patent_polynomial(int stages) {
  if (stages < kMinLfsrStages || stages > kMaxLfsrStages) {
    throw std::invalid_argument("patent_polynomial: stages must be 2..13, got " +
                                std::to_string(stages));
  }
  return kPatentPolynomials[static_cast<std::size_t>(stages - kMinLfsrStages)];
}

Lfsr::Lfsr(const PrimitivePolynomial& poly, std::uint32_t state)
    : stages_(poly.stages), taps_(poly.taps), state_(state) {
  check_polynomial(poly);
  if (!valid_state(stages_, state)) {
    throw std::invalid_argument("Lfsr: initial state must be nonzero and fit " +
                                std::to_string(stages_) + " stages");
  }
}

bool Lfsr::reset(std::uint32_t state) noexcept {
  if (!valid_state(stages_, state)) return false;
  state_ = state;
  return true;
}

unsigned Lfsr::next_bit() noexcept {
  // With r1 = a(t) .. rn = a(t+n-1), the feedback a(t+n) = sum of taps_k * a(t+k) makes the
  // register's characteristic polynomial exactly `poly`.
  const unsigned out = state_ & 1u;
  const std::uint32_t feedback = static_cast<std::uint32_t>(std::popcount(state_ & taps_)) & 1u;
  state_ = (state_ >> 1) | (feedback << (stages_ - 1));
  return out;
}

std::uint8_t Lfsr::next_byte() noexcept {
  return byte_from(*this);
}
void Lfsr::fill(std::span<std::uint8_t> out) noexcept {
  fill_from(*this, out);
}

std::uint8_t SingleLfsrGenerator::next_byte() noexcept {
  return byte_from(*this);
}
void SingleLfsrGenerator::fill(std::span<std::uint8_t> out) noexcept {
  fill_from(*this, out);
}

XorLfsrGenerator::XorLfsrGenerator(const Lfsr& a, const Lfsr& b) : a_(a), b_(b) {
  if (a.stages() == b.stages()) {
    throw std::invalid_argument("XorLfsrGenerator: the two registers need different stages");
  }
}

bool XorLfsrGenerator::reset(std::uint32_t state_a, std::uint32_t state_b) noexcept {
  if (!Lfsr::valid_state(a_.stages(), state_a) || !Lfsr::valid_state(b_.stages(), state_b)) {
    return false;
  }
  return a_.reset(state_a) && b_.reset(state_b);
}

std::uint8_t XorLfsrGenerator::next_byte() noexcept {
  return byte_from(*this);
}
void XorLfsrGenerator::fill(std::span<std::uint8_t> out) noexcept {
  fill_from(*this, out);
}

bool SwitchedLfsrGenerator::reset(std::uint32_t state_c, std::uint32_t state_d,
                                  std::uint32_t state_e) noexcept {
  if (!Lfsr::valid_state(c_.stages(), state_c) || !Lfsr::valid_state(d_.stages(), state_d) ||
      !Lfsr::valid_state(e_.stages(), state_e)) {
    return false;
  }
  return c_.reset(state_c) && d_.reset(state_d) && e_.reset(state_e);
}

std::uint8_t SwitchedLfsrGenerator::next_byte() noexcept {
  return byte_from(*this);
}
void SwitchedLfsrGenerator::fill(std::span<std::uint8_t> out) noexcept {
  fill_from(*this, out);
}

}  // namespace agentcast::crypto
