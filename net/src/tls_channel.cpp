#include "agentcast/net/tls_channel.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace agentcast::net {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kStallLimit{10};  // within one message or handshake

// OpenSSL's error queue is per thread and SSL_get_error() reads it: an error left there by
// one connection (a peer that failed, a shutdown during a handshake) would make the next
// call on another connection of the same thread look failed. Every call is preceded by
// this, and every failure takes its own error off the queue.
void clear_openssl_errors() {
  ERR_clear_error();
}

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "connection closed";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// A peer that goes away must be an error value, not a SIGPIPE that ends the process.
void ignore_sigpipe() {
  std::signal(SIGPIPE, SIG_IGN);
}

void make_non_blocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Waits until the socket is ready for what OpenSSL asked for. False at the deadline.
bool wait_for(int fd, int ssl_error, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return false;
  pollfd pfd{fd, static_cast<short>(ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
  return ::poll(&pfd, 1, static_cast<int>(left.count())) > 0;
}

// Runs an OpenSSL operation on a non-blocking socket until it completes or the deadline.
template <typename Op>
int drive(ssl_st* ssl, int fd, Clock::time_point deadline, Op op, const char* what) {
  for (;;) {
    clear_openssl_errors();
    const int rc = op();
    if (rc > 0) return rc;
    const int error = SSL_get_error(ssl, rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      if (!wait_for(fd, error, deadline)) throw ControlError(std::string(what) + ": timed out");
      continue;
    }
    if (error == SSL_ERROR_ZERO_RETURN) throw ControlError(std::string(what) + ": peer closed");
    throw ControlError(std::string(what) + ": " + openssl_error());
  }
}

struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};

// A self-signed certificate for the identity's key: the key, not a CA, is what viewers trust.
std::unique_ptr<X509, X509Free> self_signed_certificate(EVP_PKEY* key) {
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!cert) throw ControlError("cannot allocate a certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("AgentCast sender"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_set_pubkey(cert.get(), key) != 1 || X509_sign(cert.get(), key, nullptr) <= 0) {
    throw ControlError("cannot sign the TLS certificate: " + openssl_error());
  }
  return cert;
}

// What the client's verify callback saw, for the error message.
struct PinCheck {
  crypto::Fingerprint pinned{};
  std::optional<crypto::Fingerprint> seen;
};

int pin_check_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int verify_pinned_key(int /*preverify_ok*/, X509_STORE_CTX* store) {
  // Only the leaf matters: the certificate is self-signed, and trust comes from the pin.
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 0;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* check = static_cast<PinCheck*>(SSL_get_ex_data(ssl, pin_check_index()));
  EVP_PKEY* key = X509_get0_pubkey(X509_STORE_CTX_get_current_cert(store));
  crypto::PublicKey raw{};
  std::size_t length = raw.size();
  if (check == nullptr || key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519 ||
      EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 || length != raw.size()) {
    return 0;
  }
  check->seen = crypto::fingerprint_of(raw);
  return *check->seen == check->pinned ? 1 : 0;
}

ssl_ctx_st* new_context(const SSL_METHOD* method) {
  SSL_CTX* ctx = SSL_CTX_new(method);
  if (ctx == nullptr) throw ControlError("cannot create a TLS context: " + openssl_error());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  return ctx;
}

std::string describe_peer(int fd) {
  Endpoint peer;
  peer.length = sizeof peer.address;
  ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer.address), &peer.length);
  return peer.to_string();
}

}  // namespace

TlsConnection::TlsConnection(int fd, ssl_st* ssl, std::string peer) noexcept
    : fd_(fd), ssl_(ssl), peer_(std::move(peer)) {}

void TlsConnection::interrupt() noexcept {
  ::shutdown(fd_, SHUT_RDWR);
}

TlsConnection::~TlsConnection() {
  // Best effort close_notify (never waits on a non-blocking socket), and only after a
  // handshake; whatever it fails with stays here, not on the thread's error queue.
  clear_openssl_errors();
  if (SSL_is_init_finished(ssl_) == 1) SSL_shutdown(ssl_);
  clear_openssl_errors();
  SSL_free(ssl_);
  ::close(fd_);
}

