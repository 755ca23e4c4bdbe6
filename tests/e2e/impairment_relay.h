#pragma once
// An in-process relay between a viewer and a sender on loopback that impairs the UDP media
// path (loss, loss bursts, jitter that reorders) and forwards the TCP control channel
// untouched. Used where network namespaces with tc netem are not available.
//
// The viewer is given the relay's address in its call code (the fingerprint stays the
// sender's, so TLS still pins the real sender); the sender sees the relay as the viewer.

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <thread>

#include "agentcast/net/udp_socket.h"
#include "support/tcp_forwarder.h"

namespace agentcast::test {

struct Impairment {
  double loss = 0.05;               // independent loss, each direction
  std::int64_t delay_us = 2'000;    // base one-way delay
  std::int64_t jitter_us = 6'000;   // plus uniform [0, jitter): packets overtake each other
  std::int64_t burst_every_us = 0;  // a loss burst this often (0: none)
  std::int64_t burst_length_us = 0;
};

struct RelayStats {
  std::uint64_t forwarded = 0, dropped = 0, burst_dropped = 0, reordered = 0;
};

class ImpairmentRelay {
 public:
  ImpairmentRelay(const net::Endpoint& sender, const Impairment& impairment);
  ~ImpairmentRelay();
  std::uint16_t port() const { return port_; }
  RelayStats stats() const;

 private:
  void udp_loop(std::stop_token stop);

  net::Endpoint sender_;
  Impairment impairment_;
  std::uint16_t port_ = 0;
  std::unique_ptr<net::UdpSocket> viewer_side_;  // bound at port_: what the viewer talks to
  std::unique_ptr<net::UdpSocket> sender_side_;  // what the sender sees as the viewer
  std::unique_ptr<TcpForwarder> tcp_;            // the control channel, unchanged
  std::atomic<std::uint64_t> forwarded_{0}, dropped_{0}, burst_dropped_{0}, reordered_{0};
  std::jthread udp_thread_;
};

}  // namespace agentcast::test
