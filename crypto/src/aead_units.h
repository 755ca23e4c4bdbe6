#pragma once
// Factories for the modern units; private to crypto/.

#include <memory>

#include "agentcast/crypto/cipher_unit.h"

namespace agentcast::crypto::detail {

// AES-256-GCM, ChaCha20-Poly1305, AES-256-OCB: one-pass AEADs with a 16-byte tag.
std::unique_ptr<CipherUnit> make_evp_aead_unit(UnitId id);
// Camellia-256-CTR then HMAC-SHA-256 (encrypt-then-MAC), so a hop can leave the AES family.
std::unique_ptr<CipherUnit> make_camellia_etm_unit();

}  // namespace agentcast::crypto::detail
