#pragma once
// The cryptographic processing section of a trusted agent (patent Fig. 5-7): one session's
// shared secret and settings, from which it builds the sending and receiving sections of
// every stream in either direction. Both agents of a session hold equal SessionParams.

#include <cstdint>
#include <memory>

#include "agentcast/agent/session_params.h"
#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/secret.h"
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/sending_section.h"

namespace agentcast::agent {

class CryptoSession {
 public:
  // Throws std::invalid_argument naming a bad setting.
  explicit CryptoSession(SessionParams params);

  // Not in a receive-only agent (AGENTCAST_AGENT_RECEIVE_ONLY): it has no sending section.
  std::unique_ptr<net::SendingSection> sending_section(crypto::Direction direction,
                                                       std::uint16_t stream_id,
                                                       net::MediaKind kind) const;
  std::unique_ptr<net::ReceivingSection> receiving_section(crypto::Direction direction,
                                                           std::uint16_t stream_id,
                                                           net::MediaKind kind) const;
  // A receiving section that starts at a running stream's `epoch`, whose seed is `seed`,
  // and refuses packets numbered below `first_sequence`.
  std::unique_ptr<net::ReceivingSection> receiving_section(crypto::Direction direction,
                                                           std::uint16_t stream_id,
                                                           net::MediaKind kind, std::uint32_t epoch,
                                                           const crypto::Secret& seed,
                                                           std::uint64_t first_sequence) const;

  const SessionParams& params() const noexcept { return params_; }

 private:
  crypto::Secret origin_key() const;
  net::SendingConfig config_for(crypto::Direction direction, std::uint16_t stream_id,
                                net::MediaKind kind) const;

  SessionParams params_;
};

}  // namespace agentcast::agent
