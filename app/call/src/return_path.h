#pragma once
// The sender's receive thread: everything viewers send to the media socket. Sealed
// feedback goes to the FeedbackHandler; in a two-way call, the back streams go to the
// current back call's pipeline, which this thread also pumps and publishes.

#include <stop_token>

#include "agentcast/call/session_agent.h"
#include "agentcast/net/udp_socket.h"
#include "back_call.h"
#include "feedback_handler.h"
#include "sender_stats.h"

namespace agentcast::app {

class ReturnPath {
 public:
  ReturnPath(SessionAgent& agent, net::UdpSocket& udp, FeedbackHandler& feedback, BackCalls& back,
             SenderCounters& counters)
      : agent_(agent), udp_(udp), feedback_(feedback), back_(back), counters_(counters) {}

  void run(std::stop_token stop);

 private:
  SessionAgent& agent_;
  net::UdpSocket& udp_;
  FeedbackHandler& feedback_;
  BackCalls& back_;
  SenderCounters& counters_;
};

}  // namespace agentcast::app
