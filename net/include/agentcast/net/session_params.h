#pragma once
// What both agents of a session agree on (patent Fig. 4A: the sender hands these to the
// shipped agent before media flows). One type from end to end: the sender generates it,
// the `session` control message carries it (with the viewer's own initial seed), the
// viewer hands it to its agent, and the agent plugin gets it through the C ABI.

#include <cstddef>
#include <cstdint>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/secret.h"
#include "agentcast/net/packet.h"
#include "agentcast/net/section_config.h"

namespace agentcast::net {

struct SessionParams {
  crypto::SessionId session_id{};
  // The sender's own streams derive from the sender's initial seed; the copy a viewer
  // receives carries that viewer's own seed instead (its feedback and back streams), so no
  // viewer learns the sender's or another viewer's keys.
  crypto::Secret initial_seed;
  crypto::UnitSet units = crypto::UnitSet::standard();
  SeedMode seed_mode = SeedMode::kSynchronized;
  SelectMode select_mode = SelectMode::kSynchronized;
  std::uint64_t packets_per_epoch = std::uint64_t{1} << 20;
  std::size_t mtu = kDefaultMtu;
  // Origin authentication on the sender's streams (DESIGN.md rule 11, docs/PROTOCOL.md
  // §13): each viewer's copy of a packet carries a tag under an origin key derived from
  // that viewer's own initial seed, and a viewer's agent refuses packets without it.
  bool origin_tags = false;

  // A new session: id and initial seed from the OS CSPRNG (never from the clock, as the
  // patent's Fig. 11 did). Throws std::runtime_error if the CSPRNG fails.
  static SessionParams generate(bool insecure_reference_units = false);
};

}  // namespace agentcast::net