std::string TlsConnection::protocol() const {
  return SSL_get_version(ssl_);
}

std::array<std::uint8_t, 32> TlsConnection::channel_binding() const {
  static constexpr char kLabel[] = "EXPORTER-agentcast-join";
  std::array<std::uint8_t, 32> binding{};
  clear_openssl_errors();
  if (SSL_export_keying_material(ssl_, binding.data(), binding.size(), kLabel, sizeof kLabel - 1,
                                 nullptr, 0, 0) != 1) {
    throw ControlError("the TLS connection gives no channel binding: " + openssl_error());
  }
  return binding;
}

Endpoint TlsConnection::peer_endpoint() const {
  Endpoint peer;
  peer.length = sizeof peer.address;
  ::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer.address), &peer.length);
  return peer;
}

void TlsConnection::send(crypto::Bytes message) {
  if (message.size() > UINT32_MAX) throw ControlError("message too large");
  std::vector<std::uint8_t> framed(4 + message.size());
  const auto size = static_cast<std::uint32_t>(message.size());
  framed[0] = static_cast<std::uint8_t>(size >> 24);
  framed[1] = static_cast<std::uint8_t>(size >> 16);
  framed[2] = static_cast<std::uint8_t>(size >> 8);
  framed[3] = static_cast<std::uint8_t>(size);
  std::copy(message.begin(), message.end(), framed.begin() + 4);
  const auto deadline = Clock::now() + kStallLimit;
  std::size_t done = 0;
  while (done < framed.size()) {
    done += static_cast<std::size_t>(drive(
        ssl_, fd_, deadline,
        [&] {
          return SSL_write(ssl_, framed.data() + done, static_cast<int>(framed.size() - done));
        },
        "sending a control message"));
  }
}

void TlsConnection::read_exactly(std::uint8_t* out, std::size_t size) {
  const auto deadline = Clock::now() + kStallLimit;
  std::size_t done = 0;
  while (done < size) {
    done += static_cast<std::size_t>(drive(
        ssl_, fd_, deadline,
        [&] { return SSL_read(ssl_, out + done, static_cast<int>(size - done)); },
        "receiving a control message"));
  }
}

std::optional<std::vector<std::uint8_t>> TlsConnection::receive(std::chrono::milliseconds timeout,
                                                                std::size_t max_size) {
  if (SSL_pending(ssl_) == 0) {
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (ready == 0) return std::nullopt;
    if (ready < 0 && errno != EINTR) throw ControlError("control channel: poll failed");
    if (ready < 0) return std::nullopt;
  }
  std::uint8_t header[4];
  read_exactly(header, sizeof header);
  const std::size_t size = std::size_t{header[0]} << 24 | std::size_t{header[1]} << 16 |
                           std::size_t{header[2]} << 8 | header[3];
  if (size > max_size) {
    throw ControlError("control message of " + std::to_string(size) +
                       " bytes exceeds the limit of " + std::to_string(max_size));
  }
  std::vector<std::uint8_t> message(size);
  if (size > 0) read_exactly(message.data(), size);
  return message;
}

TlsConnection::Io TlsConnection::classify_failure(int rc, bool* wants_write) {
  const int error = SSL_get_error(ssl_, rc);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    if (wants_write != nullptr) *wants_write = error == SSL_ERROR_WANT_WRITE;
    return Io::kWouldBlock;
  }
  if (error == SSL_ERROR_ZERO_RETURN) {
    error_ = "the peer closed the connection";
    return Io::kClosed;
  }
  if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    // An EOF without close_notify, or a reset: the peer is gone either way.
    error_ = errno != 0 ? std::string("the connection failed: ") + strerror(errno)
                        : std::string("the peer closed the connection");
    return errno != 0 && errno != ECONNRESET && errno != EPIPE ? Io::kFailed : Io::kClosed;
  }
  error_ = openssl_error();
  return Io::kFailed;
}

TlsConnection::Io TlsConnection::continue_handshake() {
  clear_openssl_errors();
  errno = 0;
  const int rc = SSL_accept(ssl_);
  if (rc == 1) {
    handshake_wants_write_ = false;
    return Io::kDone;
  }
  const Io io = classify_failure(rc, &handshake_wants_write_);
  if (io == Io::kClosed) error_ = "the peer closed the connection during the TLS handshake";
  return io;
}

