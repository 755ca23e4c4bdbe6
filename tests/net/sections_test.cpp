// Sending and receiving sections: each rejection is a typed, counted result.

#include <gtest/gtest.h>

#include <optional>
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
  bad[4] = 1;  // epoch 2^24: beyond any resynchronisation
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
  EXPECT_EQ(static_cast<std::size_t>(OpenStatus::kTooFarAhead), 15U);
  EXPECT_EQ(static_cast<std::size_t>(OpenStatus::kWrongOrigin), 16U);
  EXPECT_EQ(kOpenStatusCount, 17U);
}

TEST(Sections, AForgedPacketDoesNotMoveTheReplayWindow) {
  Pair pair(basic_config());
  auto p0 = seal(pair.sender, test::bytes_of("zero"));
  // A forgery claiming a far-ahead sequence number must not push p0 out of the window.
  auto forged = p0;
  forged[12] = 0x7F;
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

std::vector<std::uint8_t> with_epoch(std::vector<std::uint8_t> packet, std::uint32_t epoch) {
  for (int i = 0; i < 4; ++i)
    packet[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(epoch >> (24 - 8 * i));
  return packet;
}

TEST(Sections, PastEpochKeysAreHeldUntilTheirPacketsFallBehindTheReplayWindow) {
  SendingConfig config = basic_config();
  config.packets_per_epoch = 4;
  Pair pair(config);
  std::vector<std::vector<std::uint8_t>> packets;
  for (std::uint8_t i = 0; packets.size() < 2401; ++i)
    packets.push_back(seal(pair.sender, {i}));
  // Epoch 2 arrives before epoch 1: the receiver derives ahead and moves on.
  EXPECT_EQ(open(pair.receiver, packets[8]).status, OpenStatus::kOk);
  EXPECT_EQ(pair.receiver.current_epoch(), 2U);
  EXPECT_EQ(open(pair.receiver, packets[4]).status, OpenStatus::kOk);  // late, still held
  for (std::size_t n = 100; n <= 2400; n += 100)                       // 25 epochs at a time
    ASSERT_EQ(open(pair.receiver, packets[n]).status, OpenStatus::kOk) << n;
  EXPECT_EQ(pair.receiver.current_epoch(), 600U);
  EXPECT_EQ(pair.receiver.stats().epochs, 600U);
  // Sequence numbers below 353 are behind the window, and with them epochs 0-74 (the
  // packet of epoch 75 was numbered 300).
  EXPECT_EQ(pair.receiver.oldest_epoch(), 75U);
  EXPECT_EQ(open(pair.receiver, packets[350]).status, OpenStatus::kTooOld);
  EXPECT_EQ(open(pair.receiver, packets[360]).status, OpenStatus::kOk);  // 510 epochs back
  EXPECT_EQ(open(pair.receiver, with_epoch(packets[361], 70)).status, OpenStatus::kStaleEpoch);
  EXPECT_EQ(open(pair.receiver, packets[361]).status, OpenStatus::kOk);
}

TEST(Sections, AtMostKMaxPastEpochsAreHeld) {
  SendingConfig config = basic_config();
  config.packets_per_epoch = 1;
  Pair pair(config);
  std::vector<std::vector<std::uint8_t>> packets;
  for (std::uint8_t i = 0; packets.size() < 1101; ++i)
    packets.push_back(seal(pair.sender, {i}));
  for (std::size_t n = 0; n <= 1100; n += 20)
    ASSERT_EQ(open(pair.receiver, packets[n]).status, OpenStatus::kOk) << n;
  EXPECT_EQ(pair.receiver.oldest_epoch(), 1100U - ReceivingSection::kMaxPastEpochs);
  EXPECT_EQ(open(pair.receiver, packets[50]).status, OpenStatus::kStaleEpoch);  // in the window
  EXPECT_EQ(open(pair.receiver, packets[90]).status, OpenStatus::kOk);
}

// A stream that loses whole epochs (here 20 in a row) picks up again on its next packet.
class EpochLoss : public ::testing::TestWithParam<SeedMode> {};

TEST_P(EpochLoss, AStreamThatLosesWholeEpochsResynchronises) {
  SendingConfig config = basic_config();
  config.seed_mode = GetParam();
  config.packets_per_epoch = 3;
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingSection sender(config, seed);
  ReceivingSection receiver(config, seed);
  std::uint32_t seeded = 0;
  auto seal_next = [&] {
    if (GetParam() == SeedMode::kDistributed && !sender.has_next_seed()) {
      // The seed generating section hands both ends each next seed ahead of use.
      const Secret next = Secret::random(crypto::kSeedSize);
      seeded = sender.epoch() + 1;
      EXPECT_TRUE(sender.set_next_seed(seeded, next));
      EXPECT_TRUE(receiver.provide_seed(seeded, next));
    }
    return seal(sender, {1, 2, 3});
  };
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(open(receiver, seal_next()).status, OpenStatus::kOk);
  for (int i = 0; i < 60; ++i)
    seal_next();  // 20 epochs lost
  for (int i = 0; i < 10; ++i) {
    const auto packet = seal_next();
    EXPECT_EQ(open(receiver, packet).status, OpenStatus::kOk) << "packet " << i << " after the gap";
  }
  EXPECT_EQ(receiver.current_epoch(), sender.epoch());
  EXPECT_EQ(receiver.stats().epochs, sender.stats().epochs);
}

TEST_P(EpochLoss, ForgedPacketsOfFutureEpochsMoveNothing) {
  SendingConfig config = basic_config();
  config.seed_mode = GetParam();
  config.packets_per_epoch = 3;
  Pair pair(config);
  ASSERT_EQ(open(pair.receiver, seal(pair.sender, {1})).status, OpenStatus::kOk);
  auto forged = seal(pair.sender, {2});
  for (std::uint32_t ahead :
       {1U, 5U, ReceivingSection::kFutureEpochs, ReceivingSection::kFutureEpochs + 1, 1000U}) {
    forged[4] = static_cast<std::uint8_t>(ahead >> 24);
    forged[5] = static_cast<std::uint8_t>(ahead >> 16);
    forged[6] = static_cast<std::uint8_t>(ahead >> 8);
    forged[7] = static_cast<std::uint8_t>(ahead);
    const OpenStatus status = open(pair.receiver, forged).status;
    if (ahead > ReceivingSection::kFutureEpochs || GetParam() == SeedMode::kDistributed) {
      EXPECT_EQ(status, OpenStatus::kUnknownEpoch) << ahead;
    } else {
      EXPECT_EQ(status, OpenStatus::kForged) << ahead;
    }
    EXPECT_EQ(pair.receiver.current_epoch(), 0U);
  }
  // The genuine stream carries on.
  EXPECT_EQ(open(pair.receiver, seal(pair.sender, {3})).status, OpenStatus::kOk);
}

INSTANTIATE_TEST_SUITE_P(SeedModes, EpochLoss,
                         ::testing::Values(SeedMode::kSynchronized, SeedMode::kDistributed));

TEST(Sections, DistributedReceiverNamesTheSeedItLacksAndTakesItLate) {
  SendingConfig config = basic_config();
  config.seed_mode = SeedMode::kDistributed;
  config.packets_per_epoch = 2;
  Pair pair(config);
  const Secret next = Secret::random(crypto::kSeedSize);
  ASSERT_TRUE(pair.sender.set_next_seed(1, next));  // never reaches the receiver
  ASSERT_EQ(open(pair.receiver, seal(pair.sender, {0})).status, OpenStatus::kOk);
  seal(pair.sender, {1});
  const auto first_of_epoch_1 = seal(pair.sender, {2});
  EXPECT_EQ(open(pair.receiver, first_of_epoch_1).status, OpenStatus::kUnknownEpoch);
  ASSERT_EQ(pair.receiver.missing_seed(), std::optional<std::uint32_t>(1));
  // Asked again, the sender hands it over; the next packet opens.
  EXPECT_TRUE(pair.receiver.provide_seed(1, next));
  EXPECT_FALSE(pair.receiver.missing_seed());
  EXPECT_EQ(open(pair.receiver, seal(pair.sender, {3})).status, OpenStatus::kOk);
  EXPECT_EQ(pair.receiver.current_epoch(), 1U);
  // Seeds too far ahead, or for epochs long gone, are refused.
  EXPECT_FALSE(pair.receiver.provide_seed(2 + ReceivingSection::kFutureEpochs, next));
  EXPECT_FALSE(pair.receiver.provide_seed(1, Secret::random(7)));
}

TEST(Sections, AJoinerRefusesWhatWasSealedBeforeItsJoin) {
  SendingConfig config = basic_config();
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingSection sender(config, seed);
  const auto before_join = seal(sender, {1});
  SectionConfig joiner_config = config;
  joiner_config.first_sequence = sender.next_sequence();
  ReceivingSection joiner(joiner_config, seed);
  EXPECT_EQ(open(joiner, before_join).status, OpenStatus::kBeforeStart);
  EXPECT_EQ(open(joiner, seal(sender, {2})).status, OpenStatus::kOk);
  EXPECT_EQ(joiner.stats().count(OpenStatus::kBeforeStart), 1U);
}

TEST(Sections, OnePacketCannotPushTheReplayWindowFarAhead) {
  SendingConfig config = basic_config();
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingSection sender(config, seed);
  ReceivingSection receiver(config, seed);
  ASSERT_EQ(open(receiver, seal(sender, {1})).status, OpenStatus::kOk);
  // An insider holding the stream's keys seals a packet numbered far ahead.
  SendingConfig far = config;
  far.first_sequence = std::uint64_t{1} << 40;
  SendingSection insider(far, seed);
  EXPECT_EQ(open(receiver, seal(insider, {9})).status, OpenStatus::kTooFarAhead);
  EXPECT_EQ(receiver.highest_sequence(), std::optional<std::uint64_t>(0));
  EXPECT_EQ(open(receiver, seal(sender, {2})).status, OpenStatus::kOk);
  // Within the bound, a jump is a gap like any loss.
  SendingConfig near = config;
  near.first_sequence = ReceivingSection::kMaxForwardJump + 1;
  SendingSection later(near, seed);
  EXPECT_EQ(open(receiver, seal(later, {3})).status, OpenStatus::kOk);
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
