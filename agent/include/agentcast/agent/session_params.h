#pragma once
// What a host and its agent share about a session: the parameters both agents agree on
// (net/session_params.h), the role, where a joining viewer starts, and the figures.

#include <cstddef>
#include <cstdint>
#include <map>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/secret.h"
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/section_config.h"
#include "agentcast/net/sending_section.h"
#include "agentcast/net/session_params.h"

namespace agentcast::agent {

enum class Role : std::uint8_t { kSender, kViewer };

// The session parameters are net/'s, so that the control message carries the same type.
using SessionParams = net::SessionParams;

// What a viewer joining a running session needs of one outgoing stream.
struct StreamJoinState {
  std::uint32_t epoch = 0;
  crypto::Secret seed;
  // The stream's next sequence number when the state was taken: nothing numbered below it
  // is accepted by the joiner.
  std::uint64_t first_sequence = 0;
};

struct AgentStats {
  std::map<std::uint16_t, net::SendingStats> sending;      // by stream id
  std::map<std::uint16_t, net::ReceivingStats> receiving;  // by stream id
  std::map<std::uint16_t, std::uint32_t> current_epoch;    // by stream id, either direction
  std::uint64_t packets_for_unknown_streams = 0;
};

}  // namespace agentcast::agent
