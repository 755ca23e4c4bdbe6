// The non-template part of SpscRing: choosing its capacity.

#include "agentcast/media/spsc_ring.h"

#include <bit>
#include <limits>
#include <stdexcept>

namespace agentcast::media::detail {

std::size_t ring_capacity_for(std::size_t requested) {
  if (requested == 0) throw std::invalid_argument("SpscRing: capacity must be at least 1");
  constexpr std::size_t kLargest = std::size_t{1} << (std::numeric_limits<std::size_t>::digits - 1);
  if (requested > kLargest) throw std::length_error("SpscRing: capacity too large");
  return std::bit_ceil(requested);
}

}  // namespace agentcast::media::detail
