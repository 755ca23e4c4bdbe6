#pragma once
// Small RAII and lookup helpers over OpenSSL 3 EVP; private to crypto/.

#include <openssl/evp.h>

#include <memory>

namespace agentcast::crypto::detail {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;

// Algorithms are fetched once per process and kept: an implicit fetch on every
// init would dominate the cost of a 1200-byte packet.
const EVP_CIPHER* cipher(const char* name) noexcept;  // nullptr if the provider lacks it
EVP_MAC* hmac() noexcept;

// The length prefix of associated data in MAC inputs, so (aad, ciphertext) splits are unambiguous.
inline void store_be64(unsigned char* out, unsigned long long v) noexcept {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
}

}  // namespace agentcast::crypto::detail
