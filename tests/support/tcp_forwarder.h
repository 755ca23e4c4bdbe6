#pragma once
// A TCP forwarder on loopback for the test relays (e2e/impairment_relay.h,
// adversarial/stranger_relay.h): it listens on `listen_on` and copies each connection's
// bytes both ways to a new connection to `forward_to`, so that a viewer pointed at a
// relay's port reaches the sender's control channel unchanged. At most 16 connections;
// everything stops with the forwarder.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "agentcast/net/udp_socket.h"

namespace agentcast::test {

class TcpForwarder {
 public:
  TcpForwarder(const net::Endpoint& listen_on, const net::Endpoint& forward_to)
      : forward_to_(forward_to) {
    listen_fd_ = ::socket(listen_on.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int yes = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&listen_on.address),
               listen_on.length) != 0 ||
        ::listen(listen_fd_, 4) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("relay: cannot listen on TCP " + listen_on.to_string());
    }
    thread_ = std::jthread([this](std::stop_token stop) { accept_loop(stop); });
  }
  ~TcpForwarder() {
    thread_.request_stop();
    thread_.join();
    ::close(listen_fd_);
  }
  TcpForwarder(const TcpForwarder&) = delete;
  TcpForwarder& operator=(const TcpForwarder&) = delete;

 private:
  void accept_loop(std::stop_token stop) {
    std::vector<std::jthread> pipes;
    while (!stop.stop_requested()) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) continue;
      const int from = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (from < 0) continue;
      const int to = ::socket(forward_to_.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (pipes.size() >= 16 ||
          ::connect(to, reinterpret_cast<const sockaddr*>(&forward_to_.address),
                    forward_to_.length) != 0) {
        ::close(from);
        ::close(to);
        continue;
      }
      pipes.emplace_back([from, to](std::stop_token s) {
        copy_both_ways(from, to, s);
        ::close(from);
        ::close(to);
      });
    }
  }

  // Until either side closes or `stop`.
  static void copy_both_ways(int a, int b, std::stop_token stop) {
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

  net::Endpoint forward_to_;
  int listen_fd_ = -1;
  std::jthread thread_;
};

}  // namespace agentcast::test
