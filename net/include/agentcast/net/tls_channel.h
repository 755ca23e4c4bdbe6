#pragma once
// The control channel's transport: TLS 1.3 over TCP (OpenSSL), carrying length-prefixed
// messages. The server presents a self-signed certificate for the sender's Ed25519
// identity; the client accepts it only if its key has the fingerprint pinned in the call
// code. There is no "accept anyway" path.
//
// A connection belongs to one thread at a time: OpenSSL does not allow concurrent reads
// and writes on one SSL object.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "agentcast/crypto/identity.h"
#include "agentcast/net/udp_socket.h"

struct ssl_st;
struct ssl_ctx_st;

namespace agentcast::net {

// A failure of the control channel, with a message for the user.
class ControlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The fingerprint in the call code did not match the sender's certificate.
class FingerprintMismatch : public ControlError {
 public:
  using ControlError::ControlError;
};

inline constexpr std::size_t kDefaultMaxMessage = 1 << 20;

class TlsConnection {
 public:
  TlsConnection(int fd, ssl_st* ssl, std::string peer) noexcept;
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  // Sends one message. Throws ControlError if the connection fails.
  void send(crypto::Bytes message);
  // Waits at most `timeout` for the start of a message, then reads it whole. Empty on
  // timeout. Throws ControlError when the peer closed, the connection failed, or the
  // message is longer than `max_size` (the connection is then unusable).
  std::optional<std::vector<std::uint8_t>> receive(std::chrono::milliseconds timeout,
                                                   std::size_t max_size = kDefaultMaxMessage);
  const std::string& peer() const noexcept { return peer_; }
  // The negotiated protocol, for example "TLSv1.3".
  std::string protocol() const;
  // The peer's address as seen by this end.
  Endpoint peer_endpoint() const;
  // From another thread: makes a send() or receive() in progress (and every later one)
  // fail at once with ControlError, so that a user who gives up is not kept waiting.
  void interrupt() noexcept;

 private:
  void read_exactly(std::uint8_t* out, std::size_t size);

  int fd_;
  ssl_st* ssl_;
  std::string peer_;
};

class TlsServer {
 public:
  // Listens on TCP `local`. Throws ControlError naming the address if that fails.
  TlsServer(const crypto::Identity& identity, const Endpoint& local);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  Endpoint local_endpoint() const;
  // Waits at most `timeout` for a client and completes the handshake. Empty on timeout;
  // a client that fails the handshake is dropped and `error` (if given) says why.
  std::unique_ptr<TlsConnection> accept(std::chrono::milliseconds timeout,
                                        std::string* error = nullptr);

 private:
  ssl_ctx_st* ctx_ = nullptr;
  int listen_fd_ = -1;
};

// Connects to `server`, completes a TLS 1.3 handshake within `timeout` and checks that
// the server's Ed25519 key has fingerprint `pinned`. Throws FingerprintMismatch (naming
// both fingerprints) or ControlError. `on_connected` runs once TCP is connected, before the
// handshake (a viewer shows "verifying the sender's certificate").
std::unique_ptr<TlsConnection> tls_connect(const Endpoint& server,
                                           const crypto::Fingerprint& pinned,
                                           std::chrono::milliseconds timeout,
                                           const std::function<void()>& on_connected = {});

}  // namespace agentcast::net
