// Sending and receiving sections: each rejection is a typed, counted result.

#include <gtest/gtest.h>

#include <vector>

#include "agentcast/net/receiving_section.h"
#include "agentcast/net/sending_section.h"
#include "support/hex.h"

namespace agentcast::net {
namespace {

using crypto::Secret;

struct Pair {
  explicit Pair(SendingConfig config, Secret seed = Secret::random(crypto::kSeedSize))
      : sender(config, seed), receiver(config, seed) {}
  SendingSection sender;
  ReceivingSection receiver;
};

SendingConfig basic_config() {
  SendingConfig config;
  config.label = {crypto::random_session_id(), crypto::Direction::kSenderToViewer, 7};
  config.kind = MediaKind::kAudio;
  return config;
}

std::vector<std::uint8_t> seal(SendingSection& sender, std::vector<std::uint8_t> payload) {
  std::vector<std::uint8_t> packet(payload.size() + kPacketOverhead);
  const SealResult result = sender.seal(payload, packet);
  EXPECT_EQ(result.status, SealStatus::kOk);
  packet.resize(result.size);
  return packet;
}

OpenResult open(ReceivingSection& receiver, const std::vector<std::uint8_t>& packet,
                std::vector<std::uint8_t>* plaintext = nullptr) {
  std::vector<std::uint8_t> out(packet.size());
  OpenResult result = receiver.open(packet, out);
  if (plaintext) *plaintext = {out.begin(), out.begin() + static_cast<long>(result.size)};
  return result;
}

TEST(Sections, RoundTripAndHeaderInTheClear) {
  Pair pair(basic_config());
  const auto payload = test::bytes_of("twenty ms of opus");
  const auto packet = seal(pair.sender, payload);
  ASSERT_EQ(packet.size(), payload.size() + kPacketOverhead);
  EXPECT_EQ(packet[0], kProtocolVersion);
  EXPECT_EQ(packet[1], static_cast<std::uint8_t>(MediaKind::kAudio));
  std::vector<std::uint8_t> plaintext;
  const OpenResult result = open(pair.receiver, packet, &plaintext);
  ASSERT_EQ(result.status, OpenStatus::kOk);
  EXPECT_EQ(result.header.sequence, 0U);
  EXPECT_EQ(plaintext, payload);
  EXPECT_EQ(pair.receiver.stats().accepted(), 1U);
}

TEST(Sections, InPlaceSealAndOpen) {
  Pair pair(basic_config());
  const auto payload = test::bytes_of("already at the right offset");
  std::vector<std::uint8_t> buffer(kHeaderSize);
  buffer.insert(buffer.end(), payload.begin(), payload.end());
  buffer.resize(payload.size() + kPacketOverhead);
  const SealResult sealed =
      pair.sender.seal(Bytes(buffer.data() + kHeaderSize, payload.size()), buffer);
  ASSERT_EQ(sealed.status, SealStatus::kOk);
  const OpenResult opened = pair.receiver.open(
      buffer, MutableBytes(buffer.data() + kHeaderSize, buffer.size() - kHeaderSize));
  ASSERT_EQ(opened.status, OpenStatus::kOk);
  EXPECT_EQ(
      std::vector<std::uint8_t>(buffer.begin() + kHeaderSize,
                                buffer.begin() + kHeaderSize + static_cast<long>(opened.size)),
      payload);
}

TEST(Sections, EachRejectionHasItsOwnStatusAndCounter) {
  Pair pair(basic_config());
  const auto good = seal(pair.sender, test::bytes_of("payload"));
  ReceivingSection& rx = pair.receiver;

  EXPECT_EQ(open(rx, {good.begin(), good.begin() + 5}).status, OpenStatus::kTruncated);
  EXPECT_EQ(open(rx, {good.begin(), good.begin() + kPacketOverhead - 1}).status,
            OpenStatus::kTruncated);
  EXPECT_EQ(open(rx, std::vector<std::uint8_t>(kDefaultMtu + 1, 1)).status, OpenStatus::kOversized);
  auto bad = good;
  bad[0] = 9;
  EXPECT_EQ(open(rx, bad).status, OpenStatus::kBadVersion);
  bad = good;
  bad[1] = 0x10;
  EXPECT_EQ(open(rx, bad).status, OpenStatus::kBadFlags);
  bad = good;
  bad[3] ^= 1;  // stream id
  EXPECT_EQ(open(rx, bad).status, OpenStatus::kWrongStream);
  bad = good;
  bad[1] = static_cast<std::uint8_t>(MediaKind::kVideo);
  EXPECT_EQ(open(rx, bad).status, OpenStatus::kWrongStream);
  bad = good;
  bad[7] = 5;  // epoch 5: not held
  EXPECT_EQ(open(rx, bad).status, OpenStatus::kUnknownEpoch);
  bad = good;
  bad.back() ^= 0x80;
  EXPECT_EQ(open(rx, bad).status, OpenStatus::kForged);
  std::vector<std::uint8_t> tiny(2);
  EXPECT_EQ(rx.open(good, tiny).status, OpenStatus::kBufferTooSmall);

  EXPECT_EQ(open(rx, good).status, OpenStatus::kOk);
  EXPECT_EQ(open(rx, good).status, OpenStatus::kReplay);

  const ReceivingStats& stats = rx.stats();
  EXPECT_EQ(stats.count(OpenStatus::kTruncated), 2U);
  EXPECT_EQ(stats.count(OpenStatus::kOversized), 1U);
  EXPECT_EQ(stats.count(OpenStatus::kBadVersion), 1U);
  EXPECT_EQ(stats.count(OpenStatus::kBadFlags), 1U);
  EXPECT_EQ(stats.count(OpenStatus::kWrongStream), 2U);
  EXPECT_EQ(stats.count(OpenStatus::kUnknownEpoch), 1U);
  EXPECT_EQ(stats.count(OpenStatus::kForged), 1U);
  EXPECT_EQ(stats.count(OpenStatus::kBufferTooSmall), 1U);
  EXPECT_EQ(stats.count(OpenStatus::kReplay), 1U);
  EXPECT_EQ(stats.accepted(), 1U);
}

TEST(Sections, EveryOpenStatusHasANameAndKeepsItsNumber) {
  for (std::size_t s = 0; s < kOpenStatusCount; ++s)
    EXPECT_NE(to_string(static_cast<OpenStatus>(s)), "unknown") << s;
  // Stats are indexed by these values and exported by index: new ones go at the end.
  EXPECT_EQ(static_cast<std::size_t>(OpenStatus::kCipherFailure), 12U);
  EXPECT_EQ(static_cast<std::size_t>(OpenStatus::kNoInstruction), 13U);
  EXPECT_EQ(kOpenStatusCount, 14U);
}

TEST(Sections, AForgedPacketDoesNotMoveTheReplayWindow) {
  Pair pair(basic_config());
  auto p0 = seal(pair.sender, test::bytes_of("zero"));
  // A forgery claiming a far-ahead sequence number must not push p0 out of the window.
  auto forged = p0;
  forged[8] = 0x7F;
  EXPECT_EQ(open(pair.receiver, forged).status, OpenStatus::kForged);
  EXPECT_EQ(open(pair.receiver, p0).status, OpenStatus::kOk);
}

TEST(Sections, TooOldPacketsAreRejected) {
  Pair pair(basic_config());
  const auto first = seal(pair.sender, test::bytes_of("first"));
  std::vector<std::uint8_t> last;
  for (std::uint64_t i = 0; i < ReplayWindow::kSize + 10; ++i)
    last = seal(pair.sender, {1, 2});
  ASSERT_EQ(open(pair.receiver, last).status, OpenStatus::kOk);
  EXPECT_EQ(open(pair.receiver, first).status, OpenStatus::kTooOld);
}

TEST(Sections, SenderRefusesToWrapTheSequenceNumber) {
  SendingConfig config = basic_config();
  config.first_sequence = crypto::kMaxSequence - 1;
  Pair pair(config);
  seal(pair.sender, {1});
  seal(pair.sender, {2});
  std::vector<std::uint8_t> packet(64);
  EXPECT_EQ(pair.sender.seal(std::vector<std::uint8_t>{3}, packet).status,
            SealStatus::kSequenceExhausted);
  EXPECT_EQ(pair.sender.next_sequence(), crypto::kMaxSequence + 1);
}

TEST(Sections, SenderRefusesOversizedPayloadsAndSmallBuffers) {
  Pair pair(basic_config());
  std::vector<std::uint8_t> packet(4000);
  EXPECT_EQ(pair.sender.max_payload(), kDefaultMtu - kPacketOverhead);
  EXPECT_EQ(
      pair.sender.seal(std::vector<std::uint8_t>(pair.sender.max_payload() + 1), packet).status,
      SealStatus::kPayloadTooLarge);
  std::vector<std::uint8_t> small(10);
  EXPECT_EQ(pair.sender.seal(std::vector<std::uint8_t>(10), small).status,
            SealStatus::kBufferTooSmall);
  EXPECT_EQ(pair.sender.seal(std::vector<std::uint8_t>(pair.sender.max_payload()), packet).status,
            SealStatus::kOk);
}

TEST(Sections, DirectionsAndStreamsDoNotOpenEachOther) {
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingConfig forward = basic_config();
  SendingConfig backward = forward;
  backward.label.direction = crypto::Direction::kViewerToSender;
  SendingSection backward_sender(backward, seed);
  ReceivingSection forward_receiver(forward, seed);
  // Same seed, same stream id and sequence number, other direction: a different key.
  EXPECT_EQ(open(forward_receiver, seal(backward_sender, {1, 2, 3})).status, OpenStatus::kForged);
}

TEST(Sections, BadConfigurationIsRefusedAtSetup) {
  SendingConfig config = basic_config();
  config.mtu = 20;
  EXPECT_THROW(SendingSection(config, Secret::random(32)), std::invalid_argument);
  config = basic_config();
  config.units = crypto::UnitSet{{crypto::UnitId::kReferenceLfsr}, crypto::ReferenceUnits::kRefuse};
  EXPECT_THROW(ReceivingSection(config, Secret::random(32)), std::invalid_argument);
}

TEST(Sections, OldEpochKeysAreDroppedAfterTwoChanges) {
  SendingConfig config = basic_config();
  config.packets_per_epoch = 10;
  Pair pair(config);
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < 30; ++i)
    packets.push_back(seal(pair.sender, {static_cast<std::uint8_t>(i)}));
  // Epoch 2 arrives first: epoch 1 is still "next" for the receiver, so epoch 2 is unknown.
  EXPECT_EQ(open(pair.receiver, packets[25]).status, OpenStatus::kUnknownEpoch);
  EXPECT_EQ(open(pair.receiver, packets[15]).status, OpenStatus::kOk);  // epoch 1: rotates
  EXPECT_EQ(open(pair.receiver, packets[25]).status, OpenStatus::kOk);  // epoch 2: rotates
  EXPECT_EQ(pair.receiver.current_epoch(), 2U);
  EXPECT_EQ(open(pair.receiver, packets[12]).status, OpenStatus::kOk);  // previous epoch 1
  EXPECT_EQ(open(pair.receiver, packets[5]).status, OpenStatus::kStaleEpoch);
}

}  // namespace
}  // namespace agentcast::net

