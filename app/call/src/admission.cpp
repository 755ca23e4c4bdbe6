#include "admission.h"

namespace agentcast::app {

AdmissionDecision Admission::judge(const net::HelloMessage& hello) const {
  AdmissionDecision decision;
  auto refuse = [&](Refusal refusal, std::string reason) {
    decision.refusal = refusal;
    decision.reason = std::move(reason);
    return decision;
  };
  if (hello.protocol != net::kControlProtocol) {
    return refuse(Refusal::kUnsupportedProtocol,
                  "protocol " + std::to_string(hello.protocol) + " is not supported");
  }
  if (broadcast_ && hello.send_back) {
    return refuse(Refusal::kBroadcastOnly, "this is a broadcast: viewers cannot send back");
  }
  if (hello.send_back && hello.agent != "full") {
    return refuse(Refusal::kReceiveOnlyAgent,
                  "a receive-only agent has no sending section: it cannot send back");
  }
  const bool back_busy = back_.current() != nullptr;
  if (hello.send_back && back_busy) {
    return refuse(Refusal::kBackBusy, "another viewer is sending back: one two-way call at a time");
  }
  if (static_cast<int>(roster_.size()) >= max_viewers_) {
    return refuse(Refusal::kFull,
                  "the sender is full (" + std::to_string(max_viewers_) + " viewers)");
  }
  // The viewer app's "send back if this is a call": a broadcast, or a call that already
  // has its two-way viewer, takes it as a plain viewer instead of turning it away.
  decision.send_back = hello.send_back || (hello.send_back_if_call && hello.agent == "full" &&
                                           !broadcast_ && !back_busy);
  decision.kind = broadcast_ || hello.agent == "receive-only" ? agent::AgentKind::kReceiveOnly
                                                              : agent::AgentKind::kFull;
  return decision;
}

}  // namespace agentcast::app
