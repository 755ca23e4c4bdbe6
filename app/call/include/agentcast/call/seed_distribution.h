#pragma once
// Distributed seed mode (patent Fig. 15, 18) over the control channel. The end that sends a
// stream is its seed generating section: the sender for its media, a viewer that sends
// back for its back streams. The other end hands what arrives to its receiving sections.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "agentcast/call/session_agent.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/tls_channel.h"

namespace agentcast::app {

class SeedDistributor {
 public:
  // Hands a seed to every peer that needs it, before the stream may use it.
  using Deliver = std::function<void(const net::SeedMessage&)>;

  // `streams`: outgoing streams of `agent` whose seeds this end generates. The agent must
  // outlive the distributor.
  SeedDistributor(SessionAgent& agent, std::vector<std::uint16_t> streams);

  // Draws the seed of every stream that owes one and passes it to `deliver`, then to the
  // stream. Does nothing in synchronized mode. One thread at a time.
  void distribute(const Deliver& deliver);

  // The seed a stream holds for `epoch`, if that is the one not yet in use: a peer that
  // joins now needs it too. Same thread as distribute().
  const net::SeedMessage* pending(std::uint16_t stream, std::uint32_t epoch) const;

  // Re-key (a viewer was removed), both seed modes: draws a fresh seed for the next epoch
  // of every stream and stages it there (the stream stays in its epoch until
  // commit_rekey()). Returns the `seed` messages (marked rekey) that every remaining
  // viewer must be sent before the commit. A pending distributed seed, which the removed
  // viewer was sent, is replaced. Same thread as distribute().
  std::vector<net::SeedMessage> rekey();
  // Lets every stream enter its re-key epoch. Same thread.
  void commit_rekey();
  // The re-key a stream has staged for `epoch` and not yet entered: a viewer that joins
  // meanwhile needs it too.
  const net::SeedMessage* pending_rekey(std::uint16_t stream, std::uint32_t epoch) const;
  std::uint64_t rekeys() const noexcept { return rekeys_.load(std::memory_order_relaxed); }

  // Sends one seed over a control channel and counts it; false if the channel failed.
  bool send(net::TlsConnection& control, const net::SeedMessage& seed);
  // Counts seeds handed to peers some other way (queued on non-blocking connections).
  void count_sent(std::uint64_t copies = 1) noexcept {
    distributed_.fetch_add(copies, std::memory_order_relaxed);
  }

  std::uint64_t generated() const noexcept { return generated_.load(std::memory_order_relaxed); }
  std::uint64_t distributed() const noexcept {
    return distributed_.load(std::memory_order_relaxed);
  }

 private:
  SessionAgent& agent_;
  std::vector<std::uint16_t> streams_;
  std::map<std::uint16_t, net::SeedMessage> pending_;        // by stream id
  std::map<std::uint16_t, net::SeedMessage> rekeys_staged_;  // by stream id, until committed
  std::atomic<std::uint64_t> generated_{0}, distributed_{0}, rekeys_{0};
};

// The receiving side of distributed seeds: counts what arrives and what the agent refused.
class SeedIntake {
 public:
  // Provides `seed` to its incoming stream unless `allowed` is false (a peer naming a
  // stream that is not its own); a re-key seed replaces what the stream holds from its
  // epoch on, in either seed mode. A refused seed (unknown stream, or an epoch this end
  // cannot hold yet) is counted, not fatal: the stream plays on until it reaches that epoch.
  bool provide(SessionAgent& agent, const net::SeedMessage& seed, bool allowed = true);

  // Distributed seeds: for each of `streams` whose packets arrive in an epoch whose seed
  // the agent lacks, a seed_request to `send`, at most one per stream every
  // kAskAgainEveryUs (the answer is on its way over the same ordered channel).
  using Ask = std::function<void(const net::SeedRequestMessage&)>;
  void ask_again(const SessionAgent& agent, const std::vector<std::uint16_t>& streams,
                 std::int64_t now_us, const Ask& send);
  static constexpr std::int64_t kAskAgainEveryUs = 500'000;

  std::uint64_t received() const noexcept { return received_.load(std::memory_order_relaxed); }
  std::uint64_t refused() const noexcept { return refused_.load(std::memory_order_relaxed); }
  std::uint64_t requested() const noexcept { return requested_.load(std::memory_order_relaxed); }
  // Re-key seeds taken (one per stream and removal).
  std::uint64_t rekeys() const noexcept { return rekeys_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> received_{0}, refused_{0}, requested_{0}, rekeys_{0};
  std::map<std::uint16_t, std::int64_t> last_asked_us_;  // the asking thread's only
};

}  // namespace agentcast::app
