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

// Copies bytes both ways between two TCP sockets until either side closes or `stop`.
void pipe_tcp(int a, int b, std::stop_token stop) {
  std::vector<char> buffer(64 * 1024);
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    if (::poll(fds, 2, 100) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (got <= 0) return;
      const int to = i == 0 ? b : a;
      for (ssize_t done = 0; done < got;) {
        const ssize_t sent =
            ::send(to, buffer.data() + done, static_cast<std::size_t>(got - done), MSG_NOSIGNAL);
        if (sent <= 0) return;
        done += sent;
      }
    }
  }
}

}  // namespace

StrangerRelay::StrangerRelay(const net::Endpoint& sender) : sender_(sender) {
  viewer_side_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.1:0"));
  const net::Endpoint local = viewer_side_->local_endpoint();
  port_ = local.port();
  sender_side_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.1:0"));
  stranger_port_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.1:0"));
  stranger_address_ = std::make_unique<net::UdpSocket>(net::Endpoint::resolve("127.0.0.2", port_));
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int yes = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&local.address), local.length) != 0 ||
      ::listen(listen_fd_, 4) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("relay: cannot listen on TCP " + local.to_string());
  }
  udp_thread_ = std::jthread([this](std::stop_token stop) { udp_loop(stop); });
  tcp_thread_ = std::jthread([this](std::stop_token stop) { tcp_loop(stop); });
}

StrangerRelay::~StrangerRelay() {
  udp_thread_.request_stop();
  tcp_thread_.request_stop();
  udp_thread_.join();
  tcp_thread_.join();
  ::close(listen_fd_);
}

RelayCounts StrangerRelay::counts() const {
  return {to_viewer_.load(), stranger_copies_.load(), to_sender_.load()};
}

void StrangerRelay::tcp_loop(std::stop_token stop) {
  std::vector<std::jthread> pipes;
  while (!stop.stop_requested()) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    const int viewer = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (viewer < 0) continue;
    const int sender = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (pipes.size() >= 16 || ::connect(sender, reinterpret_cast<const sockaddr*>(&sender_.address),
                                        sender_.length) != 0) {
      ::close(viewer);
      ::close(sender);
      continue;
    }
    pipes.emplace_back([viewer, sender](std::stop_token s) {
      pipe_tcp(viewer, sender, s);
      ::close(viewer);
      ::close(sender);
    });
  }
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
