// The agent's cryptographic processing section: two agents with equal parameters talk,
// and sessions, directions and streams stay apart.

#include <gtest/gtest.h>

#include <vector>

#include "agentcast/agent/crypto_session.h"

namespace agentcast::agent {
namespace {

using crypto::Direction;
using net::MediaKind;

std::vector<std::uint8_t> seal(net::SendingSection& sender, std::vector<std::uint8_t> payload) {
  std::vector<std::uint8_t> packet(payload.size() + net::kPacketOverhead);
  const auto result = sender.seal(payload, packet);
  EXPECT_EQ(result.status, net::SealStatus::kOk);
  packet.resize(result.size);
  return packet;
}

net::OpenStatus open(net::ReceivingSection& receiver, const std::vector<std::uint8_t>& packet) {
  std::vector<std::uint8_t> out(packet.size());
  return receiver.open(packet, out).status;
}

TEST(CryptoSession, AgentsWithEqualParamsTalkInBothDirections) {
  const SessionParams params = SessionParams::generate();
  CryptoSession sender_agent(params);
  CryptoSession viewer_agent(params);
  auto video_out = sender_agent.sending_section(Direction::kSenderToViewer, 1, MediaKind::kVideo);
  auto video_in = viewer_agent.receiving_section(Direction::kSenderToViewer, 1, MediaKind::kVideo);
  auto back_out = viewer_agent.sending_section(Direction::kViewerToSender, 1, MediaKind::kVideo);
  auto back_in = sender_agent.receiving_section(Direction::kViewerToSender, 1, MediaKind::kVideo);
  EXPECT_EQ(open(*video_in, seal(*video_out, {1, 2, 3})), net::OpenStatus::kOk);
  EXPECT_EQ(open(*back_in, seal(*back_out, {4, 5, 6})), net::OpenStatus::kOk);
}

TEST(CryptoSession, OtherSessionsCannotOpenThePackets) {
  CryptoSession mine(SessionParams::generate());
  SessionParams same_seed_other_id = mine.params();
  same_seed_other_id.session_id[0] ^= 1;
  CryptoSession other(same_seed_other_id);
  auto out = mine.sending_section(Direction::kSenderToViewer, 2, MediaKind::kAudio);
  auto in = other.receiving_section(Direction::kSenderToViewer, 2, MediaKind::kAudio);
  EXPECT_EQ(open(*in, seal(*out, {9, 9, 9})), net::OpenStatus::kForged);
}

TEST(CryptoSession, GeneratedSessionsAreFreshAndModernByDefault) {
  const SessionParams a = SessionParams::generate();
  const SessionParams b = SessionParams::generate();
  EXPECT_NE(a.session_id, b.session_id);
  EXPECT_FALSE(a.initial_seed == b.initial_seed);
  for (crypto::UnitId id : a.units.units)
    EXPECT_FALSE(crypto::is_reference_unit(id));
  EXPECT_EQ(a.units.units.size(), crypto::modern_units().size());
}

TEST(CryptoSession, RefusesBadParameters) {
  SessionParams params = SessionParams::generate();
  params.initial_seed = crypto::Secret();
  EXPECT_THROW(CryptoSession{params}, std::invalid_argument);
  params = SessionParams::generate();
  params.mtu = 10;
  EXPECT_THROW(CryptoSession{params}, std::invalid_argument);
}

}  // namespace
}  // namespace agentcast::agent
