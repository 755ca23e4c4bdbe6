#pragma once
// What both agents of a session agree on (patent Fig. 4A: the sender hands these to the
// shipped agent before media flows). The host fills it; the agent plugin gets it through
// the C ABI (plugin_abi.h) and builds its sections from it.

#include <cstddef>
#include <cstdint>
#include <map>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/secret.h"
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/section_config.h"
#include "agentcast/net/sending_section.h"

namespace agentcast::agent {

enum class Role : std::uint8_t { kSender, kViewer };

struct SessionParams {
  crypto::SessionId session_id{};
  crypto::Secret initial_seed;
  crypto::UnitSet units = crypto::UnitSet::standard();
  net::SeedMode seed_mode = net::SeedMode::kSynchronized;
  net::SelectMode select_mode = net::SelectMode::kSynchronized;
  std::uint64_t packets_per_epoch = std::uint64_t{1} << 20;
  std::size_t mtu = net::kDefaultMtu;

  // A new session: id and initial seed from the OS CSPRNG (never from the clock, as the
  // patent's Fig. 11 did). Throws std::runtime_error if the CSPRNG fails.
  static SessionParams generate(bool insecure_reference_units = false);
};

// What a viewer joining a running session needs of one outgoing stream.
struct StreamJoinState {
  std::uint32_t epoch = 0;
  crypto::Secret seed;
};

struct AgentStats {
  std::map<std::uint16_t, net::SendingStats> sending;      // by stream id
  std::map<std::uint16_t, net::ReceivingStats> receiving;  // by stream id
  std::map<std::uint16_t, std::uint32_t> current_epoch;    // by stream id, either direction
  std::uint64_t packets_for_unknown_streams = 0;
};

}  // namespace agentcast::agent
