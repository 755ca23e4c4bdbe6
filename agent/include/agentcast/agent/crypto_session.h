#pragma once
// The cryptographic processing section of a trusted agent (patent Fig. 5-7): one session's
// shared secret and settings, from which it builds the sending and receiving sections of
// every stream in either direction. Both agents of a session hold equal SessionParams.

#include <cstdint>
#include <memory>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/secret.h"
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/sending_section.h"

namespace agentcast::agent {

struct SessionParams {
  crypto::SessionId session_id{};
  crypto::Secret initial_seed;
  crypto::UnitSet units = crypto::UnitSet::standard();
  net::SeedMode seed_mode = net::SeedMode::kSynchronized;
  std::uint64_t packets_per_epoch = std::uint64_t{1} << 20;
  std::size_t mtu = net::kDefaultMtu;

  // A new session: id and initial seed from the OS CSPRNG (never from the clock, as the
  // patent's Fig. 11 did). Throws std::runtime_error if the CSPRNG fails.
  static SessionParams generate(bool insecure_reference_units = false);
};

class CryptoSession {
 public:
  // Throws std::invalid_argument naming a bad setting.
  explicit CryptoSession(SessionParams params);

  std::unique_ptr<net::SendingSection> sending_section(crypto::Direction direction,
                                                       std::uint16_t stream_id,
                                                       net::MediaKind kind) const;
  std::unique_ptr<net::ReceivingSection> receiving_section(crypto::Direction direction,
                                                           std::uint16_t stream_id,
                                                           net::MediaKind kind) const;
  // A receiving section that starts at a running stream's `epoch`, whose seed is `seed`.
  std::unique_ptr<net::ReceivingSection> receiving_section(crypto::Direction direction,
                                                           std::uint16_t stream_id,
                                                           net::MediaKind kind, std::uint32_t epoch,
                                                           const crypto::Secret& seed) const;

  const SessionParams& params() const noexcept { return params_; }

 private:
  net::SendingConfig config_for(crypto::Direction direction, std::uint16_t stream_id,
                                net::MediaKind kind) const;

  SessionParams params_;
};

}  // namespace agentcast::agent
