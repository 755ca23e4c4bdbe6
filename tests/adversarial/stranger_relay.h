#pragma once
// A relay in front of the sender that also plays a stranger on the path. The viewer is
// given the relay's port in its call code (the fingerprint stays the sender's, so TLS still
// pins the real sender). TCP is forwarded untouched; UDP both ways, except that every
// datagram of the sender's is first sent to the viewer from a stranger's socket — in turn
// one on the relay's address at another port, and one on another address (127.0.0.2) at
// the relay's port — and only then from the relay's own socket, the address the viewer
// was told. A viewer that takes media from whoever sends it takes the stranger's copy
// and refuses the real one as a replay.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "agentcast/net/udp_socket.h"
#include "support/tcp_forwarder.h"

namespace agentcast::test::adversarial {

struct RelayCounts {
  std::uint64_t to_viewer = 0;        // the sender's datagrams forwarded from the relay's port
  std::uint64_t stranger_copies = 0;  // the same, sent first from a stranger's socket
  std::uint64_t to_sender = 0;        // the viewer's datagrams forwarded to the sender
};

class StrangerRelay {
 public:
  explicit StrangerRelay(const net::Endpoint& sender);
  ~StrangerRelay();
  StrangerRelay(const StrangerRelay&) = delete;
  StrangerRelay& operator=(const StrangerRelay&) = delete;
  std::uint16_t port() const { return port_; }
  RelayCounts counts() const;

 private:
  void udp_loop(std::stop_token stop);

  net::Endpoint sender_;
  std::uint16_t port_ = 0;
  std::unique_ptr<net::UdpSocket> viewer_side_;       // the port in the viewer's call code
  std::unique_ptr<net::UdpSocket> sender_side_;       // what the sender sees as the viewer
  std::unique_ptr<net::UdpSocket> stranger_port_;     // the relay's address, another port
  std::unique_ptr<net::UdpSocket> stranger_address_;  // another address, the relay's port
  std::unique_ptr<TcpForwarder> tcp_;                 // the control channel, unchanged
  std::atomic<std::uint64_t> to_viewer_{0}, stranger_copies_{0}, to_sender_{0};
  std::jthread udp_thread_;
};

}  // namespace agentcast::test::adversarial
