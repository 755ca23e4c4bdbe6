// The non-template part of FrameBuffer: checking its capacity.

#include "agentcast/media/frame_buffer.h"

#include <stdexcept>

namespace agentcast::media::detail {

std::size_t checked_frame_capacity(std::size_t capacity) {
  if (capacity == 0) throw std::invalid_argument("FrameBuffer: capacity must be at least 1");
  return capacity;
}

}  // namespace agentcast::media::detail
