// Names and lists of the cipher units, apart from the units themselves: the apps print
// and list units without linking any cipher code (the agents hold that).
#include <array>

#include "agentcast/crypto/cipher_unit.h"

namespace agentcast::crypto {

namespace {
constexpr std::array kModernUnits = {UnitId::kAes256Gcm, UnitId::kChaCha20Poly1305,
                                     UnitId::kAes256Ocb, UnitId::kCamellia256CtrHmacSha256};
constexpr std::array kReferenceUnits = {UnitId::kReferenceLfsr, UnitId::kReferenceLfsrXor,
                                        UnitId::kReferenceLfsrSwitched};
}  // namespace

std::string_view to_string(UnitStatus status) noexcept {
  switch (status) {
    case UnitStatus::kOk:
      return "ok";
    case UnitStatus::kBadKeySize:
      return "bad key size";
    case UnitStatus::kBadNonceSize:
      return "bad nonce size";
    case UnitStatus::kBadBufferSize:
      return "bad buffer size";
    case UnitStatus::kNotKeyed:
      return "unit not keyed";
    case UnitStatus::kAuthFailed:
      return "authentication failed";
    case UnitStatus::kBackendFailure:
      return "OpenSSL failure";
  }
  return "unknown";
}

std::string_view unit_name(UnitId id) noexcept {
  switch (id) {
    case UnitId::kAes256Gcm:
      return "aes-256-gcm";
    case UnitId::kChaCha20Poly1305:
      return "chacha20-poly1305";
    case UnitId::kAes256Ocb:
      return "aes-256-ocb";
    case UnitId::kCamellia256CtrHmacSha256:
      return "camellia-256-ctr-hmac-sha256";
    case UnitId::kReferenceLfsr:
      return "insecure-reference-lfsr";
    case UnitId::kReferenceLfsrXor:
      return "insecure-reference-lfsr-xor";
    case UnitId::kReferenceLfsrSwitched:
      return "insecure-reference-lfsr-switched";
  }
  return "";
}

bool is_reference_unit(UnitId id) noexcept {
  return static_cast<std::uint8_t>(id) >= 0x80;
}

std::span<const UnitId> modern_units() noexcept {
  return kModernUnits;
}
std::span<const UnitId> reference_units() noexcept {
  return kReferenceUnits;
}

}  // namespace agentcast::crypto
