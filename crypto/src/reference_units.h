#pragma once
// The patent's reference units (Figs. 10A-10C); private to crypto/. INSECURE: LFSR
// keystreams are linear and recoverable from a few dozen bits. They keep the patent's
// cipher selectable for comparison only, behind ReferenceUnits::kAllowInsecure.
//
// Each unit XORs an LFSR keystream with the data and appends an HMAC-SHA-256 tag
// (EtmTag), so even a reference unit never decrypts a forged or bit-flipped packet.
// Key (64 bytes): [0, 32) the tag key, [32, 64) the LFSR seed key. Per nonce, the
// registers' initial states come from HMAC-SHA-256(seed key, kLfsrStateLabel || nonce),
// two big-endian bytes per register, mapped to a nonzero state by Lfsr::state_from_seed.

#include <memory>
#include <string_view>

#include "agentcast/crypto/cipher_unit.h"

namespace agentcast::crypto::detail {

inline constexpr std::size_t kReferenceUnitKeySize = 64;
inline constexpr std::string_view kLfsrStateLabel = "agentcast/v1/lfsr-state";

// An unkeyed unit for kReferenceLfsr (10A: one 13-stage register), kReferenceLfsrXor
// (10B: 12- and 13-stage registers XORed) or kReferenceLfsrSwitched (10C: an 11-stage
// register switching between 12- and 13-stage ones); nullptr for any other id.
std::unique_ptr<CipherUnit> make_reference_unit(UnitId id);

}  // namespace agentcast::crypto::detail
