#include "adversarial/attacker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <variant>

#include "agentcast/agent/agent_cache.h"
#include "agentcast/agent/bundle.h"
#include "agentcast/crypto/join_proof.h"
#include "agentcast/crypto/origin_tag.h"

namespace agentcast::test::adversarial {
namespace {

constexpr auto kStuckLimit = 10s;  // a whole message that cannot be written in this time
constexpr std::size_t kMaxMessage = 1 << 20;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

// Waits until the socket can do what OpenSSL asked for; false at the deadline.
bool wait_ready(int fd, int ssl_error, Clock::time_point deadline) {
  pollfd pfd{fd, static_cast<short>(ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
  const int left = remaining_ms(deadline);
  if (left == 0) return false;
  return ::poll(&pfd, 1, left) > 0;
}

// Why an SSL call failed: OpenSSL's queued error, else the socket's (`ssl_error` from
// SSL_get_error, `saved_errno` taken right after the call).
std::string ssl_error_text(int ssl_error = SSL_ERROR_NONE, int saved_errno = 0) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    if (ssl_error == SSL_ERROR_SYSCALL && saved_errno != 0) return std::strerror(saved_errno);
    if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) {
      return "no progress before the deadline";
    }
    return "connection closed";
  }
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// The peer certificate's Ed25519 key has the call code's fingerprint.
bool pinned(SSL* ssl, const crypto::Fingerprint& expected) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return false;
  EVP_PKEY* key = X509_get0_pubkey(cert);
  crypto::PublicKey raw{};
  std::size_t length = raw.size();
  if (key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519 ||
      EVP_PKEY_get_raw_public_key(key, raw.data(), &length) != 1 || length != raw.size()) {
    return false;
  }
  return crypto::fingerprint_of(raw) == expected;
}

std::uint64_t be64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = v << 8 | p[i];
  return v;
}

std::optional<net::ControlMessage> decode(const Buffer& bytes) {
  net::DecodedControl decoded = net::decode_control(bytes);
  if (!decoded.message) throw AttackError("the sender sent what does not parse: " + decoded.error);
  return std::move(decoded.message);
}

net::ControlMessage next_message(MessageChannel& channel, Clock::time_point deadline,
                                 const char* waiting_for) {
  auto bytes = channel.receive(std::chrono::milliseconds(remaining_ms(deadline)));
  if (!bytes) throw AttackError(std::string("no answer in time while waiting for ") + waiting_for);
  auto message = decode(*bytes);
  if (const auto* bye = std::get_if<net::ByeMessage>(&*message)) {
    throw AttackError("the sender said bye: " + bye->reason);
  }
  return std::move(*message);
}

}  // namespace

int start_tcp_connect(const net::Endpoint& to, const TcpOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw AttackError(std::string("socket: ") + std::strerror(errno));
  if (options.receive_buffer > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer, sizeof options.receive_buffer);
  }
  if (options.max_segment > 0) {
    ::setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &options.max_segment, sizeof options.max_segment);
  }
  const int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  if (!options.source_address.empty()) {
    const net::Endpoint local = net::Endpoint::resolve(options.source_address, 0);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local.address), local.length) != 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd);
      throw AttackError("cannot bind " + options.source_address + ": " + reason);
    }
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to.address), to.length) != 0 &&
      errno != EINPROGRESS) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    throw AttackError("cannot connect to " + to.to_string() + ": " + reason);
  }
  return fd;
}

bool finish_tcp_connect(int fd, std::chrono::milliseconds timeout) {
  pollfd pfd{fd, POLLOUT, 0};
  if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return false;
  int error = 0;
  socklen_t length = sizeof error;
  return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
}

std::string local_address_of(int fd) {
  net::Endpoint local;
  local.length = sizeof local.address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local.address), &local.length);
  return local.to_string();
}

