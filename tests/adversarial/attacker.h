#pragma once
// The attacker: a scripted viewer of our own that speaks AgentCast's protocol itself, so
// that it can behave where it must (get admitted, seal probes and reports with its own
// feedback key, echo path challenges) and misbehave where the test wants it to (stop
// reading, send half a length prefix, flood, crawl through a handshake, hop addresses).
//
// Below the message level it uses OpenSSL directly (TlsClient: its own TLS 1.3 client,
// pinned to the call code's fingerprint like a real viewer); where it behaves on TCP it
// may use the project's own client instead (ProjectChannel over net::tls_connect). Above
// it, net::encode_control / decode_control, agent::load_agent and agent::AgentSession.
//
// Every wait has a deadline; nothing here sleeps in the hope that something happened.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "adversarial/harness.h"
#include "agentcast/agent/agent_loader.h"
#include "agentcast/agent/agent_session.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/feedback.h"
#include "agentcast/net/path_challenge.h"
#include "agentcast/net/tls_channel.h"
#include "agentcast/net/udp_socket.h"

struct ssl_st;
struct ssl_ctx_st;

namespace agentcast::test::adversarial {

class AttackError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Buffer = std::vector<std::uint8_t>;

struct TcpOptions {
  std::string source_address;  // another loopback address (127.0.0.2 ...); empty: 127.0.0.1
  int receive_buffer = 0;      // SO_RCVBUF, set before connect (0: the kernel's default)
  // TCP_MAXSEG, set before connect: the MSS this end announces (0: the kernel's). The
  // peer's kernel sizes its send buffer for the connection from it.
  int max_segment = 0;
};

// A non-blocking TCP socket whose connect has begun. Throws AttackError.
int start_tcp_connect(const net::Endpoint& to, const TcpOptions& options);
// Waits for the connect of `fd` to complete: false if it failed or the deadline passed.
bool finish_tcp_connect(int fd, std::chrono::milliseconds timeout);
// "ADDRESS:PORT" of a socket's own end.
std::string local_address_of(int fd);

// be32(length) || message: the control channel's framing (docs/PROTOCOL.md §11).
Buffer frame(crypto::Bytes message);

// Whole control messages in both directions.
class MessageChannel {
 public:
  virtual ~MessageChannel() = default;
  // Throws AttackError when the connection fails or stays stuck for 10 s.
  virtual void send(crypto::Bytes message) = 0;
  // One whole message, or empty at the deadline. Throws AttackError when the peer closed.
  virtual std::optional<Buffer> receive(std::chrono::milliseconds timeout) = 0;
  // The connection's TLS exporter value that a join proof is bound to.
  virtual std::array<std::uint8_t, 32> channel_binding() const = 0;
};

// The attacker's own TLS 1.3 client on a socket it set up itself.
class TlsClient final : public MessageChannel {
 public:
  // Connects (from options.source_address, with options.receive_buffer) and completes the
  // handshake, accepting only the call code's fingerprint. Throws AttackError.
  static std::unique_ptr<TlsClient> connect(const Invitation& invitation, const TcpOptions& options,
                                            std::chrono::milliseconds timeout);
  ~TlsClient() override;
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  void send(crypto::Bytes message) override;
  std::optional<Buffer> receive(std::chrono::milliseconds timeout) override;
  std::array<std::uint8_t, 32> channel_binding() const override;
  // Writes `bytes` exactly as given (inside TLS records): half a length prefix, a batch of
  // framed messages. False at the deadline or when the connection failed; the connection
  // must not be written to again after a false.
  bool write_raw(crypto::Bytes bytes, std::chrono::milliseconds timeout);
  // Reads and throws away until the peer closes the connection (true) or the deadline.
  bool drain_until_closed(std::chrono::milliseconds timeout);
  int fd() const { return fd_; }
  std::string local_address() const { return local_address_of(fd_); }

 private:
  TlsClient(int fd, ssl_st* ssl, ssl_ctx_st* ctx) : fd_(fd), ssl_(ssl), ctx_(ctx) {}

  int fd_;
  ssl_st* ssl_;
  ssl_ctx_st* ctx_;
  Buffer inbox_;  // bytes read beyond the last whole message
};

// The project's own client (net::tls_connect), for an attacker that behaves on TCP.
class ProjectChannel final : public MessageChannel {
 public:
  ProjectChannel(const Invitation& invitation, std::chrono::milliseconds timeout);
  void send(crypto::Bytes message) override;
  std::optional<Buffer> receive(std::chrono::milliseconds timeout) override;
  std::array<std::uint8_t, 32> channel_binding() const override {
    return connection_->channel_binding();
  }