TlsConnection::Io TlsConnection::read_messages(std::vector<std::vector<std::uint8_t>>& out,
                                               std::size_t max_messages, std::size_t max_size) {
  std::size_t taken = 0;
  for (;;) {
    while (taken < max_messages && in_.size() - in_start_ >= 4) {
      const std::uint8_t* header = in_.data() + in_start_;
      const std::size_t size = std::size_t{header[0]} << 24 | std::size_t{header[1]} << 16 |
                               std::size_t{header[2]} << 8 | header[3];
      if (size > max_size) {
        error_ = "a control message of " + std::to_string(size) + " bytes exceeds the limit of " +
                 std::to_string(max_size);
        return Io::kOversized;
      }
      if (in_.size() - in_start_ < 4 + size) break;
      const auto begin = in_.begin() + static_cast<std::ptrdiff_t>(in_start_ + 4);
      out.emplace_back(begin, begin + static_cast<std::ptrdiff_t>(size));
      in_start_ += 4 + size;
      ++taken;
    }
    if (in_start_ == in_.size()) {
      in_.clear();
      in_start_ = 0;
    } else if (in_start_ > in_.size() / 2) {
      in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_start_));
      in_start_ = 0;
    }
    if (taken == max_messages) return Io::kDone;
    std::uint8_t record[16 * 1024];
    clear_openssl_errors();
    errno = 0;
    const int n = SSL_read(ssl_, record, sizeof record);
    if (n <= 0) return classify_failure(n, nullptr);
    in_.insert(in_.end(), record, record + n);
  }
}

bool TlsConnection::has_partial_message() const noexcept {
  return in_.size() > in_start_;
}

bool TlsConnection::has_buffered_input() const noexcept {
  if (SSL_pending(ssl_) > 0) return true;
  if (in_.size() - in_start_ < 4) return false;
  const std::uint8_t* header = in_.data() + in_start_;
  const std::size_t size = std::size_t{header[0]} << 24 | std::size_t{header[1]} << 16 |
                           std::size_t{header[2]} << 8 | header[3];
  return in_.size() - in_start_ >= 4 + size;
}

void TlsConnection::queue(crypto::Bytes message) {
  if (message.size() > UINT32_MAX) throw ControlError("message too large");
  const auto size = static_cast<std::uint32_t>(message.size());
  const std::uint8_t header[4] = {
      static_cast<std::uint8_t>(size >> 24), static_cast<std::uint8_t>(size >> 16),
      static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)};
  out_.insert(out_.end(), header, header + 4);
  out_.insert(out_.end(), message.begin(), message.end());
}

TlsConnection::Io TlsConnection::flush(std::size_t* written) {
  while (out_start_ < out_.size()) {
    // A write OpenSSL refused must be repeated with the same length; the buffer itself may
    // move (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
    const int length =
        write_retry_ != 0
            ? write_retry_
            : static_cast<int>(std::min<std::size_t>(out_.size() - out_start_, 16 * 1024));
    clear_openssl_errors();
    errno = 0;
    const int n = SSL_write(ssl_, out_.data() + out_start_, length);
    if (n <= 0) {
      const Io io = classify_failure(n, nullptr);
      if (io == Io::kWouldBlock) write_retry_ = length;
      return io;
    }
    write_retry_ = 0;
    out_start_ += static_cast<std::size_t>(n);
    if (written != nullptr) *written += static_cast<std::size_t>(n);
    if (out_start_ > 64 * 1024 && out_start_ > out_.size() / 2) {
      out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_start_));
      out_start_ = 0;
    }
  }
  out_.clear();
  out_start_ = 0;
  return Io::kDone;
}