Buffer frame(crypto::Bytes message) {
  Buffer framed(4 + message.size());
  const auto size = static_cast<std::uint32_t>(message.size());
  framed[0] = static_cast<std::uint8_t>(size >> 24);
  framed[1] = static_cast<std::uint8_t>(size >> 16);
  framed[2] = static_cast<std::uint8_t>(size >> 8);
  framed[3] = static_cast<std::uint8_t>(size);
  std::copy(message.begin(), message.end(), framed.begin() + 4);
  return framed;
}

std::unique_ptr<TlsClient> TlsClient::connect(const Invitation& invitation,
                                              const TcpOptions& options,
                                              std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const int fd = start_tcp_connect(invitation.sender(), options);
  if (!finish_tcp_connect(fd, std::chrono::milliseconds(remaining_ms(deadline)))) {
    ::close(fd);
    throw AttackError("TCP connect to " + invitation.code.host_port() + " failed");
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  // The sender's certificate is self-signed: trust comes from the pin, checked below.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  std::unique_ptr<TlsClient> client(new TlsClient(fd, ssl, ctx));
  for (;;) {
    ERR_clear_error();  // the thread's queue may hold an earlier connection's error
    errno = 0;
    const int rc = SSL_connect(ssl);
    const int saved_errno = errno;
    if (rc == 1) break;
    const int error = SSL_get_error(ssl, rc);
    if ((error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) ||
        !wait_ready(fd, error, deadline)) {
      throw AttackError("TLS handshake with " + invitation.code.host_port() +
                        " failed: " + ssl_error_text(error, saved_errno));
    }
  }
  if (!pinned(ssl, invitation.code.fingerprint)) {
    throw AttackError("the sender's key is not the one in the call code");
  }
  return client;
}

std::array<std::uint8_t, 32> TlsClient::channel_binding() const {
  static constexpr char kLabel[] = "EXPORTER-agentcast-join";  // as net::TlsConnection's
  std::array<std::uint8_t, 32> binding{};
  if (SSL_export_keying_material(ssl_, binding.data(), binding.size(), kLabel, sizeof kLabel - 1,
                                 nullptr, 0, 0) != 1) {
    throw AttackError("no TLS exporter: " + ssl_error_text());
  }
  return binding;
}

TlsClient::~TlsClient() {
  SSL_free(ssl_);
  SSL_CTX_free(ctx_);
  ::close(fd_);
}

bool TlsClient::write_raw(crypto::Bytes bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t done = 0;
  while (done < bytes.size()) {
    ERR_clear_error();
    const int rc = SSL_write(ssl_, bytes.data() + done,
                             static_cast<int>(std::min<std::size_t>(bytes.size() - done, 1 << 20)));
    if (rc > 0) {
      done += static_cast<std::size_t>(rc);
      continue;
    }
    const int error = SSL_get_error(ssl_, rc);
    if ((error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) ||
        !wait_ready(fd_, error, deadline)) {
      ERR_clear_error();
      return false;
    }
  }
  return true;
}

void TlsClient::send(crypto::Bytes message) {
  if (!write_raw(frame(message), kStuckLimit)) {
    throw AttackError("cannot write a control message");
  }
}

std::optional<Buffer> TlsClient::receive(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::uint8_t chunk[16 * 1024];
  for (;;) {
    if (inbox_.size() >= 4) {
      const std::size_t size = std::size_t{inbox_[0]} << 24 | std::size_t{inbox_[1]} << 16 |
                               std::size_t{inbox_[2]} << 8 | inbox_[3];
      if (size > kMaxMessage) throw AttackError("the sender announced an oversized message");
      if (inbox_.size() >= 4 + size) {
        Buffer message(inbox_.begin() + 4, inbox_.begin() + 4 + static_cast<std::ptrdiff_t>(size));
        inbox_.erase(inbox_.begin(), inbox_.begin() + 4 + static_cast<std::ptrdiff_t>(size));
        return message;
      }
    }
    ERR_clear_error();
    const int rc = SSL_read(ssl_, chunk, sizeof chunk);
    if (rc > 0) {
      inbox_.insert(inbox_.end(), chunk, chunk + rc);
      continue;
    }
    const int error = SSL_get_error(ssl_, rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      if (!wait_ready(fd_, error, deadline)) return std::nullopt;
      continue;
    }
    throw AttackError("the control channel closed: " + ssl_error_text());
  }
}

bool TlsClient::drain_until_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::uint8_t chunk[16 * 1024];
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_read(ssl_, chunk, sizeof chunk);
    if (rc > 0) continue;
    const int error = SSL_get_error(ssl_, rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      if (!wait_ready(fd_, error, deadline)) return false;
      continue;
    }
    ERR_clear_error();
    return true;  // closed, reset or broken: the sender let go of it
  }
}

