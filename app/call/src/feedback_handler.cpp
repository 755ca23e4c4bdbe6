#include "feedback_handler.h"

#include <optional>
#include <variant>

#include "agentcast/net/path_challenge.h"

namespace agentcast::app {

void FeedbackHandler::claim(std::uint16_t slot, const net::Endpoint& candidate, bool from_hello,
                            std::int64_t now_us) {
  std::optional<net::PathToken> token;
  net::Endpoint to = candidate;
  roster_.update(slot, [&](RosterEntry& viewer) {
    if (from_hello) {
      if (!viewer.media.empty() || viewer.hello_media.empty()) return;
      to = viewer.hello_media;
    }
    token = viewer.path.claim(viewer.media, to, now_us);
  });
  if (!token) return;
  const net::PathChallenge challenge = net::encode_path_challenge(*token);
  if (udp_.send_to(crypto::Bytes(challenge.data(), challenge.size()), to) == net::UdpStatus::kOk) {
    count(counters_.paths.challenges_sent);
  }
}

void FeedbackHandler::challenge_hello_address(std::uint16_t slot, std::int64_t now_us) {
  claim(slot, net::Endpoint{}, true, now_us);
}

void FeedbackHandler::handle(std::uint16_t slot, const net::Feedback& feedback,
                             const net::Endpoint& from, std::int64_t now_us) {
  struct Handlers {
    FeedbackHandler& self;
    std::uint16_t slot;
    const net::Endpoint& from;
    std::int64_t now;

    void operator()(const net::ProbeFeedback& probe) const {
      // Where the viewer says it receives: a claim until a challenge sent there is echoed.
      if (probe.viewer_slot != slot || from.empty()) return;
      self.claim(slot, from, false, now);
    }
    void operator()(const net::KeyframeRequest&) const {
      count(self.counters_.keyframe_requests);
      self.keyframes_.request(now);
    }
    void operator()(const net::ReceiverReport& report) const {
      self.roster_.update(slot, [&](RosterEntry& viewer) { viewer.report = report; });
    }
    void operator()(const net::PathResponse& response) const {
      bool moved = false;
      self.roster_.update(slot, [&](RosterEntry& viewer) {
        if (auto validated = viewer.path.echo(response.token, from)) {
          viewer.media = *validated;
          moved = true;
        }
      });
      count(moved ? self.counters_.paths.validated : self.counters_.paths.responses_unmatched);
      // Its decoder starts again, or starts, at a keyframe: throttled like any request.
      if (moved) self.keyframes_.request(now);
    }
  };
  roster_.update(slot, [&](RosterEntry& viewer) { viewer.last_heard_us = now_us; });
  std::visit(Handlers{*this, slot, from, now_us}, feedback);
}

}  // namespace agentcast::app