TlsServer::TlsServer(const crypto::Identity& identity, const Endpoint& local) {
  ignore_sigpipe();
  ctx_ = new_context(TLS_server_method());
  // No session tickets: nothing resumes, and unread tickets would look like data.
  SSL_CTX_set_num_tickets(ctx_, 0);
  // The reactor writes what the socket takes and keeps the rest in a buffer that grows.
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  auto cert = self_signed_certificate(identity.pkey());
  if (SSL_CTX_use_certificate(ctx_, cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx_, identity.pkey()) != 1 || SSL_CTX_check_private_key(ctx_) != 1) {
    SSL_CTX_free(ctx_);
    throw ControlError("cannot set up the TLS certificate: " + openssl_error());
  }
  listen_fd_ = ::socket(local.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const int yes = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&local.address), local.length) != 0 ||
      ::listen(listen_fd_, SOMAXCONN) != 0) {
    const std::string reason = strerror(errno);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    SSL_CTX_free(ctx_);
    throw ControlError("cannot listen on TCP " + local.to_string() + ": " + reason);
  }
}

TlsServer::~TlsServer() {
  ::close(listen_fd_);
  SSL_CTX_free(ctx_);
}

Endpoint TlsServer::local_endpoint() const {
  Endpoint endpoint;
  endpoint.length = sizeof endpoint.address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&endpoint.address), &endpoint.length);
  return endpoint;
}

std::unique_ptr<TlsConnection> TlsServer::accept(std::chrono::milliseconds timeout,
                                                 std::string* error) {
  pollfd pfd{listen_fd_, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return nullptr;
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return nullptr;
  const int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  SSL* ssl = SSL_new(ctx_);
  SSL_set_fd(ssl, fd);
  auto connection = std::make_unique<TlsConnection>(fd, ssl, describe_peer(fd));
  try {
    drive(
        ssl, fd, Clock::now() + kStallLimit, [&] { return SSL_accept(ssl); }, "TLS handshake");
  } catch (const ControlError& e) {
    if (error != nullptr) *error = connection->peer() + ": " + e.what();
    return nullptr;
  }
  return connection;
}

std::unique_ptr<TlsConnection> TlsServer::accept_pending(int send_buffer) {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return nullptr;
  const int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer);
  SSL* ssl = SSL_new(ctx_);
  SSL_set_fd(ssl, fd);
  return std::make_unique<TlsConnection>(fd, ssl, describe_peer(fd));
}

std::unique_ptr<TlsConnection> tls_connect(const Endpoint& server,
                                           const crypto::Fingerprint& pinned,
                                           std::chrono::milliseconds timeout,
                                           const std::function<void()>& on_connected) {
  ignore_sigpipe();
  const auto deadline = Clock::now() + timeout;
  const int fd = ::socket(server.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ControlError(std::string("cannot create a TCP socket: ") + strerror(errno));
  make_non_blocking(fd);
  const int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&server.address), server.length) != 0 &&
      errno != EINPROGRESS) {
    const std::string reason = strerror(errno);
    ::close(fd);
    throw ControlError("cannot connect to " + server.to_string() + ": " + reason);
  }
  int so_error = 0;
  socklen_t so_length = sizeof so_error;
  if (!wait_for(fd, SSL_ERROR_WANT_WRITE, deadline) ||
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_length) != 0 || so_error != 0) {
    ::close(fd);
    throw ControlError("cannot connect to " + server.to_string() + ": " +
                       (so_error != 0 ? strerror(so_error) : "timed out"));
  }
  if (on_connected) on_connected();

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(new_context(TLS_client_method()),
                                                        SSL_CTX_free);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, verify_pinned_key);
  SSL* ssl = SSL_new(ctx.get());
  SSL_set_fd(ssl, fd);
  PinCheck check{pinned, std::nullopt};
  SSL_set_ex_data(ssl, pin_check_index(), &check);
  auto connection = std::make_unique<TlsConnection>(fd, ssl, server.to_string());
  try {
    drive(
        ssl, fd, deadline, [&] { return SSL_connect(ssl); }, "TLS handshake");
  } catch (const ControlError& e) {
    if (check.seen && *check.seen != pinned) {
      throw FingerprintMismatch("the sender's certificate has fingerprint " +
                                crypto::to_hex(*check.seen) + ", but the call code pins " +
                                crypto::to_hex(pinned) + ": refusing to connect");
    }
    throw ControlError("cannot set up TLS with " + server.to_string() + ": " + e.what());
  }
  SSL_set_ex_data(ssl, pin_check_index(), nullptr);
  return connection;
}

}  // namespace agentcast::net
