// The worked example of docs/PROTOCOL.md §9, byte for byte. If this test fails, the wire
// format or the key schedule changed: a second implementation would no longer interoperate.
// Change the protocol version and the document, never just these strings.

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "agentcast/crypto/selection.h"
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/sending_section.h"
#include "support/hex.h"

namespace agentcast::net {
namespace {

struct Example {
  crypto::Secret seed;
  SendingConfig config;
  Example() {
    std::array<std::uint8_t, 32> bytes;
    for (std::size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = static_cast<std::uint8_t>(i);
    seed = crypto::Secret(bytes);
    for (std::size_t i = 0; i < config.label.session.size(); ++i) {
      config.label.session[i] = static_cast<std::uint8_t>(0xa0 + i);
    }
    config.label.direction = crypto::Direction::kSenderToViewer;
    config.label.stream_id = 1;
    config.kind = MediaKind::kVideo;
    config.packets_per_epoch = 3;
  }
};

TEST(WireGolden, KeysOfEpochZero) {
  Example ex;
  crypto::Secret key;
  ASSERT_TRUE(crypto::derive_selection_key(ex.seed, ex.config.label, 0, key));
  EXPECT_EQ(test::to_hex(key.bytes()),
            "56bb101a71ea8fc2f31188db31e44b8b6408d81a8b1752c688e58e7a48d51bef");
  ASSERT_TRUE(
      crypto::derive_unit_key(ex.seed, ex.config.label, 0, crypto::UnitId::kAes256Gcm, 32, key));
  EXPECT_EQ(test::to_hex(key.bytes()),
            "06108e7e86c008f842ed0ce3e92d42f054f3c694a866a57eb4fd2acf8c491ab0");
  ASSERT_TRUE(crypto::derive_unit_key(ex.seed, ex.config.label, 0,
                                      crypto::UnitId::kCamellia256CtrHmacSha256, 64, key));
  EXPECT_EQ(test::to_hex(key.bytes()),
            "e87491684786dcfc30e7c84b35da0dcb9aa76499b50220e03d16b062a59d1f44"
            "ac96f626380c32dd9109cb82958dd638fb81aa0c3cf7096685ce0d77190e30bc");
  ASSERT_TRUE(crypto::derive_next_seed(ex.seed, key));
  EXPECT_EQ(test::to_hex(key.bytes()),
            "47f5820b8e53feafbb16c75c437817a357d4ff5d8e8c9961670fdfb915d93431");
}

TEST(WireGolden, FirstRunsOfTheSchedule) {
  Example ex;
  crypto::Secret key;
  ASSERT_TRUE(crypto::derive_selection_key(ex.seed, ex.config.label, 0, key));
  crypto::SelectionSchedule schedule(key, 4);
  const auto runs = schedule.block_runs(0);
  ASSERT_GE(runs.size(), 8U);
  const std::array<std::pair<std::uint32_t, std::uint32_t>, 8> expected = {
      {{3, 70}, {3, 68}, {3, 51}, {2, 6}, {2, 11}, {3, 65}, {0, 32}, {0, 1}}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(runs[i].unit_index, expected[i].first) << "run " << i;
    EXPECT_EQ(runs[i].length, expected[i].second) << "run " << i;
  }
}

TEST(WireGolden, FirstPackets) {
  Example ex;
  SendingSection sender(ex.config, ex.seed);
  ReceivingSection receiver(ex.config, ex.seed);
  const std::array<const char*, 4> expected = {
      "0102000100000000000000000000a4f7a664741b074e6cb9b31757b9bd655432668c252be92d8b",
      "0102000100000000000000000001dba7d279bc46a49d76a63dae89628755778ef2d165d922eebe",
      "0102000100000000000000000002ea0d9f58b1a80474e157afc5803b4511e909deaae7713fb162",
      "010200010000000100000000000356bf9301f31307b3459709e4e11b196cabc566c39533f19799"};
  const auto payload = test::bytes_of("AgentCast");
  for (const char* hex : expected) {
    std::vector<std::uint8_t> packet(100);
    const SealResult sealed = sender.seal(payload, packet);
    ASSERT_EQ(sealed.status, SealStatus::kOk);
    packet.resize(sealed.size);
    EXPECT_EQ(test::to_hex(packet), hex);
    std::vector<std::uint8_t> plain(packet.size());
    const OpenResult opened = receiver.open(test::from_hex(hex), plain);
    ASSERT_EQ(opened.status, OpenStatus::kOk);
    plain.resize(opened.size);
    EXPECT_EQ(plain, payload);
  }
}

}  // namespace
}  // namespace agentcast::net