ProjectChannel::ProjectChannel(const Invitation& invitation, std::chrono::milliseconds timeout) {
  try {
    connection_ = net::tls_connect(invitation.sender(), invitation.code.fingerprint, timeout);
  } catch (const net::ControlError& e) {
    throw AttackError(e.what());
  }
}

void ProjectChannel::send(crypto::Bytes message) {
  try {
    connection_->send(message);
  } catch (const net::ControlError& e) {
    throw AttackError(e.what());
  }
}

std::optional<Buffer> ProjectChannel::receive(std::chrono::milliseconds timeout) {
  try {
    return connection_->receive(timeout, kMaxMessage);
  } catch (const net::ControlError& e) {
    throw AttackError(e.what());
  }
}

net::HelloMessage hello_for(const JoinRequest& request, const MessageChannel& channel,
                            const Invitation& invitation, std::vector<std::string> cached) {
  net::HelloMessage hello;
  if (!invitation.code.join_secret.empty()) {
    const auto binding = channel.channel_binding();
    const crypto::JoinProof proof = crypto::join_proof(invitation.code.join_secret, binding);
    hello.join_proof.assign(proof.begin(), proof.end());
  }
  hello.agent = request.agent;
  hello.name = request.name;
  hello.platform = agent::this_platform();
  hello.abi = agent::kAgentAbiVersion;
  hello.cached = std::move(cached);
  hello.media_port = request.media_port;
  return hello;
}

Admission join_as_viewer(MessageChannel& channel, const Invitation& invitation,
                         const JoinRequest& request, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const agent::AgentCache cache(request.cache_dir);
  channel.send(net::encode_control(
      hello_for(request, channel, invitation, cache.hashes(net::kMaxCachedAgents))));

  agent::LoadPolicy policy;
  policy.trusted_signer = invitation.code.fingerprint;
  policy.kind =
      request.agent == "receive-only" ? agent::AgentKind::kReceiveOnly : agent::AgentKind::kFull;
  agent::LoadOutcome outcome;
  const net::ControlMessage first = next_message(channel, deadline, "the agent");
  if (const auto* cached = std::get_if<net::UseCachedAgentMessage>(&first)) {
    outcome = agent::load_cached_agent(cached->hash, policy, cache);
  } else if (const auto* offer = std::get_if<net::AgentOfferMessage>(&first)) {
    if (offer->size > agent::kDefaultMaxBundleSize) throw AttackError("an oversized agent");
    Buffer bundle;
    for (int chunks = 0; bundle.size() < offer->size && chunks < 4096; ++chunks) {
      const net::ControlMessage next = next_message(channel, deadline, "agent chunks");
      const auto* chunk = std::get_if<net::AgentChunkMessage>(&next);
      if (chunk == nullptr || chunk->offset != bundle.size()) {
        throw AttackError("the agent transfer is out of order");
      }
      bundle.insert(bundle.end(), chunk->data.begin(), chunk->data.end());
    }
    if (bundle.size() != offer->size || agent::content_hash(bundle) != offer->hash) {
      throw AttackError("the agent's bytes do not match the offer");
    }
    outcome = agent::load_agent(bundle, policy, cache);
  } else {
    throw AttackError("the sender sent something other than an agent");
  }
  if (!outcome.agent) throw AttackError("the agent was refused: " + outcome.reason);
  channel.send(net::encode_control(net::AgentReadyMessage{outcome.agent->content_hash}));

  Admission admitted;
  admitted.agent = std::move(*outcome.agent);
  for (int messages = 0;; ++messages) {
    net::ControlMessage next = next_message(channel, deadline, "the session");
    if (std::holds_alternative<net::InstructionsMessage>(next) && messages < 32) continue;
    auto* session = std::get_if<net::SessionMessage>(&next);
    if (session == nullptr) throw AttackError("expected the session parameters");
    admitted.session = std::move(*session);
    break;
  }
  const net::SessionMessage& s = admitted.session;
  admitted.crypto =
      std::make_unique<agent::AgentSession>(admitted.agent.library, s.params, agent::Role::kViewer);
  if (admitted.crypto->can_send()) {
    admitted.crypto->add_outgoing(net::feedback_stream_id(s.viewer_slot), net::MediaKind::kControl);
  }
  for (const auto& stream : s.streams) {
    const agent::StreamJoinState start{stream.epoch, stream.seed};
    admitted.crypto->add_incoming(stream.id, stream.kind, &start);
  }
  return admitted;
}

