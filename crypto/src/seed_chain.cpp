#include "agentcast/crypto/seed_chain.h"

#include <limits>

#include "agentcast/crypto/key_schedule.h"

namespace agentcast::crypto {

bool SeedChain::advance() noexcept {
  if (epoch_ == std::numeric_limits<std::uint32_t>::max()) return false;
  Secret next;
  if (!derive_next_seed(seed_, next)) return false;
  seed_ = std::move(next);  // the assignment wipes the old seed first
  ++epoch_;
  return true;
}

}  // namespace agentcast::crypto
