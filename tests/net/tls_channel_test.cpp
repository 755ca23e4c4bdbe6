// The TLS 1.3 control channel on loopback: pinning by fingerprint, framing, limits.

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "agentcast/net/tls_channel.h"
#include "support/hex.h"

namespace agentcast::net {
namespace {

using namespace std::chrono_literals;

struct Server {
  crypto::Identity identity = crypto::Identity::generate();
  TlsServer server{identity, Endpoint::resolve("127.0.0.1:0")};
  // Accepts one client on a thread; the future yields the connection (or null).
  std::future<std::unique_ptr<TlsConnection>> accept_one(std::string* error = nullptr) {
    return std::async(std::launch::async, [this, error] { return server.accept(10s, error); });
  }
};

TEST(TlsChannel, PinnedClientExchangesMessagesBothWays) {
  Server s;
  auto accepted = s.accept_one();
  auto client = tls_connect(s.server.local_endpoint(), s.identity.fingerprint(), 10s);
  auto server_side = accepted.get();
  ASSERT_NE(server_side, nullptr);
  EXPECT_EQ(client->protocol(), "TLSv1.3");
  EXPECT_EQ(server_side->protocol(), "TLSv1.3");

  client->send(test::bytes_of("hello"));
  auto got = server_side->receive(10s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, test::bytes_of("hello"));

  const std::vector<std::uint8_t> big(200'000, 0x5A);
  server_side->send(big);
  server_side->send({});
  EXPECT_EQ(client->receive(10s), big);
  EXPECT_EQ(client->receive(10s), std::vector<std::uint8_t>{});
}

TEST(TlsChannel, WrongFingerprintIsRefusedNamingBoth) {
  Server s;
  std::string server_error;
  auto accepted = s.accept_one(&server_error);
  const crypto::Fingerprint wrong = crypto::Identity::generate().fingerprint();
  try {
    tls_connect(s.server.local_endpoint(), wrong, 10s);
    FAIL() << "connected to a sender whose key is not the pinned one";
  } catch (const FingerprintMismatch& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(crypto::to_hex(wrong)), std::string::npos) << message;
    EXPECT_NE(message.find(crypto::to_hex(s.identity.fingerprint())), std::string::npos) << message;
  }
  EXPECT_EQ(accepted.get(), nullptr);
  EXPECT_FALSE(server_error.empty());
}

TEST(TlsChannel, ReceiveTimesOutThenStillWorks) {
  Server s;
  auto accepted = s.accept_one();
  auto client = tls_connect(s.server.local_endpoint(), s.identity.fingerprint(), 10s);
  auto server_side = accepted.get();
  ASSERT_NE(server_side, nullptr);
  EXPECT_FALSE(client->receive(30ms).has_value());
  server_side->send(test::bytes_of("late"));
  EXPECT_EQ(client->receive(10s), test::bytes_of("late"));
}

TEST(TlsChannel, OversizedMessageAndClosedPeerAreErrors) {
  Server s;
  auto accepted = s.accept_one();
  auto client = tls_connect(s.server.local_endpoint(), s.identity.fingerprint(), 10s);
  auto server_side = accepted.get();
  ASSERT_NE(server_side, nullptr);
  server_side->send(std::vector<std::uint8_t>(5000));
  EXPECT_THROW(client->receive(10s, 4096), ControlError);
  server_side.reset();  // the sender goes away
  auto other = s.accept_one();
  auto client2 = tls_connect(s.server.local_endpoint(), s.identity.fingerprint(), 10s);
  other.get().reset();
  EXPECT_THROW(client2->receive(10s), ControlError);
}

TEST(TlsChannel, NobodyListeningIsAClearError) {
  Endpoint unused;
  {
    Server s;
    unused = s.server.local_endpoint();
  }
  try {
    tls_connect(unused, crypto::Identity::generate().fingerprint(), 2s);
    FAIL();
  } catch (const ControlError& e) {
    EXPECT_NE(std::string(e.what()).find(unused.to_string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace agentcast::net
