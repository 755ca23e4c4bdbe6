#include "agentcast/net/udp_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace agentcast::net {

Endpoint Endpoint::resolve(const std::string& host_port) {
  std::string host;
  std::string port;
  if (!host_port.empty() && host_port.front() == '[') {
    const auto close = host_port.find(']');
    if (close == std::string::npos || close + 1 >= host_port.size() ||
        host_port[close + 1] != ':') {
      throw std::invalid_argument("'" + host_port + "' is not [IPV6]:PORT");
    }
    host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
  } else {
    const auto colon = host_port.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("'" + host_port + "' lacks :PORT");
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  char* end = nullptr;
  const long number = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || number < 0 || number > 65535) {
    throw std::invalid_argument("'" + port + "' is not a port number");
  }
  return resolve(host, static_cast<std::uint16_t>(number));
}

Endpoint Endpoint::resolve(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc =
      getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    throw std::invalid_argument("cannot resolve '" + host + "': " + gai_strerror(rc));
  }
  Endpoint endpoint;
  std::memcpy(&endpoint.address, found->ai_addr, found->ai_addrlen);
  endpoint.length = found->ai_addrlen;
  freeaddrinfo(found);
  return endpoint;
}

std::string Endpoint::to_string() const {
  char host[INET6_ADDRSTRLEN] = "?";
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(port());
  }
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(port());
  }
  return "(none)";
}

std::uint16_t Endpoint::port() const noexcept {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return 0;
}

Endpoint Endpoint::with_port(std::uint16_t port) const noexcept {
  Endpoint out = *this;
  if (out.address.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&out.address)->sin_port = htons(port);
  } else if (out.address.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&out.address)->sin6_port = htons(port);
  }
  return out;
}

bool operator==(const Endpoint& a, const Endpoint& b) noexcept {
  return a.length == b.length && std::memcmp(&a.address, &b.address, a.length) == 0;
}

UdpSocket::UdpSocket(const Endpoint& local) {
  fd_ = ::socket(local.address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    throw std::runtime_error(std::string("cannot create a UDP socket: ") + strerror(errno));
  // Room for a burst of fragments of a large keyframe between two reads.
  const int buffer_bytes = 4 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&local.address), local.length) != 0) {
    const std::string reason = strerror(errno);
    ::close(fd_);
    throw std::runtime_error("cannot bind UDP " + local.to_string() + ": " + reason);
  }
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Endpoint UdpSocket::local_endpoint() const {
  Endpoint endpoint;
  endpoint.length = sizeof endpoint.address;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&endpoint.address), &endpoint.length);
  return endpoint;
}

UdpStatus UdpSocket::send_to(crypto::Bytes datagram, const Endpoint& to) noexcept {
  const ssize_t sent = ::sendto(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&to.address), to.length);
  return sent == static_cast<ssize_t>(datagram.size()) ? UdpStatus::kOk : UdpStatus::kError;
}

UdpReceive UdpSocket::receive(crypto::MutableBytes buffer,
                              std::chrono::milliseconds timeout) noexcept {
  UdpReceive result;
  pollfd pfd{fd_, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (ready == 0) {
    result.status = UdpStatus::kTimeout;
    return result;
  }
  if (ready < 0) {
    result.status = errno == EINTR ? UdpStatus::kTimeout : UdpStatus::kError;
    return result;
  }
  result.from.length = sizeof result.from.address;
  // MSG_TRUNC makes recvfrom report the datagram's real length, so oversize is detected.
  const ssize_t got =
      ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_TRUNC,
                 reinterpret_cast<sockaddr*>(&result.from.address), &result.from.length);
  if (got < 0) {
    result.status = UdpStatus::kError;
  } else if (static_cast<std::size_t>(got) > buffer.size()) {
    result.status = UdpStatus::kTruncated;
  } else {
    result.size = static_cast<std::size_t>(got);
  }
  return result;
}

}  // namespace agentcast::net
