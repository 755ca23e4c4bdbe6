#include "agentcast/crypto/key_schedule.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>
#include <string_view>

namespace agentcast::crypto {
namespace {

constexpr std::string_view kNextSeedLabel = "agentcast/v1/next-seed";
constexpr std::string_view kUnitKeyLabel = "agentcast/v1/unit-key";
constexpr std::string_view kSelectionLabel = "agentcast/v1/selection";
constexpr std::string_view kOriginLabel = "agentcast/v1/origin";

struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const noexcept { EVP_KDF_CTX_free(ctx); }
};

EVP_KDF* hkdf() noexcept {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

// info = label || 0x00 || context; at most 64 bytes, which every caller fits.
class Info {
 public:
  explicit Info(std::string_view label) noexcept {
    for (char c : label)
      put(static_cast<std::uint8_t>(c));
    put(0);
  }
  void put(std::uint8_t b) noexcept {
    if (size_ < bytes_.size()) bytes_[size_++] = b;
  }
  void put_be16(std::uint16_t v) noexcept {
    put(static_cast<std::uint8_t>(v >> 8));
    put(static_cast<std::uint8_t>(v));
  }
  void put_be32(std::uint32_t v) noexcept {
    put_be16(static_cast<std::uint16_t>(v >> 16));
    put_be16(static_cast<std::uint16_t>(v));
  }
  void put_stream(const StreamLabel& label, std::uint32_t epoch) noexcept {
    put(static_cast<std::uint8_t>(label.direction));
    put_be16(label.stream_id);
    put_be32(epoch);
  }
  Bytes bytes() const noexcept { return {bytes_.data(), size_}; }

 private:
  std::array<std::uint8_t, 64> bytes_{};
  std::size_t size_ = 0;
};

// HKDF-SHA-256 (RFC 5869), extract then expand.
bool hkdf_sha256(Bytes ikm, Bytes salt, Bytes info, std::size_t length, Secret& out) noexcept {
  if (hkdf() == nullptr || ikm.empty() || length == 0 || length > kMaxSecretSize) return false;
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(hkdf()));
  if (!ctx) return false;
  char digest[] = "SHA256";
  auto octets = [](const char* name, Bytes bytes) {
    return OSSL_PARAM_construct_octet_string(name, const_cast<std::uint8_t*>(bytes.data()),
                                             bytes.size());
  };
  // An empty salt is left out: HKDF then uses HashLen zero bytes (RFC 5869 §2.2).
  OSSL_PARAM params[6];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = octets(OSSL_KDF_PARAM_KEY, ikm);
  if (!salt.empty()) params[n++] = octets(OSSL_KDF_PARAM_SALT, salt);
  params[n++] = octets(OSSL_KDF_PARAM_INFO, info);
  params[n] = OSSL_PARAM_construct_end();
  MutableBytes dest = out.writable(length);
  if (EVP_KDF_derive(ctx.get(), dest.data(), dest.size(), params) != 1) {
    out.wipe();
    return false;
  }
  return true;
}

}  // namespace

SessionId random_session_id() {
  SessionId id{};
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
    throw std::runtime_error("the OS random number generator (RAND_bytes) failed");
  }
  return id;
}

bool derive_next_seed(const Secret& seed, Secret& next) noexcept {
  Info info(kNextSeedLabel);
  return hkdf_sha256(seed.bytes(), {}, info.bytes(), kSeedSize, next);
}

bool derive_unit_key(const Secret& epoch_seed, const StreamLabel& label, std::uint32_t epoch,
                     UnitId unit, std::size_t key_size, Secret& key) noexcept {
  Info info(kUnitKeyLabel);
  info.put_stream(label, epoch);
  info.put(static_cast<std::uint8_t>(unit));
  return hkdf_sha256(epoch_seed.bytes(), label.session, info.bytes(), key_size, key);
}

bool derive_selection_key(const Secret& epoch_seed, const StreamLabel& label, std::uint32_t epoch,
                          Secret& key) noexcept {
  Info info(kSelectionLabel);
  info.put_stream(label, epoch);
  return hkdf_sha256(epoch_seed.bytes(), label.session, info.bytes(), 32, key);
}

bool derive_origin_key(const Secret& viewer_seed, const SessionId& session, Secret& key) noexcept {
  Info info(kOriginLabel);
  return hkdf_sha256(viewer_seed.bytes(), session, info.bytes(), 32, key);
}

Nonce nonce_for_sequence(std::uint64_t sequence) noexcept {
  Nonce nonce{};
  for (int i = 0; i < 6; ++i) {
    nonce[11 - i] = static_cast<std::uint8_t>(sequence >> (8 * i));
  }
  return nonce;
}

}  // namespace agentcast::crypto
