#include "agentcast/net/section_config.h"

#include <stdexcept>
#include <string>

namespace agentcast::net {

void SectionConfig::validate() const {
  units.validate();
  if (mtu < kMinMtu || mtu > kMaxMtu) {
    throw std::invalid_argument("MTU " + std::to_string(mtu) + " is outside [" +
                                std::to_string(kMinMtu) + ", " + std::to_string(kMaxMtu) + "]");
  }
  if (mtu <= overhead()) {
    throw std::invalid_argument("MTU " + std::to_string(mtu) + " leaves no room for a payload");
  }
  // Both modes come from outside (session parameters, the agent ABI) as plain integers.
  if (seed_mode != SeedMode::kSynchronized && seed_mode != SeedMode::kDistributed) {
    throw std::invalid_argument("unknown seed mode " +
                                std::to_string(static_cast<unsigned>(seed_mode)));
  }
  if (select_mode != SelectMode::kSynchronized && select_mode != SelectMode::kInstructed) {
    throw std::invalid_argument("unknown selection mode " +
                                std::to_string(static_cast<unsigned>(select_mode)));
  }
  if (label.direction != crypto::Direction::kSenderToViewer &&
      label.direction != crypto::Direction::kViewerToSender) {
    throw std::invalid_argument("unknown stream direction");
  }
}

}  // namespace agentcast::net
