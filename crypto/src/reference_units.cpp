#include "reference_units.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <cstdint>

#include "agentcast/crypto/lfsr.h"
#include "etm_tag.h"
#include "openssl_util.h"

namespace agentcast::crypto::detail {
namespace {

constexpr std::size_t kSeedDigestSize = 32;  // SHA-256

// Register `index` takes digest bytes [2 * index, 2 * index + 2), big-endian.
std::uint32_t derived_state(const Lfsr& lfsr, const std::uint8_t* digest, int index) noexcept {
  const std::uint32_t v = (std::uint32_t{digest[2 * index]} << 8) | digest[2 * index + 1];
  return Lfsr::state_from_seed(lfsr.stages(), v);
}

// The derived states are valid by construction, so these resets cannot fail; the checks
// stay so that a future generator change fails closed instead of reusing old state.
bool reset_from(SingleLfsrGenerator& g, const std::uint8_t* digest) noexcept {
  return g.reset(derived_state(g.lfsr(), digest, 0));
}
bool reset_from(XorLfsrGenerator& g, const std::uint8_t* digest) noexcept {
  return g.reset(derived_state(g.a(), digest, 0), derived_state(g.b(), digest, 1));
}
bool reset_from(SwitchedLfsrGenerator& g, const std::uint8_t* digest) noexcept {
  return g.reset(derived_state(g.c(), digest, 0), derived_state(g.d(), digest, 1),
                 derived_state(g.e(), digest, 2));
}

template <typename Generator>
class ReferenceUnit final : public CipherUnit {
 public:
  ReferenceUnit(UnitId id, const Generator& generator) : id_(id), generator_(generator) {}

  UnitId id() const noexcept override { return id_; }
  std::size_t key_size() const noexcept override { return kReferenceUnitKeySize; }

  UnitStatus set_key(Bytes key) noexcept override {
    if (key.size() != kReferenceUnitKeySize) return UnitStatus::kBadKeySize;
    if (hmac() == nullptr) return UnitStatus::kBackendFailure;
    MacCtx seed(EVP_MAC_CTX_new(hmac()));
    if (!seed) return UnitStatus::kBackendFailure;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    const Bytes seed_key = key.subspan(EtmTag::kKeySize);
    // The seed context is committed only after the tag key took, so a failed re-key never
    // leaves the two halves from different keys.
    if (EVP_MAC_init(seed.get(), seed_key.data(), seed_key.size(), params) != 1 ||
        !tag_.set_key(key.first(EtmTag::kKeySize))) {
      return UnitStatus::kBackendFailure;
    }
    seed_ = std::move(seed);
    return UnitStatus::kOk;
  }

  bool keyed() const noexcept override { return seed_ && tag_.keyed(); }

  UnitStatus seal_checked(Bytes nonce, Bytes aad, Bytes plaintext,
                          MutableBytes out) noexcept override {
    MutableBytes ciphertext = out.first(plaintext.size());
    if (!xor_keystream(nonce, plaintext, ciphertext) ||
        !tag_.compute(nonce, aad, ciphertext, out.data() + ciphertext.size())) {
      return UnitStatus::kBackendFailure;
    }
    return UnitStatus::kOk;
  }

  UnitStatus open_checked(Bytes nonce, Bytes aad, Bytes sealed,
                          MutableBytes out) noexcept override {
    const Bytes ciphertext = sealed.first(out.size());
    // Encrypt-then-MAC: nothing is decrypted before the tag verifies. In place, the XOR
    // below rewrites only the ciphertext bytes, after the tag has been read.
    if (!tag_.verify(nonce, aad, ciphertext, sealed.data() + ciphertext.size())) {
      return UnitStatus::kAuthFailed;
    }
    return xor_keystream(nonce, ciphertext, out) ? UnitStatus::kOk : UnitStatus::kBackendFailure;
  }

 private:
  // Seeds the registers for this nonce, so the keystream depends on (key, nonce) only and
  // a lost packet's keystream is simply never generated (Fig. 14).
  bool start_keystream(Bytes nonce) noexcept {
    std::uint8_t digest[kSeedDigestSize];
    std::size_t digest_len = 0;
    const auto* label = reinterpret_cast<const unsigned char*>(kLfsrStateLabel.data());
    bool ok = EVP_MAC_init(seed_.get(), nullptr, 0, nullptr) == 1 &&
              EVP_MAC_update(seed_.get(), label, kLfsrStateLabel.size()) == 1 &&
              EVP_MAC_update(seed_.get(), nonce.data(), nonce.size()) == 1 &&
              EVP_MAC_final(seed_.get(), digest, &digest_len, sizeof digest) == 1 &&
              digest_len == kSeedDigestSize && reset_from(generator_, digest);
    OPENSSL_cleanse(digest, sizeof digest);
    return ok;
  }

  // `in` and `out` are the same size and either identical or disjoint.
  bool xor_keystream(Bytes nonce, Bytes in, MutableBytes out) noexcept {
    if (!start_keystream(nonce)) return false;
    for (std::size_t i = 0; i < in.size(); ++i) {
      out[i] = static_cast<std::uint8_t>(in[i] ^ generator_.next_byte());
    }
    return true;
  }

  UnitId id_;
  Generator generator_;
  MacCtx seed_;
  EtmTag tag_;
};

// The start states are placeholders: every packet reseeds the registers.
Lfsr reg(int stages) {
  return Lfsr(patent_polynomial(stages), 1);
}

}  // namespace

std::unique_ptr<CipherUnit> make_reference_unit(UnitId id) {
  switch (id) {
    case UnitId::kReferenceLfsr:
      return std::make_unique<ReferenceUnit<SingleLfsrGenerator>>(
          id, SingleLfsrGenerator(reg(kMaxLfsrStages)));
    case UnitId::kReferenceLfsrXor:
      return std::make_unique<ReferenceUnit<XorLfsrGenerator>>(id,
                                                               XorLfsrGenerator(reg(12), reg(13)));
    case UnitId::kReferenceLfsrSwitched:
      return std::make_unique<ReferenceUnit<SwitchedLfsrGenerator>>(
          id, SwitchedLfsrGenerator(reg(12), reg(13), reg(11)));
    default:
      return nullptr;
  }
}

}  // namespace agentcast::crypto::detail
