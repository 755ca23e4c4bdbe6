#pragma once
// Who may join, judged from a hello: the sender's options (a broadcast, --max-viewers)
// and the call's state (whether a viewer is already sending back). Asked twice: by the
// greeter before any agent byte is sent, and by the control plane when it admits, since
// the call may have changed in between.

#include <optional>
#include <string>

#include "agentcast/agent/agent_shelf.h"
#include "agentcast/net/control_messages.h"
#include "back_call.h"
#include "control_limits.h"
#include "roster.h"

namespace agentcast::app {

struct AdmissionDecision {
  std::optional<Refusal> refusal;  // empty: welcome
  std::string reason;              // for the viewer and the log, when refused
  agent::AgentKind kind = agent::AgentKind::kFull;
  bool send_back = false;  // it sends its camera and microphone back
};

class Admission {
 public:
  Admission(bool broadcast, int max_viewers, const Roster& roster, const BackCalls& back)
      : broadcast_(broadcast), max_viewers_(max_viewers), roster_(roster), back_(back) {}

  AdmissionDecision judge(const net::HelloMessage& hello) const;
  int max_viewers() const noexcept { return max_viewers_; }

 private:
  const bool broadcast_;
  const int max_viewers_;
  const Roster& roster_;
  const BackCalls& back_;
};

}  // namespace agentcast::app