Buffer seal_feedback(Admission& admission, const net::Feedback& feedback) {
  const Buffer payload = net::encode_feedback(feedback);
  Buffer packet(payload.size() + net::kPacketOverhead);
  const net::SealResult sealed =
      admission.crypto->seal(net::feedback_stream_id(admission.slot()), payload, packet);
  if (sealed.status != net::SealStatus::kOk) throw AttackError("the agent would not seal");
  packet.resize(sealed.size);
  return packet;
}

std::jthread read_control(MessageChannel& channel,
                          std::function<void(const net::ControlMessage&)> on_message) {
  return std::jthread([&channel, on_message = std::move(on_message)](std::stop_token stop) {
    for (int turn = 0; turn < 3000 && !stop.stop_requested(); ++turn) {
      std::optional<Buffer> bytes;
      try {
        bytes = channel.receive(200ms);
      } catch (const AttackError&) {
        return;  // closed
      }
      if (!bytes) continue;
      const net::DecodedControl decoded = net::decode_control(*bytes);
      if (!decoded.message) continue;
      on_message(*decoded.message);
      if (std::holds_alternative<net::ByeMessage>(*decoded.message)) return;
    }
  });
}

Buffer with_own_origin_tag(const net::SessionParams& own, crypto::Bytes packet, OriginTagNow now) {
  net::PacketHeader header;
  if (net::parse_header(packet, header) != net::HeaderStatus::kOk || !header.origin_tagged) {
    throw AttackError("not a packet of an origin-tagged stream");
  }
  if (now == OriginTagNow::kSendersTag) {
    if (packet.size() < crypto::kOriginTagSize) throw AttackError("too short for an origin tag");
    packet = packet.first(packet.size() - crypto::kOriginTagSize);
  }
  crypto::Secret key;
  if (!crypto::derive_origin_key(own.initial_seed, own.session_id, key)) {
    throw AttackError("cannot derive the attacker's own origin key");
  }
  crypto::OriginTag tag(key);
  crypto::OriginTagBytes bytes{};
  if (!tag.compute(packet, bytes)) throw AttackError("cannot compute an origin tag");
  Buffer copy(packet.begin(), packet.end());
  copy.insert(copy.end(), bytes.begin(), bytes.end());
  return copy;
}

