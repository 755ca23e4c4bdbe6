#include "impairment_relay.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <queue>
#include <stdexcept>
#include <vector>

#include "agentcast/media/media_types.h"
#include "agentcast/net/packet.h"

namespace agentcast::test {
namespace {

struct Held {
  std::int64_t due_us;
  std::uint64_t order;
  bool to_sender;
  std::vector<std::uint8_t> bytes;
  bool operator>(const Held& o) const {
    return due_us != o.due_us ? due_us > o.due_us : order > o.order;
  }
};

}  // namespace

ImpairmentRelay::ImpairmentRelay(const net::Endpoint& sender, const Impairment& impairment)
    : sender_(sender), impairment_(impairment) {
  viewer_side_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.1:0"));
  sender_side_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.1:0"));
  const net::Endpoint local = viewer_side_->local_endpoint();
  port_ = local.port();
  tcp_ = std::make_unique<TcpForwarder>(local, sender_);
  udp_thread_ = std::jthread([this](std::stop_token stop) { udp_loop(stop); });
}

ImpairmentRelay::~ImpairmentRelay() {
  udp_thread_.request_stop();
  udp_thread_.join();
}

RelayStats ImpairmentRelay::stats() const {
  return {forwarded_.load(), dropped_.load(), burst_dropped_.load(), reordered_.load()};
}

void ImpairmentRelay::udp_loop(std::stop_token stop) {
  std::mt19937_64 rng(424242);
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  std::uniform_int_distribution<std::int64_t> jitter(
      0, std::max<std::int64_t>(0, impairment_.jitter_us - 1));
  std::priority_queue<Held, std::vector<Held>, std::greater<>> held;
  std::uint64_t order = 0, last_released = 0;
  net::Endpoint viewer;  // where the viewer last spoke from
  const std::int64_t start_us = media::now_us();
  std::vector<std::uint8_t> buffer(net::kMaxMtu);

  auto in_burst = [&](std::int64_t now) {
    if (impairment_.burst_every_us <= 0 || now - start_us < impairment_.burst_every_us) {
      return false;
    }
    return (now - start_us) % impairment_.burst_every_us < impairment_.burst_length_us;
  };
  // Takes one datagram from `socket` (readable) and holds it, or drops it.
  auto take = [&](net::UdpSocket& socket, bool to_sender) {
    const net::UdpReceive got = socket.receive(buffer, std::chrono::milliseconds(0));
    if (got.status != net::UdpStatus::kOk) return;
    if (to_sender) viewer = got.from;
    const std::int64_t now = media::now_us();
    if (in_burst(now)) {
      burst_dropped_.fetch_add(1);
    } else if (chance(rng) < impairment_.loss) {
      dropped_.fetch_add(1);
    } else {
      held.push({now + impairment_.delay_us + jitter(rng), order++, to_sender,
                 std::vector<std::uint8_t>(buffer.begin(),
                                           buffer.begin() + static_cast<long>(got.size))});
    }
  };

  while (!stop.stop_requested()) {
    const std::int64_t now = media::now_us();
    while (!held.empty() && held.top().due_us <= now) {
      const Held& h = held.top();
      if (h.order < last_released) reordered_.fetch_add(1);
      last_released = std::max(last_released, h.order);
      if (h.to_sender) {
        sender_side_->send_to(h.bytes, sender_);
      } else if (!viewer.empty()) {
        viewer_side_->send_to(h.bytes, viewer);
      }
      forwarded_.fetch_add(1);
      held.pop();
    }
    const std::int64_t wait_us = held.empty() ? 50'000 : held.top().due_us - now;
    pollfd fds[2] = {{viewer_side_->native_handle(), POLLIN, 0},
                     {sender_side_->native_handle(), POLLIN, 0}};
    if (::poll(fds, 2, static_cast<int>(std::max<std::int64_t>(0, wait_us / 1000))) <= 0) continue;
    if (fds[0].revents & POLLIN) take(*viewer_side_, true);
    if (fds[1].revents & POLLIN) take(*sender_side_, false);
  }
}

}  // namespace agentcast::test
