#pragma once
// A relay in front of the sender that taps what the sender sends one viewer: the viewer is
// given the relay's port in its call code (the fingerprint stays the sender's, so TLS still
// pins the real sender), TCP is forwarded untouched and UDP both ways, and every datagram
// of the sender's is also kept, in arrival order, for a third party to try to open: what
// anyone on the viewer's path (or a host that relays for it) has. It can also send the
// viewer datagrams of a third party's from the address the viewer takes for the sender's
// (inject): what an insider on that path, or one that spoofs the sender's address, can do.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "agentcast/net/udp_socket.h"
#include "support/tcp_forwarder.h"

namespace agentcast::test::adversarial {

class TapRelay {
 public:
  // Keeps at most `keep` datagrams (the later ones are forwarded, not kept).
  explicit TapRelay(const net::Endpoint& sender, std::size_t keep = 200'000);
  ~TapRelay();
  TapRelay(const TapRelay&) = delete;
  TapRelay& operator=(const TapRelay&) = delete;
  std::uint16_t port() const { return port_; }
  // The sender's datagrams to the viewer so far.
  std::size_t tapped() const { return tapped_.load(); }
  // A copy of the datagrams kept, from index `from` on.
  std::vector<std::vector<std::uint8_t>> copies(std::size_t from = 0) const;
  // Sends `datagram` to the viewer from the relay's port (the one in its call code), as if
  // the sender had sent it; it is not kept among the copies. False while the viewer has
  // sent nothing yet (its address is learnt from its UDP) or if the send failed.
  bool inject(crypto::Bytes datagram);

 private:
  void udp_loop(std::stop_token stop);

  net::Endpoint sender_;
  std::size_t keep_;
  std::uint16_t port_ = 0;
  std::unique_ptr<net::UdpSocket> viewer_side_;  // the port in the viewer's call code
  std::unique_ptr<net::UdpSocket> sender_side_;  // what the sender sees as the viewer
  std::unique_ptr<TcpForwarder> tcp_;            // the control channel, unchanged
  mutable std::mutex mutex_;
  std::vector<std::vector<std::uint8_t>> kept_;  // guarded by mutex_
  net::Endpoint viewer_;                         // where the viewer last spoke from; mutex_
  std::atomic<std::size_t> tapped_{0};
  std::jthread udp_thread_;
};

}  // namespace agentcast::test::adversarial
