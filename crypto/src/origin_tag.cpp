#include "agentcast/crypto/origin_tag.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include <new>

#include "openssl_util.h"

namespace agentcast::crypto {

struct OriginTag::Mac {
  detail::MacCtx ctx;
};

OriginTag::OriginTag(const Secret& key) noexcept {
  if (key.size() != 32 || detail::hmac() == nullptr) return;
  detail::MacCtx ctx(EVP_MAC_CTX_new(detail::hmac()));
  if (!ctx) return;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), key.bytes().data(), key.size(), params) != 1) return;
  mac_ = std::unique_ptr<Mac>(new (std::nothrow) Mac{std::move(ctx)});
}

OriginTag::~OriginTag() = default;
OriginTag::OriginTag(OriginTag&&) noexcept = default;
OriginTag& OriginTag::operator=(OriginTag&&) noexcept = default;

bool OriginTag::keyed() const noexcept {
  return mac_ != nullptr;
}

bool OriginTag::compute(Bytes packet, OriginTagBytes& tag) noexcept {
  if (!mac_) return false;
  unsigned char full[32];
  std::size_t full_len = 0;
  // A null key re-initialises with the key given at construction: no per-packet key setup.
  const bool ok = EVP_MAC_init(mac_->ctx.get(), nullptr, 0, nullptr) == 1 &&
                  EVP_MAC_update(mac_->ctx.get(), packet.data(), packet.size()) == 1 &&
                  EVP_MAC_final(mac_->ctx.get(), full, &full_len, sizeof full) == 1 &&
                  full_len == sizeof full;
  if (ok) {
    for (std::size_t i = 0; i < kOriginTagSize; ++i)
      tag[i] = full[i];
  }
  OPENSSL_cleanse(full, sizeof full);
  return ok;
}

bool OriginTag::verify(Bytes packet, Bytes tag) noexcept {
  OriginTagBytes expected{};
  const bool ok = tag.size() == kOriginTagSize && compute(packet, expected) &&
                  CRYPTO_memcmp(expected.data(), tag.data(), kOriginTagSize) == 0;
  OPENSSL_cleanse(expected.data(), expected.size());
  return ok;
}

}  // namespace agentcast::crypto
