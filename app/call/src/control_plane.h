#pragma once
// The control plane: one thread that serves every admitted viewer's control connection
// without waiting on any of them. It admits the viewers the greeter hands over (session
// parameters, instructions, pending seeds), sends seeds and instructions to all, and reads
// what they send. Every connection is non-blocking with bounded input and output, a
// message budget per turn and per second, and deadlines for a message begun, for output
// the peer does not read, and for silence: a frozen, slow, half-open or flooding viewer
// costs only its own session, which ends with a reason (SessionEnd) that the statistics
// and the log show. Nothing here holds the roster's lock across I/O.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <vector>

#include "admission.h"
#include "agentcast/call/seed_distribution.h"
#include "agentcast/call/session_agent.h"
#include "agentcast/net/control_messages.h"
#include "back_call.h"
#include "control_limits.h"
#include "feedback_handler.h"
#include "greeter.h"
#include "keyframe_throttle.h"
#include "roster.h"
#include "sender_stats.h"

namespace agentcast::app {

class ControlPlane {
 public:
  struct Parts {
    SessionAgent& agent;
    const std::vector<net::StreamDescription>& streams;
    SeedDistributor& seeds;
    Roster& roster;
    BackCalls& back;
    KeyframeThrottle& keyframes;
    FeedbackHandler& feedback;
    const Admission& admission;
    const ControlLimits& limits;
    SenderCounters& counters;
  };
  explicit ControlPlane(Parts parts);
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // From the greeter's thread: a viewer whose agent is ready. Wakes the control plane.
  void hand_over(GreetedViewer viewer);
  // Any thread, returns at once: the host removes the viewer in `slot`. On its next turn
  // the control plane ends its session (`removed`, and a bye saying so), which drops its
  // media route, and re-keys every stream for those who remain.
  void remove(std::uint16_t slot);

  // How long a re-key's seed has to reach the remaining viewers before the streams use
  // it: at least kRekeyGraceMinUs, then as soon as every remaining viewer's control
  // output has gone out, and at most kRekeyGraceMaxUs (a viewer that reads slowly loses
  // the packets between, not the others).
  static constexpr std::int64_t kRekeyGraceMinUs = 100'000;
  static constexpr std::int64_t kRekeyGraceMaxUs = 1'000'000;
  // The control thread's loop, until `stop`; then every viewer is told the sender stopped.
  void run(std::stop_token stop);

 private:
  struct Session;
  void admit(GreetedViewer greeted, std::int64_t now);
  net::SessionMessage session_for(std::uint16_t slot, bool send_back,
                                  const crypto::Secret& seed) const;
  void refuse(net::TlsConnection& connection, Refusal refusal, const std::string& reason);
  void distribute_seeds();
  std::vector<net::InstructionsMessage> instructions_from(std::uint64_t first_block) const;
  void post_instructions();
  void serve(Session& session, std::int64_t now);
  void dispatch(Session& session, net::ControlMessage& message, std::int64_t now);
  void check_deadlines(Session& session, std::int64_t now);
  void answer_seed_request(Session& session, const net::SeedRequestMessage& request,
                           std::int64_t now);
  void end(Session& session, SessionEnd reason, const std::string& detail);
  void remove_viewers(std::vector<std::uint16_t> chosen, std::int64_t now);
  void stage_rekey(std::int64_t now);
  void commit_rekey_when_delivered(std::int64_t now);
  void broadcast(const net::ControlMessage& message);

  Parts p_;
  int wake_[2] = {-1, -1};  // a pipe: hand_over() writes a byte
  std::mutex handed_mutex_;
  std::vector<GreetedViewer> handed_;    // guarded by handed_mutex_
  std::vector<std::uint16_t> removals_;  // guarded by handed_mutex_
  std::int64_t rekey_staged_us_ = 0;     // 0: no re-key waits for its commit
  bool rekey_after_leave_ = false;       // a viewer left: re-key once none is staged
  std::map<std::uint16_t, std::unique_ptr<Session>> sessions_;
  std::map<std::uint16_t, std::uint64_t> instructed_through_;  // stream → last block posted
};

}  // namespace agentcast::app
