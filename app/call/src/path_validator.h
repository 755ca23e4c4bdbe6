#pragma once
// Path validation for one viewer (docs/PROTOCOL.md §12). An authenticated probe from an
// address that is not where the viewer's media go is only a claim: the sender sends a
// challenge there, and moves the media only when the viewer echoes that challenge's token
// in its own authenticated channel, from that address. At most one challenge is
// outstanding, and challenges go out at most every `challenge_gap_us` (ten a second), so a
// probe aimed at someone else's address earns that address a few 18-byte datagrams and
// never media.

#include <cstdint>
#include <optional>

#include "agentcast/net/path_challenge.h"
#include "agentcast/net/udp_socket.h"

namespace agentcast::app {

class PathValidator {
 public:
  static constexpr std::int64_t kChallengeGapUs = 100'000;  // between any two challenges
  static constexpr std::int64_t kResendGapUs = 250'000;     // to the same address

  // A claim that the viewer receives at `candidate` (its probe's source address, or the
  // address its hello names). The token to send there as a challenge, when one is due.
  std::optional<net::PathToken> claim(const net::Endpoint& current, const net::Endpoint& candidate,
                                      std::int64_t now_us);
  // An echo of `token`, which arrived from `from` (empty: over the control channel, which
  // proves the viewer read the challenge though not from where). The address validated,
  // or empty when the echo matches no outstanding challenge.
  std::optional<net::Endpoint> echo(const net::PathToken& token, const net::Endpoint& from);

 private:
  std::optional<net::Endpoint> candidate_;
  net::PathToken token_{};
  std::int64_t last_challenge_us_ = INT64_MIN / 2;
};

}  // namespace agentcast::app
