#include "etm_tag.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

namespace agentcast::crypto::detail {

bool EtmTag::set_key(Bytes key) noexcept {
  if (key.size() != kKeySize || hmac() == nullptr) return false;
  MacCtx ctx(EVP_MAC_CTX_new(hmac()));
  if (!ctx) return false;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) return false;
  ctx_ = std::move(ctx);
  return true;
}

bool EtmTag::compute(Bytes nonce, Bytes aad, Bytes ciphertext, std::uint8_t* tag) noexcept {
  if (!ctx_) return false;
  unsigned char aad_len[8];
  store_be64(aad_len, aad.size());
  unsigned char full[32];
  std::size_t full_len = 0;
  // A null key re-initialises with the key set in set_key(): no per-packet key schedule.
  bool ok = EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr) == 1 &&
            EVP_MAC_update(ctx_.get(), aad_len, sizeof aad_len) == 1 &&
            EVP_MAC_update(ctx_.get(), aad.data(), aad.size()) == 1 &&
            EVP_MAC_update(ctx_.get(), nonce.data(), nonce.size()) == 1 &&
            EVP_MAC_update(ctx_.get(), ciphertext.data(), ciphertext.size()) == 1 &&
            EVP_MAC_final(ctx_.get(), full, &full_len, sizeof full) == 1 && full_len == 32;
  if (ok) {
    for (std::size_t i = 0; i < kTagSize; ++i)
      tag[i] = full[i];
  }
  OPENSSL_cleanse(full, sizeof full);
  return ok;
}

bool EtmTag::verify(Bytes nonce, Bytes aad, Bytes ciphertext, const std::uint8_t* tag) noexcept {
  std::uint8_t expected[kTagSize];
  bool ok =
      compute(nonce, aad, ciphertext, expected) && CRYPTO_memcmp(expected, tag, kTagSize) == 0;
  OPENSSL_cleanse(expected, sizeof expected);
  return ok;
}

}  // namespace agentcast::crypto::detail
