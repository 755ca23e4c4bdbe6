#pragma once
// A swarm of connections that never become viewers: from several loopback source
// addresses, half of them connect and say nothing, half of them crawl through a TLS
// handshake, one byte of a real ClientHello every half second. Each one the sender drops
// comes back a moment later, for as long as the attack lasts. It runs on a thread of its
// own, one poll() loop over every socket, bounded in connections and in time.

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "agentcast/net/udp_socket.h"

namespace agentcast::test::adversarial {

struct SwarmPlan {
  std::vector<std::pair<std::string, int>> sources;  // source address → connections it holds
  std::chrono::milliseconds crawl_interval{500};     // one ClientHello byte this often
  std::chrono::milliseconds duration{15'000};
  std::chrono::milliseconds renew_after{200};  // a dropped connection comes back after this
  std::chrono::milliseconds connect_timeout{3'000};
  int max_connections = 20'000;  // over the whole attack
};

struct SwarmReport {
  int opened = 0;             // connections begun
  int connected = 0;          // of those, TCP connections the sender's kernel accepted
  int connect_failed = 0;     // refused, or not connected within connect_timeout
  int dropped_by_sender = 0;  // closed or reset by the sender while we held them
  int held_at_end = 0;        // still open when the attack ended
  int most_held = 0;          // the most connected at one time
  std::uint64_t bytes_trickled = 0;
  double longest_held_s = 0;  // the longest the sender kept one of ours
};

class Swarm {
 public:
  Swarm(const net::Endpoint& sender, SwarmPlan plan);
  ~Swarm();
  Swarm(const Swarm&) = delete;
  Swarm& operator=(const Swarm&) = delete;
  // Waits for the attack to end (its plan's duration) and closes every connection.
  SwarmReport finish();

 private:
  void run(std::stop_token stop);

  net::Endpoint sender_;
  SwarmPlan plan_;
  SwarmReport report_;
  std::jthread thread_;
};

}  // namespace agentcast::test::adversarial