namespace agentcast::net {
namespace {

class LateJoiner : public ::testing::TestWithParam<SeedMode> {};

TEST_P(LateJoiner, ReceivesFromTheSendersCurrentEpochOn) {
  SendingConfig config = basic_config();
  config.seed_mode = GetParam();
  config.packets_per_epoch = 10;
  SendingSection sender(config, crypto::Secret::random(crypto::kSeedSize));
  std::vector<crypto::Secret> seeds;  // distributed: every delivered seed, by epoch - 1
  auto deliver_next_seed = [&] {
    if (GetParam() != SeedMode::kDistributed) return;
    seeds.push_back(crypto::Secret::random(crypto::kSeedSize));
    ASSERT_TRUE(sender.set_next_seed(sender.epoch() + 1, seeds.back()));
  };
  for (int i = 0; i < 35; ++i) {
    if (i % 10 == 0) deliver_next_seed();
    seal(sender, {static_cast<std::uint8_t>(i)});
  }
  ASSERT_EQ(sender.epoch(), 3U);

  SectionConfig joiner_config = config;
  joiner_config.first_epoch = sender.epoch();
  ReceivingSection joiner(joiner_config, sender.current_seed());
  if (GetParam() == SeedMode::kDistributed) {
    deliver_next_seed();
    ASSERT_TRUE(joiner.provide_seed(4, seeds.back()));
  }
  for (int i = 35; i < 50; ++i) {  // through the change to epoch 4
    EXPECT_EQ(open(joiner, seal(sender, {static_cast<std::uint8_t>(i)})).status, OpenStatus::kOk)
        << "packet " << i;
  }
  EXPECT_EQ(joiner.current_epoch(), 4U);
}

INSTANTIATE_TEST_SUITE_P(SeedModes, LateJoiner,
                         ::testing::Values(SeedMode::kSynchronized, SeedMode::kDistributed));

}  // namespace
}  // namespace agentcast::net