 private:
  std::unique_ptr<net::TlsConnection> connection_;
};

// What the attacker asks for in its hello.
struct JoinRequest {
  std::string name;
  std::string agent = "full";    // "full" or "receive-only"
  std::uint16_t media_port = 0;  // 0: the sender learns it from a probe
  std::string cache_dir;         // the attacker's own agent cache
};

// The hello a viewer of this build sends (platform, ABI), asking for `request`, with the
// proof of the invitation's join secret on `channel` (none if the code holds no secret).
net::HelloMessage hello_for(const JoinRequest& request, const MessageChannel& channel,
                            const Invitation& invitation, std::vector<std::string> cached = {});

// An admitted viewer: its agent, its session, and the agent session that seals its
// feedback and opens what is sent to it.
struct Admission {
  agent::LoadedAgent agent;
  net::SessionMessage session;
  std::unique_ptr<agent::AgentSession> crypto;
  std::uint16_t slot() const { return session.viewer_slot; }
};

// The viewer's side of the greeting (docs/PROTOCOL.md §11): hello; agent_offer +
// agent_chunks or use_cached_agent; the agent verified against the call code's
// fingerprint and loaded; agent_ready; instructions*; session. The one place where the
// attacker proves it was invited, once call codes carry a join secret. Throws AttackError
// (with the sender's bye, if it said one).
Admission join_as_viewer(MessageChannel& channel, const Invitation& invitation,
                         const JoinRequest& request, std::chrono::milliseconds timeout);

// The admitted attacker's control channel, read on a thread of its own so that the
// sender's output to it never backs up: each message that parses goes to `on_message`
// (on that thread), until the sender's bye (handed on too), the connection closes, or the
// thread is asked to stop. Bounded: at most ten minutes of 200 ms turns.
std::jthread read_control(MessageChannel& channel,
                          std::function<void(const net::ControlMessage&)> on_message);

// `feedback` sealed on the admitted viewer's feedback stream, as its agent would.
Buffer seal_feedback(Admission& admission, const net::Feedback& feedback);

// The origin tag an admitted viewer can make (docs/PROTOCOL.md §13): under its own origin
// key, from the seed of its own session message (`own`). `packet` ends at its AEAD tag
// (sealed by the attacker), or in the origin tag the sender made for another viewer, which
// is cut off. The copy returned is one that this viewer's own agent takes for the
// sender's, and no other viewer's does.
enum class OriginTagNow { kNone, kSendersTag };
Buffer with_own_origin_tag(const net::SessionParams& own, crypto::Bytes packet, OriginTagNow now);

// What one datagram to the attacker was.
struct Arrival {
  enum class Kind { kChallenge, kMedia, kUnopened } kind = Kind::kUnopened;
  net::PathToken token{};  // a challenge's
  std::uint16_t stream = 0;
  bool video_keyframe = false;  // a fragment of an H.264 keyframe (docs/MEDIA_FRAMING.md)
  std::uint64_t frame_id = 0;
};
Arrival classify(Admission& admission, crypto::Bytes datagram);

// One UDP socket of the attacker's and what arrived on it.
struct SeatCounts {
  std::uint64_t datagrams = 0, bytes = 0;
  std::uint64_t challenges = 0, challenge_bytes = 0, odd_sized_challenges = 0;
  std::uint64_t media = 0, media_bytes = 0;
  std::uint64_t unopened = 0;
  std::set<std::uint64_t> video_keyframes;  // frame ids
  std::uint64_t sent = 0, sent_bytes = 0;   // probes, reports and echoes from this seat
  std::uint64_t echoes = 0;
};

class Seat {
 public:
  explicit Seat(const std::string& local);  // "127.0.0.1:0"
  net::UdpSocket& socket() { return socket_; }
  std::string address() const { return socket_.local_endpoint().to_string(); }
  // Sends a sealed feedback message to the sender from this seat.
  void send(Admission& admission, const net::Feedback& feedback, const net::Endpoint& to);
  // Takes every datagram waiting (none: returns at once), counts it, and echoes its
  // challenges from this seat when `echo` holds. Returns how many datagrams it took.
  int take(Admission& admission, const net::Endpoint& sender, bool echo);
  const SeatCounts& counts() const { return counts_; }

 private:
  net::UdpSocket socket_;
  SeatCounts counts_;
};

// A viewer's UDP presence on a thread of its own: probes four times a second, a receiver
// report every second, echoes every path challenge, and takes what arrives. It keeps an
// admitted attacker from being ended as `silent`, so that the test sees its own reason.
class Presence {
 public:
  Presence(Admission& admission, const net::Endpoint& sender);
  ~Presence();
  Presence(const Presence&) = delete;
  Presence& operator=(const Presence&) = delete;
  std::uint64_t media_received() const { return media_.load(); }
  std::uint64_t challenges_received() const { return challenges_.load(); }

 private:
  std::atomic<std::uint64_t> media_{0}, challenges_{0};
  std::jthread thread_;
};

// A real TLS 1.3 ClientHello (record header included), as an OpenSSL client over memory
// BIOs writes it: the bytes a crawling handshake trickles.
Buffer make_client_hello();

// The `feedback` control message a receive-only viewer sends, carrying a receiver report.
Buffer feedback_message(const net::ReceiverReport& report);

}  // namespace agentcast::test::adversarial
