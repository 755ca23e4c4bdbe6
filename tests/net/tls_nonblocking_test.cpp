// The TLS connection as a reactor uses it (the sender's greeter and control plane): the
// handshake driven step by step, framed reads with a bound, queued writes to a peer that
// does not read. Nothing here may wait on the peer.

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "agentcast/net/tls_channel.h"
#include "support/hex.h"

namespace agentcast::net {
namespace {

using namespace std::chrono_literals;
using Io = TlsConnection::Io;

struct Pair {
  crypto::Identity identity = crypto::Identity::generate();
  TlsServer server{identity, Endpoint::resolve("127.0.0.1:0")};
  std::unique_ptr<TlsConnection> client;
  std::unique_ptr<TlsConnection> accepted;  // non-blocking, handshake done

  Pair() {
    auto connecting = std::async(std::launch::async, [this] {
      return tls_connect(server.local_endpoint(), identity.fingerprint(), 10s);
    });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!accepted && std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{server.fd(), POLLIN, 0};
      ::poll(&pfd, 1, 100);
      accepted = server.accept_pending();
    }
    EXPECT_TRUE(accepted) << "no client to accept";
    Io io = Io::kWouldBlock;
    while (accepted && io == Io::kWouldBlock && std::chrono::steady_clock::now() < deadline) {
      io = accepted->continue_handshake();
      if (io != Io::kWouldBlock) break;
      pollfd pfd{accepted->fd(), static_cast<short>(POLLIN | POLLOUT), 0};
      ::poll(&pfd, 1, 100);
    }
    EXPECT_EQ(io, Io::kDone) << (accepted ? accepted->last_error() : std::string());
    client = connecting.get();
  }

  // Reads on the accepting side until `want` messages arrived or the deadline.
  Io read(std::vector<std::vector<std::uint8_t>>& out, std::size_t want, std::size_t max_size) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    Io io = Io::kWouldBlock;
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
      io = accepted->read_messages(out, want - out.size(), max_size);
      if (io != Io::kWouldBlock && io != Io::kDone) return io;
      pollfd pfd{accepted->fd(), POLLIN, 0};
      if (out.size() < want) ::poll(&pfd, 1, 100);
    }
    return io;
  }
};

TEST(TlsNonBlocking, TheHandshakeIsDrivenStepByStepAndMessagesFlowBothWays) {
  Pair p;
  ASSERT_TRUE(p.accepted && p.client);
  p.client->send(test::bytes_of("one"));
  p.client->send(test::bytes_of("two"));
  std::vector<std::vector<std::uint8_t>> got;
  p.read(got, 2, 1024);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], test::bytes_of("one"));
  EXPECT_EQ(got[1], test::bytes_of("two"));

  p.accepted->queue(test::bytes_of("back"));
  EXPECT_EQ(p.accepted->flush(), Io::kDone);
  EXPECT_EQ(p.client->receive(10s), test::bytes_of("back"));
}

// An error another connection left on this thread's OpenSSL error queue (here raised by
// hand, as a failed shutdown leaves one) must not make a healthy connection look failed.
// The broadcast suite lost a viewer to "shutdown while in init" this way.
TEST(TlsNonBlocking, AnotherConnectionsErrorOnTheThreadDoesNotFailThisOne) {
  Pair p;
  ASSERT_TRUE(p.accepted && p.client);
  ERR_raise(ERR_LIB_SSL, SSL_R_SHUTDOWN_WHILE_IN_INIT);
  std::vector<std::vector<std::uint8_t>> got;
  EXPECT_EQ(p.accepted->read_messages(got, 1, 1024), Io::kWouldBlock) << p.accepted->last_error();
  ERR_raise(ERR_LIB_SSL, SSL_R_SHUTDOWN_WHILE_IN_INIT);
  p.accepted->queue(test::bytes_of("still here"));
  EXPECT_EQ(p.accepted->flush(), Io::kDone) << p.accepted->last_error();
  EXPECT_EQ(p.client->receive(10s), test::bytes_of("still here"));
}

TEST(TlsNonBlocking, APartialMessageIsHeldAndAnOversizedOneRefusedBeforeItArrives) {
  Pair p;
  ASSERT_TRUE(p.accepted && p.client);
  p.client->send(std::vector<std::uint8_t>(100, 7));
  std::vector<std::vector<std::uint8_t>> got;
  EXPECT_EQ(p.read(got, 1, 64), Io::kOversized);
  EXPECT_TRUE(got.empty());
  EXPECT_NE(p.accepted->last_error().find("exceeds the limit"), std::string::npos);
}

TEST(TlsNonBlocking, OutputToAPeerThatDoesNotReadWaitsInTheQueueWithoutBlocking) {
  Pair p;
  ASSERT_TRUE(p.accepted && p.client);
  const std::vector<std::uint8_t> chunk(16 * 1024, 0x42);
  std::size_t queued = 0;
  Io io = Io::kDone;
  // The client never reads: the kernel buffers fill and flush() stops saying kDone.
  for (int i = 0; i < 512 && io == Io::kDone; ++i) {
    p.accepted->queue(chunk);
    queued += chunk.size() + 4;
    io = p.accepted->flush();
  }
  EXPECT_EQ(io, Io::kWouldBlock);
  EXPECT_GT(p.accepted->pending_output(), 0u);
  EXPECT_LT(p.accepted->pending_output(), queued);
  EXPECT_TRUE(p.accepted->wants_write());
}

TEST(TlsNonBlocking, APeerThatLeavesIsClosedNotFailed) {
  Pair p;
  ASSERT_TRUE(p.accepted && p.client);
  p.client.reset();
  std::vector<std::vector<std::uint8_t>> got;
  const Io io = p.read(got, 1, 1024);
  EXPECT_EQ(io, Io::kClosed) << p.accepted->last_error();
}

}  // namespace
}  // namespace agentcast::net
