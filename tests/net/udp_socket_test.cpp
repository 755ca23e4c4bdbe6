// UDP on loopback: datagrams arrive whole, oversize is reported, waits end at deadlines.

#include <gtest/gtest.h>

#include <vector>

#include "agentcast/net/udp_socket.h"

namespace agentcast::net {
namespace {

using namespace std::chrono_literals;

TEST(UdpSocket, DeliversADatagramOnLoopback) {
  UdpSocket a(Endpoint::resolve("127.0.0.1:0"));
  UdpSocket b(Endpoint::resolve("127.0.0.1:0"));
  const std::vector<std::uint8_t> datagram = {1, 2, 3, 4, 5};
  ASSERT_EQ(a.send_to(datagram, b.local_endpoint()), UdpStatus::kOk);
  std::vector<std::uint8_t> buffer(1500);
  const UdpReceive got = b.receive(buffer, 5s);
  ASSERT_EQ(got.status, UdpStatus::kOk);
  buffer.resize(got.size);
  EXPECT_EQ(buffer, datagram);
  EXPECT_EQ(got.from, a.local_endpoint());
}

TEST(UdpSocket, ReportsOversizedDatagrams) {
  UdpSocket a(Endpoint::resolve("127.0.0.1:0"));
  UdpSocket b(Endpoint::resolve("127.0.0.1:0"));
  ASSERT_EQ(a.send_to(std::vector<std::uint8_t>(3000, 7), b.local_endpoint()), UdpStatus::kOk);
  std::vector<std::uint8_t> buffer(1200);
  EXPECT_EQ(b.receive(buffer, 5s).status, UdpStatus::kTruncated);
}

TEST(UdpSocket, ReceiveTimesOut) {
  UdpSocket a(Endpoint::resolve("127.0.0.1:0"));
  std::vector<std::uint8_t> buffer(100);
  EXPECT_EQ(a.receive(buffer, 20ms).status, UdpStatus::kTimeout);
}

TEST(Endpoint, ParsesAndPrintsAddresses) {
  EXPECT_EQ(Endpoint::resolve("127.0.0.1:5000").to_string(), "127.0.0.1:5000");
  EXPECT_EQ(Endpoint::resolve("[::1]:6000").to_string(), "[::1]:6000");
  EXPECT_EQ(Endpoint::resolve("localhost", 7).port(), 7);
  EXPECT_THROW(Endpoint::resolve("127.0.0.1"), std::invalid_argument);
  EXPECT_THROW(Endpoint::resolve("127.0.0.1:99999"), std::invalid_argument);
  EXPECT_THROW(Endpoint::resolve("[::1:5"), std::invalid_argument);
}

TEST(UdpSocket, BindFailureNamesTheAddress) {
  UdpSocket a(Endpoint::resolve("127.0.0.1:0"));
  try {
    UdpSocket b(a.local_endpoint());
    FAIL() << "bound the same port twice";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(a.local_endpoint().to_string()), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace agentcast::net
