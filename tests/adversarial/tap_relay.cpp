#include "adversarial/tap_relay.h"

#include <poll.h>

#include "agentcast/net/packet.h"

namespace agentcast::test::adversarial {

using namespace std::chrono_literals;

TapRelay::TapRelay(const net::Endpoint& sender, std::size_t keep) : sender_(sender), keep_(keep) {
  viewer_side_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.1:0"));
  const net::Endpoint local = viewer_side_->local_endpoint();
  port_ = local.port();
  sender_side_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.1:0"));
  tcp_ = std::make_unique<TcpForwarder>(local, sender_);
  udp_thread_ = std::jthread([this](std::stop_token stop) { udp_loop(stop); });
}

TapRelay::~TapRelay() {
  udp_thread_.request_stop();
  udp_thread_.join();
}

std::vector<std::vector<std::uint8_t>> TapRelay::copies(std::size_t from) const {
  std::lock_guard lock(mutex_);
  if (from >= kept_.size()) return {};
  return {kept_.begin() + static_cast<std::ptrdiff_t>(from), kept_.end()};
}

bool TapRelay::inject(crypto::Bytes datagram) {
  net::Endpoint viewer;
  {
    std::lock_guard lock(mutex_);
    viewer = viewer_;
  }
  // The udp thread sends on this socket too: one sendto() each, whole datagrams.
  return !viewer.empty() && viewer_side_->send_to(datagram, viewer) == net::UdpStatus::kOk;
}

void TapRelay::udp_loop(std::stop_token stop) {
  std::vector<std::uint8_t> buffer(net::kMaxMtu);
  net::Endpoint viewer;  // where the viewer last spoke from (this thread's copy of viewer_)
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{viewer_side_->native_handle(), POLLIN, 0},
                     {sender_side_->native_handle(), POLLIN, 0}};
    if (::poll(fds, 2, 50) <= 0) continue;
    if ((fds[0].revents & POLLIN) != 0) {
      const net::UdpReceive got = viewer_side_->receive(buffer, 0ms);
      if (got.status == net::UdpStatus::kOk) {
        if (!(viewer == got.from)) {
          viewer = got.from;
          std::lock_guard lock(mutex_);
          viewer_ = viewer;
        }
        sender_side_->send_to(crypto::Bytes(buffer.data(), got.size), sender_);
      }
    }
    if ((fds[1].revents & POLLIN) != 0) {
      const net::UdpReceive got = sender_side_->receive(buffer, 0ms);
      if (got.status == net::UdpStatus::kOk && !viewer.empty()) {
        viewer_side_->send_to(crypto::Bytes(buffer.data(), got.size), viewer);
        std::lock_guard lock(mutex_);
        if (kept_.size() < keep_) kept_.emplace_back(buffer.begin(), buffer.begin() + got.size);
        tapped_.fetch_add(1);
      }
    }
  }
}

}  // namespace agentcast::test::adversarial
