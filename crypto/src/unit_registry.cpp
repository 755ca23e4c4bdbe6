#include "aead_units.h"
#include "agentcast/crypto/cipher_unit.h"
#include "reference_units.h"

namespace agentcast::crypto {

std::unique_ptr<CipherUnit> make_unit(UnitId id, ReferenceUnits policy) {
  if (is_reference_unit(id)) {
    if (policy != ReferenceUnits::kAllowInsecure) return nullptr;
    return detail::make_reference_unit(id);
  }
  if (id == UnitId::kCamellia256CtrHmacSha256) return detail::make_camellia_etm_unit();
  return detail::make_evp_aead_unit(id);
}

}  // namespace agentcast::crypto
