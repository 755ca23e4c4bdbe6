#pragma once
// Cryptographic processing units (patent Fig. 5, 7A): one narrow interface, several
// implementations, so that the agents can hop between cipher families packet by packet.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "agentcast/crypto/secret.h"

namespace agentcast::crypto {

inline constexpr std::size_t kTagSize = 16;
inline constexpr std::size_t kNonceSize = 12;

// Stable identifiers: they appear in session parameters and in key-derivation labels.
// Never renumber; values >= 0x80 are the patent's insecure reference units.
enum class UnitId : std::uint8_t {
  kAes256Gcm = 0x01,
  kChaCha20Poly1305 = 0x02,
  kAes256Ocb = 0x03,
  kCamellia256CtrHmacSha256 = 0x04,
  kReferenceLfsr = 0x81,          // Fig. 10A: one LFSR (Fig. 8)
  kReferenceLfsrXor = 0x82,       // Fig. 10B: XOR of two LFSRs
  kReferenceLfsrSwitched = 0x83,  // Fig. 10C: a third LFSR switches between two
};

enum class UnitStatus : std::uint8_t {
  kOk,
  kBadKeySize,
  kBadNonceSize,
  kBadBufferSize,
  kNotKeyed,
  kAuthFailed,
  kBackendFailure,
};

// Reference units are built only when the caller says so explicitly.
enum class ReferenceUnits : std::uint8_t { kRefuse, kAllowInsecure };

std::string_view to_string(UnitStatus status) noexcept;
std::string_view unit_name(UnitId id) noexcept;  // "" for an unknown id
bool is_reference_unit(UnitId id) noexcept;

class CipherUnit {
 public:
  virtual ~CipherUnit() = default;
  CipherUnit() = default;
  CipherUnit(const CipherUnit&) = delete;
  CipherUnit& operator=(const CipherUnit&) = delete;

  virtual UnitId id() const noexcept = 0;
  std::string_view name() const noexcept { return unit_name(id()); }
  virtual std::size_t key_size() const noexcept = 0;
  static constexpr std::size_t nonce_size() noexcept { return kNonceSize; }
  static constexpr std::size_t tag_size() noexcept { return kTagSize; }

  // Keys the unit. Cipher contexts are prepared here, once, so that seal and open
  // neither fetch algorithms nor allocate.
  virtual UnitStatus set_key(Bytes key) noexcept = 0;

  // out = ciphertext || tag; out.size() must equal plaintext.size() + kTagSize.
  // `out` may start at the same address as `plaintext` (in place), never partly overlap it.
  // On any failure `out` is zeroed.
  UnitStatus seal(Bytes nonce, Bytes aad, Bytes plaintext, MutableBytes out) noexcept;

  // sealed = ciphertext || tag; out.size() must equal sealed.size() - kTagSize.
  // On any failure `out` is zeroed, so unauthenticated plaintext never escapes.
  UnitStatus open(Bytes nonce, Bytes aad, Bytes sealed, MutableBytes out) noexcept;

 protected:
  virtual bool keyed() const noexcept = 0;
  // Called by seal()/open() once the unit is keyed, the nonce is kNonceSize bytes, the
  // sizes agree and every length fits in an int; seal()/open() wipe `out` on failure.
  virtual UnitStatus seal_checked(Bytes nonce, Bytes aad, Bytes plaintext,
                                  MutableBytes out) noexcept = 0;
  virtual UnitStatus open_checked(Bytes nonce, Bytes aad, Bytes sealed,
                                  MutableBytes out) noexcept = 0;
};

// An unkeyed unit, or nullptr when the id is unknown or is a reference unit that
// `policy` does not allow.
std::unique_ptr<CipherUnit> make_unit(UnitId id, ReferenceUnits policy = ReferenceUnits::kRefuse);

// The modern AEAD units, in their canonical order.
std::span<const UnitId> modern_units() noexcept;
// The patent's reference units (insecure).
std::span<const UnitId> reference_units() noexcept;

}  // namespace agentcast::crypto