Arrival classify(Admission& admission, crypto::Bytes datagram) {
  Arrival arrival;
  if (auto token = net::parse_path_challenge(datagram)) {
    arrival.kind = Arrival::Kind::kChallenge;
    arrival.token = *token;
    return arrival;
  }
  Buffer payload(datagram.size());
  const net::OpenResult opened = admission.crypto->open(datagram, payload);
  if (opened.status != net::OpenStatus::kOk) return arrival;
  arrival.kind = Arrival::Kind::kMedia;
  arrival.stream = opened.header.stream_id;
  // The fragment header (docs/MEDIA_FRAMING.md §2): version, flags (bit 7 keyframe; low
  // bits the codec, 1 = H.264), frame_id.
  if (opened.size >= 22 && (payload[1] & 0x0F) == 1) {
    arrival.video_keyframe = (payload[1] & 0x80) != 0;
    arrival.frame_id = be64(&payload[2]);
  }
  return arrival;
}

Seat::Seat(const std::string& local) : socket_(net::Endpoint::resolve(local)) {}

void Seat::send(Admission& admission, const net::Feedback& feedback, const net::Endpoint& to) {
  const Buffer packet = seal_feedback(admission, feedback);
  if (socket_.send_to(packet, to) == net::UdpStatus::kOk) {
    ++counts_.sent;
    counts_.sent_bytes += packet.size();
  }
}

int Seat::take(Admission& admission, const net::Endpoint& sender, bool echo) {
  std::vector<std::uint8_t> datagram(net::kMaxMtu);
  int taken = 0;
  for (; taken < 10'000; ++taken) {
    const net::UdpReceive got = socket_.receive(datagram, 0ms);
    if (got.status != net::UdpStatus::kOk) break;
    ++counts_.datagrams;
    counts_.bytes += got.size;
    const Arrival arrival = classify(admission, crypto::Bytes(datagram.data(), got.size));
    switch (arrival.kind) {
      case Arrival::Kind::kChallenge:
        ++counts_.challenges;
        counts_.challenge_bytes += got.size;
        if (got.size != net::kPathChallengeSize) ++counts_.odd_sized_challenges;
        if (echo) {
          send(admission, net::PathResponse{arrival.token}, sender);
          ++counts_.echoes;
        }
        break;
      case Arrival::Kind::kMedia:
        ++counts_.media;
        counts_.media_bytes += got.size;
        if (arrival.video_keyframe) counts_.video_keyframes.insert(arrival.frame_id);
        break;
      case Arrival::Kind::kUnopened:
        ++counts_.unopened;
        break;
    }
  }
  return taken;
}

Presence::Presence(Admission& admission, const net::Endpoint& sender) {
  thread_ = std::jthread([this, &admission, sender](std::stop_token stop) {
    Seat seat("127.0.0.1:0");
    auto next_probe = Clock::now();
    auto next_report = Clock::now() + 1s;
    // Bounded: four probes a second for at most an hour.
    for (int turn = 0; turn < 360'000 && !stop.stop_requested(); ++turn) {
      const auto now = Clock::now();
      if (now >= next_probe) {
        seat.send(admission, net::ProbeFeedback{admission.slot()}, sender);
        next_probe = now + 250ms;
      }
      if (now >= next_report) {
        seat.send(admission, net::ReceiverReport{}, sender);
        next_report = now + 1s;
      }
      pollfd pfd{seat.socket().native_handle(), POLLIN, 0};
      ::poll(&pfd, 1, 20);
      seat.take(admission, sender, true);
      media_.store(seat.counts().media);
      challenges_.store(seat.counts().challenges);
    }
  });
}

Presence::~Presence() {
  thread_.request_stop();
}

Buffer make_client_hello() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);  // the SSL object owns both now
  SSL_set_connect_state(ssl);
  SSL_do_handshake(ssl);  // writes the ClientHello, then wants the server's answer
  Buffer hello(static_cast<std::size_t>(BIO_ctrl_pending(out)));
  if (!hello.empty()) BIO_read(out, hello.data(), static_cast<int>(hello.size()));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ERR_clear_error();
  if (hello.size() < 50) throw AttackError("OpenSSL wrote no ClientHello");
  return hello;
}

Buffer feedback_message(const net::ReceiverReport& report) {
  return net::encode_control(net::FeedbackMessage{net::encode_feedback(report)});
}

}  // namespace agentcast::test::adversarial
