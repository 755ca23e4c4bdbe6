#pragma once
// The greeter: one thread that takes every new control connection through its greeting
// (docs/PROTOCOL.md §11) without ever waiting on one: the TLS handshake, the hello, the
// agent (offered, sent as fast as the viewer reads, answered with AgentReady), each
// connection a small state machine driven by poll(). Its whole greeting has a deadline
// (ControlLimits), unfinished connections are bounded in all and per address, and when
// the bound is reached the oldest connection of the address holding most is dropped: idle
// or crawling connections cannot keep a viewer out. A viewer whose agent is ready is
// handed to the control plane; the greeter never touches an admitted viewer. When the host
// is asked about each viewer (a WaitingRoom is given), a viewer that proved its call code
// waits, told so, with a deadline of its own, until the host's decision comes back
// through the room; it gets its agent only once admitted.

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <stop_token>
#include <string>

#include "admission.h"
#include "agentcast/agent/agent_shelf.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/tls_channel.h"
#include "control_limits.h"
#include "invitations.h"
#include "sender_stats.h"

namespace agentcast::app {

// A viewer that has its agent, on its way to the control plane.
struct GreetedViewer {
  std::unique_ptr<net::TlsConnection> connection;
  net::HelloMessage hello;
  AdmissionDecision decision;
  bool agent_transferred = false;  // false: it had the agent cached
};

class Greeter {
 public:
  using HandOver = std::function<void(GreetedViewer)>;

  Greeter(net::TlsServer& server, const agent::AgentShelf& shelf, Invitations& invitations,
          const Admission& admission, const ControlLimits& limits, SenderCounters& counters,
          HandOver hand_over, WaitingRoom* host = nullptr);
  ~Greeter();

  // The greeter thread's loop, until `stop`; then every unfinished connection is closed.
  void run(std::stop_token stop);

 private:
  struct Greeting;
  void accept_new(std::int64_t now);
  void make_room(const std::string& address);
  void step(Greeting& greeting, std::int64_t now);
  void read_hello(Greeting& greeting, std::int64_t now);
  void offer_agent(Greeting& greeting, std::int64_t now);
  void await_host(Greeting& greeting, std::int64_t now);
  void send_agent(Greeting& greeting, std::int64_t now);
  void refuse(Greeting& greeting, Refusal refusal, const std::string& reason, std::int64_t now);
  void drop(Greeting& greeting);
  std::string host_time() const;
  void log_refusal(const std::string& peer, const std::string& reason, std::int64_t now);

  net::TlsServer& server_;
  const agent::AgentShelf& shelf_;
  Invitations& invitations_;
  const Admission& admission_;
  const ControlLimits limits_;
  SenderCounters& counters_;
  const HandOver hand_over_;
  WaitingRoom* const host_;        // null: nobody is asked
  std::list<Greeting> greetings_;  // oldest first
  // Refusals logged in the current second, and those left out of the log (still counted).
  std::int64_t log_second_us_ = 0;
  int logged_this_second_ = 0;
  std::uint64_t not_logged_ = 0;
};

}  // namespace agentcast::app
