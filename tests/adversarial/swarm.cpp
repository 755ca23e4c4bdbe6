#include "adversarial/swarm.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "adversarial/attacker.h"

namespace agentcast::test::adversarial {
namespace {

struct Slot {
  std::string source;
  bool crawls = false;
  int fd = -1;
  bool connected = false;
  Clock::time_point opened_at{}, next_open{}, next_byte{};
  std::size_t hello_sent = 0;
};

}  // namespace

Swarm::Swarm(const net::Endpoint& sender, SwarmPlan plan)
    : sender_(sender), plan_(std::move(plan)) {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

Swarm::~Swarm() {
  thread_.request_stop();
}

SwarmReport Swarm::finish() {
  if (thread_.joinable()) thread_.join();
  return report_;
}

void Swarm::run(std::stop_token stop) {
  const Buffer hello = make_client_hello();
  std::vector<Slot> lanes;
  for (const auto& [source, count] : plan_.sources) {
    for (int i = 0; i < count; ++i)
      lanes.push_back({source, i % 2 == 1});
  }
  const auto start = Clock::now();
  const auto end = start + plan_.duration;
  int held = 0;

  auto drop = [&](Slot& slot, bool by_sender) {
    if (slot.fd < 0) return;
    if (slot.connected) {
      --held;
      if (by_sender) {
        ++report_.dropped_by_sender;
        report_.longest_held_s = std::max(report_.longest_held_s, seconds_since(slot.opened_at));
      }
    } else {
      ++report_.connect_failed;
    }
    ::close(slot.fd);
    slot.fd = -1;
    slot.connected = false;
    slot.next_open = Clock::now() + plan_.renew_after;
  };

  std::vector<pollfd> fds;
  std::vector<Slot*> polled;
  std::uint8_t scratch[4096];
  while (!stop.stop_requested() && Clock::now() < end) {
    const auto now = Clock::now();
    for (Slot& slot : lanes) {
      if (slot.fd < 0 && now >= slot.next_open && report_.opened < plan_.max_connections) {
        try {
          slot.fd = start_tcp_connect(sender_, TcpOptions{slot.source, 0});
        } catch (const AttackError&) {
          slot.next_open = now + plan_.renew_after;
          continue;
        }
        ++report_.opened;
        slot.opened_at = now;
        slot.hello_sent = 0;
        slot.next_byte = now;
      }
      if (slot.fd >= 0 && !slot.connected && now - slot.opened_at > plan_.connect_timeout) {
        drop(slot, false);
      }
      if (slot.fd >= 0 && slot.connected && slot.crawls && now >= slot.next_byte &&
          slot.hello_sent < hello.size()) {
        if (::send(slot.fd, &hello[slot.hello_sent], 1, MSG_NOSIGNAL) == 1) {
          ++slot.hello_sent;
          ++report_.bytes_trickled;
          slot.next_byte = now + plan_.crawl_interval;
        } else if (errno != EAGAIN) {
          drop(slot, true);
        }
      }
    }
    fds.clear();
    polled.clear();
    for (Slot& slot : lanes) {
      if (slot.fd < 0) continue;
      fds.push_back({slot.fd, static_cast<short>(slot.connected ? POLLIN : POLLOUT), 0});
      polled.push_back(&slot);
    }
    if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      Slot& slot = *polled[i];
      if (fds[i].revents == 0) continue;
      if (!slot.connected) {
        int error = 0;
        socklen_t length = sizeof error;
        if ((fds[i].revents & POLLOUT) != 0 &&
            ::getsockopt(slot.fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) {
          slot.connected = true;
          ++report_.connected;
          report_.most_held = std::max(report_.most_held, ++held);
        } else {
          drop(slot, false);
        }
        continue;
      }
      // Anything the sender says (an alert) is read and ignored; an end is a drop.
      const ssize_t got = ::recv(slot.fd, scratch, sizeof scratch, MSG_DONTWAIT);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) drop(slot, true);
    }
  }
  for (Slot& slot : lanes) {
    if (slot.fd < 0) continue;
    if (slot.connected) ++report_.held_at_end;
    ::close(slot.fd);
    slot.fd = -1;
  }
}

}  // namespace agentcast::test::adversarial
