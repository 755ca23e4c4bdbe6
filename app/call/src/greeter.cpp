#include "greeter.h"

#include <poll.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <vector>

#include "agentcast/agent/agent_loader.h"
#include "agentcast/call/thread_name.h"
#include "agentcast/media/media_types.h"

namespace agentcast::app {
namespace {

using Io = net::TlsConnection::Io;

std::int64_t microseconds(std::chrono::milliseconds duration) {
  return std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
}

// Refusals are a few lines on stderr at most: a flood of bad connections is counted, not
// logged line by line.
constexpr std::int64_t kRefusingGraceUs = 1'000'000;  // to deliver the Bye that says why
constexpr int kRefusalsLoggedPerSecond = 5;

}  // namespace

struct Greeter::Greeting {
  enum class Step { kHandshake, kHello, kAwaitingHost, kAgent, kRefusing, kDone };
  std::unique_ptr<net::TlsConnection> connection;
  std::string address;  // the peer's address without the port: the per-address limit's key
  Step step = Step::kHandshake;
  std::int64_t deadline_us = 0;
  net::HelloMessage hello;
  AdmissionDecision decision;
  WaitingRoom::Ticket waiting;  // kAwaitingHost: its place in the host's list
  const agent::ShippableAgent* shipped = nullptr;
  std::size_t offset = 0;  // of the bundle, queued so far
  bool transferred = false;
};

Greeter::Greeter(net::TlsServer& server, const agent::AgentShelf& shelf, Invitations& invitations,
                 const Admission& admission, const ControlLimits& limits, SenderCounters& counters,
                 HandOver hand_over, WaitingRoom* host)
    : server_(server),
      shelf_(shelf),
      invitations_(invitations),
      admission_(admission),
      limits_(limits),
      counters_(counters),
      hand_over_(std::move(hand_over)),
      host_(host) {}

Greeter::~Greeter() = default;

void Greeter::run(std::stop_token stop) {
  name_this_thread("ac-greeter");
  std::vector<pollfd> fds;
  std::vector<Greeting*> polled;
  while (!stop.stop_requested()) {
    std::int64_t now = media::now_us();
    std::int64_t wake = now + 50'000;
    fds.clear();
    polled.clear();
    fds.push_back({server_.fd(), POLLIN, 0});
    fds.push_back({host_ != nullptr ? host_->wake_fd() : -1, POLLIN, 0});
    bool buffered = false;
    for (Greeting& g : greetings_) {
      wake = std::min(wake, g.deadline_us);
      const short events = static_cast<short>(POLLIN | (g.connection->wants_write() ? POLLOUT : 0));
      fds.push_back({g.connection->fd(), events, 0});
      polled.push_back(&g);
      buffered = buffered || g.connection->has_buffered_input();
    }
    const int timeout =
        buffered ? 0 : static_cast<int>(std::max<std::int64_t>(0, wake - now) / 1000);
    if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;
    now = media::now_us();
    for (std::size_t i = 0; i < polled.size(); ++i) {
      if (fds[i + 2].revents != 0 || polled[i]->connection->has_buffered_input()) {
        step(*polled[i], now);
      }
    }
    if ((fds[1].revents & POLLIN) != 0) {
      // The host decided: those still waiting look for their answer.
      host_->drain();
      for (Greeting& g : greetings_)
        if (g.step == Greeting::Step::kAwaitingHost) step(g, now);
    }
    if ((fds[0].revents & POLLIN) != 0) accept_new(now);
    for (Greeting& g : greetings_) {
      if (g.step == Greeting::Step::kDone || now < g.deadline_us) continue;
      if (g.step == Greeting::Step::kRefusing) {
        drop(g);
        continue;
      }
      if (g.step == Greeting::Step::kAwaitingHost) {
        refuse(g, Refusal::kHostDidNotAnswer, "the host did not answer within " + host_time(), now);
        continue;
      }
      count(counters_.control.greetings_timed_out);
      refuse(g, Refusal::kGreetingTimedOut,
             g.step == Greeting::Step::kAgent
                 ? "the agent was not received and loaded in time"
                 : "no TLS handshake and hello within " +
                       std::to_string(limits_.hello_within.count() / 1000) + " s",
             now);
      drop(g);  // it had its time: nothing more is sent
    }
    std::erase_if(greetings_, [](const Greeting& g) { return g.step == Greeting::Step::kDone; });
    counters_.control.unfinished_connections.store(greetings_.size());
  }
  greetings_.clear();
  counters_.control.unfinished_connections.store(0);
}

std::string Greeter::host_time() const {
  const auto ms = limits_.host_decides_within.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

void Greeter::accept_new(std::int64_t now) {
  // A burst is taken whole (up to a bound per turn), so the backlog does not fill.
  for (int taken = 0; taken < 64; ++taken) {
    std::unique_ptr<net::TlsConnection> connection = server_.accept_pending();
    if (!connection) return;
    count(counters_.control.connections_accepted);
    Greeting g;
    g.address = connection->peer_endpoint().with_port(0).to_string();
    g.address = g.address.substr(0, g.address.rfind(':'));
    g.connection = std::move(connection);
    g.deadline_us = now + microseconds(limits_.hello_within);
    make_room(g.address);
    greetings_.push_back(std::move(g));
    const std::size_t unfinished = greetings_.size();
    counters_.control.unfinished_connections.store(unfinished);
    if (unfinished > counters_.control.unfinished_connections_peak.load()) {
      counters_.control.unfinished_connections_peak.store(unfinished);
    }
    step(greetings_.back(), now);
  }
}

// Before a connection from `address` joins the unfinished ones: the oldest of `address`
// goes if it has its share, else, when all places are taken, the oldest of the address
// holding most. An attacker with many addresses can only crowd itself.
void Greeter::make_room(const std::string& address) {
  std::erase_if(greetings_, [](const Greeting& g) { return g.step == Greeting::Step::kDone; });
  std::map<std::string, std::size_t> per_address;
  for (const Greeting& g : greetings_)
    ++per_address[g.address];
  std::string victim;
  if (per_address[address] >= limits_.max_unfinished_per_address) {
    victim = address;
  } else if (greetings_.size() >= limits_.max_unfinished) {
    victim =
        std::max_element(per_address.begin(), per_address.end(), [](const auto& a, const auto& b) {
          return a.second < b.second;
        })->first;
  } else {
    return;
  }
  const auto oldest = std::find_if(greetings_.begin(), greetings_.end(),
                                   [&](const Greeting& g) { return g.address == victim; });
  if (oldest == greetings_.end()) return;
  count(counters_.control.connections_evicted);
  greetings_.erase(oldest);
}

void Greeter::step(Greeting& g, std::int64_t now) {
  if (g.step == Greeting::Step::kHandshake) {
    const Io io = g.connection->continue_handshake();
    if (io == Io::kWouldBlock) return;
    if (io != Io::kDone) {
      count(counters_.control.handshakes_failed);
      log_refusal(g.connection->peer(), "TLS handshake failed: " + g.connection->last_error(), now);
      return drop(g);
    }
    g.step = Greeting::Step::kHello;
  }
  if (g.step == Greeting::Step::kHello) read_hello(g, now);
  if (g.step == Greeting::Step::kAwaitingHost) await_host(g, now);
  if (g.step == Greeting::Step::kAgent) send_agent(g, now);
  if (g.step == Greeting::Step::kRefusing) {
    const Io io = g.connection->flush();
    if (io != Io::kWouldBlock) drop(g);
  }
}

void Greeter::read_hello(Greeting& g, std::int64_t now) {
  std::vector<std::vector<std::uint8_t>> messages;
  const Io io = g.connection->read_messages(messages, 1, limits_.max_hello);
  if (messages.empty()) {
    if (io == Io::kWouldBlock) return;
    if (io == Io::kOversized) return refuse(g, Refusal::kBadHello, g.connection->last_error(), now);
    return drop(g);  // it left
  }
  net::DecodedControl decoded = net::decode_control(messages.front());
  auto* hello = decoded.message ? std::get_if<net::HelloMessage>(&*decoded.message) : nullptr;
  if (hello == nullptr) {
    return refuse(g, Refusal::kBadHello,
                  decoded.message ? "expected hello" : "expected hello: " + decoded.error, now);
  }
  g.hello = std::move(*hello);
  // Before anything of the call leaves: only a holder of the call code learns of it.
  std::array<std::uint8_t, 32> binding{};
  try {
    binding = g.connection->channel_binding();
  } catch (const net::ControlError& e) {
    return refuse(g, Refusal::kBadHello, e.what(), now);
  }
  switch (invitations_.check(binding, g.hello.join_proof)) {
    case JoinCheck::kProven:
      break;
    case JoinCheck::kNoProof:
      return refuse(g, Refusal::kNoJoinProof,
                    "no join proof: this call needs its whole call code, with &k=", now);
    case JoinCheck::kWrongProof:
      return refuse(g, Refusal::kWrongJoinProof,
                    "wrong join secret: the call code is not this call's (or no longer valid)",
                    now);
    case JoinCheck::kInviteUsed:
      return refuse(g, Refusal::kInviteUsed,
                    "this invitation was already used: ask the sender for a new one", now);
  }
  g.decision = admission_.judge(g.hello);
  if (g.decision.refusal) return refuse(g, *g.decision.refusal, g.decision.reason, now);
  if (g.hello.platform != agent::this_platform()) {
    return refuse(g, Refusal::kNoAgent,
                  "there is no agent for platform " + g.hello.platform + " (this sender has " +
                      agent::this_platform() + ")",
                  now);
  }
  if (g.hello.abi != agent::kAgentAbiVersion) {
    return refuse(g, Refusal::kNoAgent,
                  "the viewer loads agent ABI " + std::to_string(g.hello.abi) +
                      ", this sender ships ABI " + std::to_string(agent::kAgentAbiVersion),
                  now);
  }
  if (host_ != nullptr) {
    // Only a holder of the call code reaches the host's list: strangers cannot crowd it.
    g.waiting = host_->enter(g.hello.name, g.connection->peer());
    g.connection->queue(net::encode_control(net::AdmissionPendingMessage{
        static_cast<std::uint64_t>(limits_.host_decides_within.count())}));
    g.deadline_us = now + microseconds(limits_.host_decides_within);
    g.step = Greeting::Step::kAwaitingHost;
    return;
  }
  offer_agent(g, now);
}

// Fig. 4A: the viewer gets its agent and loads it before it learns anything of the
// session. The deadline allows the bundle at the minimum rate.
void Greeter::offer_agent(Greeting& g, std::int64_t now) {
  g.shipped = &shelf_.get(g.decision.kind);
  const auto& cached = g.hello.cached;
  if (std::find(cached.begin(), cached.end(), g.shipped->content_hash) != cached.end()) {
    g.connection->queue(net::encode_control(net::UseCachedAgentMessage{g.shipped->content_hash}));
    g.offset = g.shipped->bundle.size();
  } else {
    g.transferred = true;
    g.connection->queue(net::encode_control(
        net::AgentOfferMessage{std::string(agent::to_string(g.decision.kind)),
                               g.shipped->content_hash, g.shipped->bundle.size()}));
  }
  const auto transfer_us = static_cast<std::int64_t>(g.shipped->bundle.size() * 1'000'000 /
                                                     limits_.agent_min_bytes_per_second);
  g.deadline_us = now + microseconds(limits_.agent_ready_within) + transfer_us;
  g.step = Greeting::Step::kAgent;
}

// The viewer has nothing to say while it waits but bye (its user gave up); the host's
// decision comes through the waiting room.
void Greeter::await_host(Greeting& g, std::int64_t now) {
  const Io flushed = g.connection->flush();
  if (flushed == Io::kClosed || flushed == Io::kFailed) return drop(g);
  std::vector<std::vector<std::uint8_t>> messages;
  const Io io = g.connection->read_messages(messages, 1, limits_.max_hello);
  if (!messages.empty()) {
    const net::DecodedControl decoded = net::decode_control(messages.front());
    if (decoded.message && std::holds_alternative<net::ByeMessage>(*decoded.message)) {
      return drop(g);  // it stopped waiting
    }
    return refuse(g, Refusal::kBadHello, "it spoke out of turn while waiting for the host", now);
  }
  if (io == Io::kOversized) return refuse(g, Refusal::kBadHello, g.connection->last_error(), now);
  if (io == Io::kClosed || io == Io::kFailed) return drop(g);
  const std::optional<bool> admit = host_->decision(g.waiting.id());
  if (!admit) return;
  g.waiting.reset();
  if (!*admit) {
    return refuse(g, Refusal::kDeniedByHost, "the host declined to let you in", now);
  }
  // The call may have changed while the host thought (filled up, a two-way viewer came).
  g.decision = admission_.judge(g.hello);
  if (g.decision.refusal) return refuse(g, *g.decision.refusal, g.decision.reason, now);
  offer_agent(g, now);
}

void Greeter::send_agent(Greeting& g, std::int64_t now) {
  const std::vector<std::uint8_t>& bundle = g.shipped->bundle;
  for (;;) {
    // Chunks are queued only as the socket takes them: a greeter that reads slowly holds
    // one chunk here, not the bundle.
    while (g.offset < bundle.size() && g.connection->pending_output() < limits_.greeting_output) {
      const std::size_t n = std::min(net::kAgentChunkSize, bundle.size() - g.offset);
      const auto begin = bundle.begin() + static_cast<std::ptrdiff_t>(g.offset);
      g.connection->queue(net::encode_control(net::AgentChunkMessage{
          g.offset, std::vector<std::uint8_t>(begin, begin + static_cast<std::ptrdiff_t>(n))}));
      g.offset += n;
      counters_.control.agent_bytes_sent.fetch_add(n, std::memory_order_relaxed);
    }
    const Io io = g.connection->flush();
    if (io == Io::kWouldBlock) break;
    if (io != Io::kDone) return drop(g);
    if (g.offset == bundle.size()) break;
  }
  std::vector<std::vector<std::uint8_t>> messages;
  const Io io = g.connection->read_messages(messages, 1, limits_.max_hello);
  if (messages.empty()) {
    if (io == Io::kWouldBlock) return;
    return drop(g);
  }
  net::DecodedControl decoded = net::decode_control(messages.front());
  if (!decoded.message) {
    return refuse(g, Refusal::kAgentNotReady, "its answer to the agent did not parse", now);
  }
  if (const auto* bye = std::get_if<net::ByeMessage>(&*decoded.message)) {
    refuse(g, Refusal::kAgentNotReady, "the viewer " + bye->reason, now);
    return drop(g);  // it has gone
  }
  const auto* ready = std::get_if<net::AgentReadyMessage>(&*decoded.message);
  if (ready == nullptr || g.offset < bundle.size()) {
    return refuse(g, Refusal::kAgentNotReady, "the viewer answered the agent with another message",
                  now);
  }
  if (ready->hash != g.shipped->content_hash) {
    return refuse(g, Refusal::kAgentNotReady,
                  "the viewer loaded agent " + ready->hash.substr(0, 12) + ", not the one sent",
                  now);
  }
  count(g.transferred ? counters_.agents_transferred : counters_.agents_from_cache);
  hand_over_(GreetedViewer{std::move(g.connection), std::move(g.hello), g.decision, g.transferred});
  g.step = Greeting::Step::kDone;
}

// Tells the peer why (best effort, within a second) and counts it.
void Greeter::refuse(Greeting& g, Refusal refusal, const std::string& reason, std::int64_t now) {
  counters_.refused.add(to_string(refusal));
  log_refusal(g.connection->peer(), reason, now);
  g.connection->queue(net::encode_control(net::ByeMessage{reason}));
  g.waiting.reset();
  g.step = Greeting::Step::kRefusing;
  g.deadline_us = now + kRefusingGraceUs;
  if (g.connection->flush() != Io::kWouldBlock) drop(g);
}

// A few lines a second at most: a flood of bad connections is counted, not logged line by
// line.
void Greeter::log_refusal(const std::string& peer, const std::string& reason, std::int64_t now) {
  if (now - log_second_us_ >= 1'000'000) {
    if (not_logged_ > 0) {
      std::fprintf(stderr, "refused %llu more connections (counted in the statistics)\n",
                   static_cast<unsigned long long>(not_logged_));
    }
    log_second_us_ = now;
    logged_this_second_ = 0;
    not_logged_ = 0;
  }
  if (logged_this_second_ < kRefusalsLoggedPerSecond) {
    ++logged_this_second_;
    std::fprintf(stderr, "refused viewer %s: %s\n", peer.c_str(), reason.c_str());
  } else {
    ++not_logged_;
  }
}

void Greeter::drop(Greeting& g) {
  g.step = Greeting::Step::kDone;
  g.waiting.reset();
  g.connection.reset();
}

}  // namespace agentcast::app
