#pragma once
// The control channel's transport: TLS 1.3 over TCP (OpenSSL), carrying length-prefixed
// messages. The server presents a self-signed certificate for the sender's Ed25519
// identity; the client accepts it only if its key has the fingerprint pinned in the call
// code. There is no "accept anyway" path.
//
// A connection belongs to one thread at a time: OpenSSL does not allow concurrent reads
// and writes on one SSL object.

#include <array>
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
  // A value both ends of this connection derive, after the handshake, and nobody else can:
  // the TLS exporter (RFC 8446 §7.5) with label "EXPORTER-agentcast-join". The join proof
  // is bound to it. Throws ControlError before the handshake is done.
  std::array<std::uint8_t, 32> channel_binding() const;
  // From another thread: makes a send() or receive() in progress (and every later one)
  // fail at once with ControlError, so that a user who gives up is not kept waiting.
  void interrupt() noexcept;

  // ---- Non-blocking use by one reactor thread (the sender's greeter and control plane):
  // nothing below waits, and nothing buffers more than its bounds. A connection is used
  // either this way or through send()/receive() above, not both.
  enum class Io : std::uint8_t {
    kDone,        // finished (handshake, flush) or the message budget is used up (read)
    kWouldBlock,  // the peer has to send or read more first: poll fd() and call again
    kClosed,      // the peer closed the connection
    kFailed,      // a TLS or socket error: last_error() says which
    kOversized,   // a message announced itself longer than the limit
  };
  int fd() const noexcept { return fd_; }
  // Drives the server side of the handshake of a connection from accept_pending().
  Io continue_handshake();
  // Moves up to `max_messages` whole messages into `out`. Reads at most one TLS record
  // beyond the message being assembled, so input held stays under max_size + 20 KiB.
  Io read_messages(std::vector<std::vector<std::uint8_t>>& out, std::size_t max_messages,
                   std::size_t max_size);
  // Part of a message has arrived, not all of it.
  bool has_partial_message() const noexcept;
  // Bytes already read from the socket wait here or in OpenSSL: poll() will not announce them.
  bool has_buffered_input() const noexcept;
  // Appends one message to the output; flush() sends what the socket takes.
  void queue(crypto::Bytes message);
  // Io::kDone when nothing is left to send; `written` counts the bytes the socket took.
  Io flush(std::size_t* written = nullptr);
  std::size_t pending_output() const noexcept { return out_.size() - out_start_; }
  // For poll(): the handshake or the pending output waits for the socket to take more.
  bool wants_write() const noexcept { return handshake_wants_write_ || pending_output() > 0; }
  const std::string& last_error() const noexcept { return error_; }

 private:
  void read_exactly(std::uint8_t* out, std::size_t size);
  Io classify_failure(int rc, bool* wants_write);

  int fd_;
  ssl_st* ssl_;
  std::string peer_;
  std::vector<std::uint8_t> in_, out_;  // framed bytes; consumed from in_start_/out_start_
  std::size_t in_start_ = 0, out_start_ = 0;
  int write_retry_ = 0;  // OpenSSL wants a write it refused repeated with the same length
  bool handshake_wants_write_ = false;
  std::string error_;
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
  // A client that is waiting to be accepted, without its handshake (continue_handshake()
  // drives it); empty when none waits. Its kernel send buffer is `send_buffer` bytes, so
  // that a peer that stops reading shows as output that makes no progress.
  std::unique_ptr<TlsConnection> accept_pending(int send_buffer = 64 * 1024);
  // For poll(): readable when a client waits.
  int fd() const noexcept { return listen_fd_; }

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
