#pragma once
// The patent's pseudo random generators (Figs. 8, 9, 10A-10C): linear feedback shift
// registers of 2..13 stages and their combinations.
//
// INSECURE. An LFSR keystream is linear: a few dozen output bits reveal the register
// (Berlekamp-Massey), and the 10B/10C combinations fall to correlation attacks. These
// classes exist only to back the labelled reference units (UnitId::kReferenceLfsr*), which
// are never selected by default; nothing else in AgentCast may use them for secrecy.

#include <cstdint>
#include <span>

namespace agentcast::crypto {

// x^stages + ... + 1 over GF(2). `taps` holds the coefficients of x^0..x^(stages-1), so bit 0
// (the constant term) is always set and the leading x^stages term is implicit.
struct PrimitivePolynomial {
  int stages;
  std::uint32_t taps;
  const char* text;

  // An M series (maximum-length sequence) visits every nonzero state once.
  constexpr std::uint32_t period() const noexcept { return (std::uint32_t{1} << stages) - 1; }
};

inline constexpr int kMinLfsrStages = 2;
// The Fig. 8 register has the 13 bit elements r1..r13.
inline constexpr int kMaxLfsrStages = 13;

// The patent's table of primitive polynomials for n = 2..12, followed by n = 13
// (x^13 + x^4 + x^3 + x + 1), which the table lacks although Fig. 8 has 13 stages.
// Ordered by stage count, starting at 2.
std::span<const PrimitivePolynomial> patent_polynomials() noexcept;
// The table entry for `stages`; throws std::invalid_argument outside 2..13.
const PrimitivePolynomial& patent_polynomial(int stages);

// Fibonacci LFSR whose characteristic polynomial is `poly`. Bit i of state() is the bit
// element r(i+1) of Fig. 8; r1 is the output and the feedback enters r(stages).
class Lfsr {
 public:
  // Throws std::invalid_argument when the polynomial is malformed (stages outside 2..13,
  // taps wider than the register or without the constant term) or when `state` is zero or
  // wider than the register: a zero state would emit zeros forever.
  Lfsr(const PrimitivePolynomial& poly, std::uint32_t state);

  // True when `state` is a usable initial state for a `stages`-stage register.
  static constexpr bool valid_state(int stages, std::uint32_t state) noexcept {
    return stages >= kMinLfsrStages && stages <= kMaxLfsrStages && state != 0 &&
           (state >> stages) == 0;
  }
  // Maps any seed word to a valid state, (v mod (2^n - 1)) + 1, so seed material never has
  // to be rejected on the per-packet path.
  static constexpr std::uint32_t state_from_seed(int stages, std::uint32_t v) noexcept {
    return v % ((std::uint32_t{1} << stages) - 1) + 1;
  }

  // Replaces the state; returns false (and keeps the old state) when it is not valid.
  [[nodiscard]] bool reset(std::uint32_t state) noexcept;

  int stages() const noexcept { return stages_; }
  std::uint32_t state() const noexcept { return state_; }

  // Emits r1 and shifts once; returns 0 or 1.
  unsigned next_bit() noexcept;
  // Eight bits, the first one in the most significant position.
  std::uint8_t next_byte() noexcept;
  // Fills `out` with keystream bytes, MSB-first.
  void fill(std::span<std::uint8_t> out) noexcept;

 private:
  int stages_;
  std::uint32_t taps_;
  std::uint32_t state_;
};

// Fig. 10A: the output of one register is used as is.
class SingleLfsrGenerator {
 public:
  explicit SingleLfsrGenerator(const Lfsr& lfsr) : lfsr_(lfsr) {}

  [[nodiscard]] bool reset(std::uint32_t state) noexcept { return lfsr_.reset(state); }
  const Lfsr& lfsr() const noexcept { return lfsr_; }

  unsigned next_bit() noexcept { return lfsr_.next_bit(); }
  std::uint8_t next_byte() noexcept;
  void fill(std::span<std::uint8_t> out) noexcept;

 private:
  Lfsr lfsr_;
};

// Fig. 10B: generators 41a and 41b feed exclusive-or circuit 47. Their stage counts must
// differ (std::invalid_argument otherwise): two registers on the same polynomial XOR to
// a shifted copy of the same M series, and distinct periods give a period of their product.
class XorLfsrGenerator {
 public:
  XorLfsrGenerator(const Lfsr& a, const Lfsr& b);

  // All-or-nothing: on false, neither register changed.
  [[nodiscard]] bool reset(std::uint32_t state_a, std::uint32_t state_b) noexcept;
  const Lfsr& a() const noexcept { return a_; }
  const Lfsr& b() const noexcept { return b_; }

  unsigned next_bit() noexcept { return a_.next_bit() ^ b_.next_bit(); }
  std::uint8_t next_byte() noexcept;
  void fill(std::span<std::uint8_t> out) noexcept;

 private:
  Lfsr a_;
  Lfsr b_;
};

// Fig. 10C: the output of generator 41e drives switch 48, which passes the output of 41c
// when it is 0 and of 41d when it is 1. All three registers step on every output bit.
class SwitchedLfsrGenerator {
 public:
  SwitchedLfsrGenerator(const Lfsr& c, const Lfsr& d, const Lfsr& e) : c_(c), d_(d), e_(e) {}

  // All-or-nothing: on false, no register changed.
  [[nodiscard]] bool reset(std::uint32_t state_c, std::uint32_t state_d,
                           std::uint32_t state_e) noexcept;
  const Lfsr& c() const noexcept { return c_; }
  const Lfsr& d() const noexcept { return d_; }
  const Lfsr& e() const noexcept { return e_; }

  unsigned next_bit() noexcept {
    const unsigned from_c = c_.next_bit();
    const unsigned from_d = d_.next_bit();
    return e_.next_bit() != 0 ? from_d : from_c;
  }
  std::uint8_t next_byte() noexcept;
  void fill(std::span<std::uint8_t> out) noexcept;

 private:
  Lfsr c_;
  Lfsr d_;
  Lfsr e_;
};

}  // namespace agentcast::crypto
