#include "adversarial/stranger_relay.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <vector>

#include "agentcast/net/packet.h"

namespace agentcast::test::adversarial {
namespace {

using namespace std::chrono_literals;

}  // namespace

StrangerRelay::StrangerRelay(const net::Endpoint& sender) : sender_(sender) {
  viewer_side_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.1:0"));
  const net::Endpoint local = viewer_side_->local_endpoint();
  port_ = local.port();
  sender_side_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.1:0"));
  stranger_port_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.1:0"));
  stranger_address_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.2", port_));
  tcp_ = std::make_unique<TcpForwarder>(local, sender_);
  udp_thread_ = std::jthread([this](std::stop_token stop) { udp_loop(stop); });
}

StrangerRelay::~StrangerRelay() {
  udp_thread_.request_stop();
  udp_thread_.join();
}

RelayCounts StrangerRelay::counts() const {
  return {to_viewer_.load(), stranger_copies_.load(), to_sender_.load()};
}

void StrangerRelay::udp_loop(std::stop_token stop) {
  std::vector<std::uint8_t> buffer(net::kMaxMtu);
  net::Endpoint viewer;  // where the viewer last spoke from
  std::uint64_t turn = 0;
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{viewer_side_->native_handle(), POLLIN, 0},
                     {sender_side_->native_handle(), POLLIN, 0}};
    if (::poll(fds, 2, 50) <= 0) continue;
    if ((fds[0].revents & POLLIN) != 0) {
      const net::UdpReceive got = viewer_side_->receive(buffer, 0ms);
      if (got.status == net::UdpStatus::kOk) {
        viewer = got.from;
        sender_side_->send_to(crypto::Bytes(buffer.data(), got.size), sender_);
        to_sender_.fetch_add(1);
      }
    }
    if ((fds[1].revents & POLLIN) != 0) {
      const net::UdpReceive got = sender_side_->receive(buffer, 0ms);
      if (got.status == net::UdpStatus::kOk && !viewer.empty()) {
        const crypto::Bytes datagram(buffer.data(), got.size);
        net::UdpSocket& stranger = turn++ % 2 == 0 ? *stranger_port_ : *stranger_address_;
        if (stranger.send_to(datagram, viewer) == net::UdpStatus::kOk) {
          stranger_copies_.fetch_add(1);
        }
        if (viewer_side_->send_to(datagram, viewer) == net::UdpStatus::kOk) {
          to_viewer_.fetch_add(1);
        }
      }
    }
  }
}

}  // namespace agentcast::test::adversarial
