#pragma once
// A UDP socket for the media path (POSIX). Each socket is used by its own threads: one
// sender and one receiver may share it; sends and receives never block past a deadline.

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "agentcast/crypto/secret.h"

namespace agentcast::net {

// An IPv4 or IPv6 address and port.
struct Endpoint {
  sockaddr_storage address{};
  socklen_t length = 0;

  // "HOST:PORT" or "[V6HOST]:PORT"; HOST may be a name. Throws std::invalid_argument.
  static Endpoint resolve(const std::string& host_port);
  static Endpoint resolve(const std::string& host, std::uint16_t port);
  std::string to_string() const;
  std::uint16_t port() const noexcept;
  Endpoint with_port(std::uint16_t port) const noexcept;  // the same address, another port
  bool empty() const noexcept { return length == 0; }
  friend bool operator==(const Endpoint& a, const Endpoint& b) noexcept;
};

enum class UdpStatus : std::uint8_t { kOk, kTimeout, kTruncated, kError };

struct UdpReceive {
  UdpStatus status = UdpStatus::kOk;
  std::size_t size = 0;
  Endpoint from;
};

class UdpSocket {
 public:
  // Binds to `local` (port 0: any free port). Throws std::runtime_error naming the address.
  explicit UdpSocket(const Endpoint& local);
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  Endpoint local_endpoint() const;
  // For poll() over several sockets.
  int native_handle() const noexcept { return fd_; }
  // Sends one datagram; kError on failure (for example no route), never throws.
  UdpStatus send_to(crypto::Bytes datagram, const Endpoint& to) noexcept;
  // Waits at most `timeout` for one datagram. A datagram longer than `buffer` is
  // reported as kTruncated (and dropped).
  UdpReceive receive(crypto::MutableBytes buffer, std::chrono::milliseconds timeout) noexcept;

 private:
  int fd_ = -1;
};

}  // namespace agentcast::net
