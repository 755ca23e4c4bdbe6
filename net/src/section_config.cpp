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
  if (label.direction != crypto::Direction::kSenderToViewer &&
      label.direction != crypto::Direction::kViewerToSender) {
    throw std::invalid_argument("unknown stream direction");
  }
}

}  // namespace agentcast::net
