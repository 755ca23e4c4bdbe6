#include <openssl/evp.h>

#include <algorithm>

#include "aead_units.h"
#include "etm_tag.h"
#include "openssl_util.h"

namespace agentcast::crypto::detail {
namespace {

// One class serves the three one-pass AEADs: they differ only in the EVP algorithm.
class EvpAeadUnit final : public CipherUnit {
 public:
  EvpAeadUnit(UnitId id, const char* algorithm) : id_(id), algorithm_(algorithm) {}

  UnitId id() const noexcept override { return id_; }
  std::size_t key_size() const noexcept override { return 32; }

  UnitStatus set_key(Bytes key) noexcept override {
    if (key.size() != key_size()) return UnitStatus::kBadKeySize;
    const EVP_CIPHER* evp = cipher(algorithm_);
    if (evp == nullptr) return UnitStatus::kBackendFailure;
    CipherCtx enc(EVP_CIPHER_CTX_new());
    CipherCtx dec(EVP_CIPHER_CTX_new());
    if (!enc || !dec) return UnitStatus::kBackendFailure;
    // Keying once here schedules the key; per packet only the nonce is set.
    if (EVP_EncryptInit_ex2(enc.get(), evp, key.data(), nullptr, nullptr) != 1 ||
        EVP_DecryptInit_ex2(dec.get(), evp, key.data(), nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_get_iv_length(enc.get()) != static_cast<int>(kNonceSize)) {
      return UnitStatus::kBackendFailure;
    }
    enc_ = std::move(enc);
    dec_ = std::move(dec);
    return UnitStatus::kOk;
  }

  bool keyed() const noexcept override { return enc_ && dec_; }

  UnitStatus seal_checked(Bytes nonce, Bytes aad, Bytes plaintext,
                          MutableBytes out) noexcept override {
    EVP_CIPHER_CTX* ctx = enc_.get();
    int len = 0;
    int final_len = 0;
    bool ok =
        EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr) == 1 &&
        (aad.empty() ||
         EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1) &&
        (plaintext.empty() || EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(),
                                                static_cast<int>(plaintext.size())) == 1) &&
        EVP_EncryptFinal_ex(ctx, out.data() + (plaintext.empty() ? 0 : len), &final_len) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize),
                            out.data() + plaintext.size()) == 1;
    return ok ? UnitStatus::kOk : UnitStatus::kBackendFailure;
  }

  UnitStatus open_checked(Bytes nonce, Bytes aad, Bytes sealed,
                          MutableBytes out) noexcept override {
    EVP_CIPHER_CTX* ctx = dec_.get();
    const std::size_t body = sealed.size() - kTagSize;
    // The tag is copied out first: with in-place open, decrypting could clobber it otherwise.
    unsigned char tag[kTagSize];
    std::copy_n(sealed.data() + body, kTagSize, tag);
    int len = 0;
    int final_len = 0;
    bool setup =
        EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr) == 1 &&
        (aad.empty() ||
         EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1) &&
        (body == 0 ||
         EVP_DecryptUpdate(ctx, out.data(), &len, sealed.data(), static_cast<int>(body)) == 1) &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize), tag) == 1;
    if (!setup) return UnitStatus::kBackendFailure;
    if (EVP_DecryptFinal_ex(ctx, out.data() + (body == 0 ? 0 : len), &final_len) != 1) {
      return UnitStatus::kAuthFailed;
    }
    return UnitStatus::kOk;
  }

 private:
  UnitId id_;
  const char* algorithm_;
  CipherCtx enc_;
  CipherCtx dec_;
};

class CamelliaEtmUnit final : public CipherUnit {
 public:
  UnitId id() const noexcept override { return UnitId::kCamellia256CtrHmacSha256; }
  std::size_t key_size() const noexcept override { return 32 + EtmTag::kKeySize; }

  UnitStatus set_key(Bytes key) noexcept override {
    if (key.size() != key_size()) return UnitStatus::kBadKeySize;
    const EVP_CIPHER* evp = cipher("CAMELLIA-256-CTR");
    if (evp == nullptr) return UnitStatus::kBackendFailure;
    CipherCtx ctr(EVP_CIPHER_CTX_new());
    if (!ctr || EVP_EncryptInit_ex2(ctr.get(), evp, key.data(), nullptr, nullptr) != 1 ||
        !tag_.set_key(key.subspan(32))) {
      return UnitStatus::kBackendFailure;
    }
    ctr_ = std::move(ctr);
    return UnitStatus::kOk;
  }

  bool keyed() const noexcept override { return ctr_ && tag_.keyed(); }

  UnitStatus seal_checked(Bytes nonce, Bytes aad, Bytes plaintext,
                          MutableBytes out) noexcept override {
    MutableBytes ciphertext = out.first(plaintext.size());
    if (!xor_keystream(nonce, plaintext, ciphertext) ||
        !tag_.compute(nonce, aad, ciphertext, out.data() + plaintext.size())) {
      return UnitStatus::kBackendFailure;
    }
    return UnitStatus::kOk;
  }

  UnitStatus open_checked(Bytes nonce, Bytes aad, Bytes sealed,
                          MutableBytes out) noexcept override {
    Bytes ciphertext = sealed.first(out.size());
    // Encrypt-then-MAC: nothing is decrypted before the tag verifies.
    if (!tag_.verify(nonce, aad, ciphertext, sealed.data() + ciphertext.size())) {
      return UnitStatus::kAuthFailed;
    }
    return xor_keystream(nonce, ciphertext, out) ? UnitStatus::kOk : UnitStatus::kBackendFailure;
  }

 private:
  // The 16-byte counter block is nonce || 0^32: a packet never reaches 2^32 blocks, so
  // the counters of distinct nonces never meet.
  bool xor_keystream(Bytes nonce, Bytes in, MutableBytes out) noexcept {
    unsigned char iv[16] = {};
    std::copy_n(nonce.data(), kNonceSize, iv);
    int len = 0;
    return EVP_EncryptInit_ex2(ctr_.get(), nullptr, nullptr, iv, nullptr) == 1 &&
           (in.empty() || EVP_EncryptUpdate(ctr_.get(), out.data(), &len, in.data(),
                                            static_cast<int>(in.size())) == 1);
  }

  CipherCtx ctr_;
  EtmTag tag_;
};

}  // namespace

std::unique_ptr<CipherUnit> make_evp_aead_unit(UnitId id) {
  switch (id) {
    case UnitId::kAes256Gcm:
      return std::make_unique<EvpAeadUnit>(id, "AES-256-GCM");
    case UnitId::kChaCha20Poly1305:
      return std::make_unique<EvpAeadUnit>(id, "ChaCha20-Poly1305");
    case UnitId::kAes256Ocb:
      return std::make_unique<EvpAeadUnit>(id, "AES-256-OCB");
    default:
      return nullptr;
  }
}

std::unique_ptr<CipherUnit> make_camellia_etm_unit() {
  return std::make_unique<CamelliaEtmUnit>();
}

}  // namespace agentcast::crypto::detail
