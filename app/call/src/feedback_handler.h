#pragma once
// What a viewer tells the sender about its media: probes (where it receives), keyframe
// requests, receiver reports and path echoes. They arrive sealed on the media socket (the
// receive thread) or, from a receive-only agent that cannot seal, in `feedback` control
// messages (the control plane): both come here, and every one of them is dispatched by
// std::visit, so that a feedback type without a handler does not compile.

#include <cstdint>

#include "agentcast/net/feedback.h"
#include "agentcast/net/udp_socket.h"
#include "keyframe_throttle.h"
#include "roster.h"
#include "sender_stats.h"

namespace agentcast::app {

class FeedbackHandler {
 public:
  FeedbackHandler(Roster& roster, KeyframeThrottle& keyframes, net::UdpSocket& udp,
                  SenderCounters& counters)
      : roster_(roster), keyframes_(keyframes), udp_(udp), counters_(counters) {}

  // `from`: the datagram's source; empty when it came over the control channel.
  void handle(std::uint16_t slot, const net::Feedback& feedback, const net::Endpoint& from,
              std::int64_t now_us);
  // Challenges the address the viewer's hello names, until one is validated: the only way
  // a receive-only viewer's media find it. Control plane, every few hundred ms.
  void challenge_hello_address(std::uint16_t slot, std::int64_t now_us);

 private:
  void claim(std::uint16_t slot, const net::Endpoint& candidate, bool from_hello,
             std::int64_t now_us);

  Roster& roster_;
  KeyframeThrottle& keyframes_;
  net::UdpSocket& udp_;
  SenderCounters& counters_;
};

}  // namespace agentcast::app
