#pragma once
// What a sending and a receiving section of the same stream must agree on.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/origin_tag.h"
#include "agentcast/net/packet.h"

namespace agentcast::net {

// Fig. 17 (both ends derive each epoch seed) or Fig. 15 (the seed generating section
// hands out each next seed ahead of use).
enum class SeedMode : std::uint8_t { kSynchronized, kDistributed };

// Fig. 6 (both ends run the epoch's selection schedule) or Fig. 5 and claims 3-4 (only
// the sending section runs selection control; the receiver follows the instructions the
// sender posts ahead of use, see docs/PROTOCOL.md "Instructed selection").
enum class SelectMode : std::uint8_t { kSynchronized, kInstructed };

struct SectionConfig {
  crypto::StreamLabel label;
  MediaKind kind = MediaKind::kVideo;
  crypto::UnitSet units = crypto::UnitSet::standard();
  SeedMode seed_mode = SeedMode::kSynchronized;
  SelectMode select_mode = SelectMode::kSynchronized;
  std::size_t mtu = kDefaultMtu;  // largest packet on the wire, header and tag included
  // The epoch that the seed given to the constructor belongs to: 0 for a new session, the
  // current epoch for a viewer that joins a running one.
  std::uint32_t first_epoch = 0;
  // The stream's first sequence number: where a sender starts numbering, and for a viewer
  // that joins a running stream, the sender's next number at the join. A receiver refuses
  // every packet numbered below it, so nothing sealed before the join can be replayed to
  // a late joiner.
  std::uint64_t first_sequence = 0;
  // Origin authentication (crypto/origin_tag.h, docs/PROTOCOL.md §13): the stream's
  // packets carry kOriginTaggedFlag and room for an origin tag after the AEAD tag. The
  // sender seals once and tags each viewer's copy under that viewer's key; a receiver
  // refuses every packet without a tag that verifies under `origin_key`.
  bool origin_tagged = false;
  std::optional<crypto::Secret> origin_key;  // receiving side of an origin-tagged stream

  // Bytes of a packet that are not payload: header, AEAD tag and any origin tag.
  std::size_t overhead() const noexcept {
    return kPacketOverhead + (origin_tagged ? crypto::kOriginTagSize : 0);
  }

  // Throws std::invalid_argument with a message naming the bad setting.
  void validate() const;
};

}  // namespace agentcast::net
