#pragma once
// The sender's viewers as the media path sees them: who they are, where their media go,
// what they last reported. One mutex, held only to read or change these fields: never
// across I/O, so the send thread's endpoints_for() never waits on a peer. The control
// connections are not here; the control plane owns them.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agentcast/call/media_pipeline_out.h"
#include "agentcast/media/media_types.h"
#include "agentcast/net/feedback.h"
#include "agentcast/net/udp_socket.h"
#include "path_validator.h"

namespace agentcast::app {

struct RosterEntry {
  std::uint16_t slot = 0;
  std::string name;
  std::string agent;    // "full" or "receive-only"
  std::string address;  // the control connection's peer
  bool send_back = false;
  bool agent_transferred = false;  // false: it had the agent cached
  net::Endpoint media;             // validated; empty until the first echo
  net::Endpoint hello_media;       // its control peer's address and its hello's media port
  bool video_started = false;      // video goes out from a keyframe on
  net::ReceiverReport report;
  std::int64_t last_heard_us = 0;  // feedback or a control message
  PathValidator path;
};

class Roster {
 public:
  std::size_t size() const;
  // The lowest free slot, if fewer than `max_viewers` are in.
  std::optional<std::uint16_t> free_slot(int max_viewers) const;
  void add(RosterEntry entry);
  std::optional<RosterEntry> remove(std::uint16_t slot);

  // The send thread: the viewers a frame goes to. A viewer's video starts at a keyframe:
  // the frames before it could not be decoded anyway.
  std::vector<OutgoingMedia::Recipient> endpoints_for(const media::EncodedFrame& frame);

  // Runs `change` on the viewer in `slot` under the lock (no I/O in it). False if gone.
  bool update(std::uint16_t slot, const std::function<void(RosterEntry&)>& change);
  std::optional<std::int64_t> last_heard(std::uint16_t slot) const;
  std::vector<RosterEntry> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::uint16_t, RosterEntry> viewers_;  // by slot
};

}  // namespace agentcast::app
