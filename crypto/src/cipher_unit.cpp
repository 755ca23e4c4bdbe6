#include "agentcast/crypto/cipher_unit.h"

#include <openssl/crypto.h>

#include <climits>

namespace agentcast::crypto {
namespace {

// OpenSSL's EVP interfaces take int lengths.
bool fits_int(std::size_t n) noexcept {
  return n <= static_cast<std::size_t>(INT_MAX);
}

UnitStatus wipe_unless_ok(UnitStatus status, MutableBytes out) noexcept {
  if (status != UnitStatus::kOk) OPENSSL_cleanse(out.data(), out.size());
  return status;
}

}  // namespace

UnitStatus CipherUnit::seal(Bytes nonce, Bytes aad, Bytes plaintext, MutableBytes out) noexcept {
  UnitStatus status = UnitStatus::kOk;
  if (!keyed()) {
    status = UnitStatus::kNotKeyed;
  } else if (nonce.size() != kNonceSize) {
    status = UnitStatus::kBadNonceSize;
  } else if (out.size() != plaintext.size() + kTagSize || !fits_int(out.size()) ||
             !fits_int(aad.size())) {
    status = UnitStatus::kBadBufferSize;
  } else {
    status = seal_checked(nonce, aad, plaintext, out);
  }
  return wipe_unless_ok(status, out);
}

UnitStatus CipherUnit::open(Bytes nonce, Bytes aad, Bytes sealed, MutableBytes out) noexcept {
  UnitStatus status = UnitStatus::kOk;
  if (!keyed()) {
    status = UnitStatus::kNotKeyed;
  } else if (nonce.size() != kNonceSize) {
    status = UnitStatus::kBadNonceSize;
  } else if (sealed.size() < kTagSize || out.size() != sealed.size() - kTagSize ||
             !fits_int(sealed.size()) || !fits_int(aad.size())) {
    status = UnitStatus::kBadBufferSize;
  } else {
    status = open_checked(nonce, aad, sealed, out);
  }
  return wipe_unless_ok(status, out);
}

}  // namespace agentcast::crypto
