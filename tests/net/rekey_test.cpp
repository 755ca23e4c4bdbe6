// Re-keying a stream when a viewer is removed (PROTOCOL.md §4, §8): from the re-key
// epoch on, a receiver that was not given the fresh seed opens nothing, in both seed
// modes, while one that was given it opens everything, lost and reordered packets around
// the change included.

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <vector>

#include "agentcast/net/receiving_section.h"
#include "agentcast/net/sending_section.h"

namespace agentcast::net {
namespace {

using crypto::Secret;

SendingConfig config_for(SeedMode mode) {
  SendingConfig config;
  config.label = {crypto::random_session_id(), crypto::Direction::kSenderToViewer, 1};
  config.kind = MediaKind::kVideo;
  config.seed_mode = mode;
  config.packets_per_epoch = 5;
  return config;
}

struct Packet {
  std::vector<std::uint8_t> bytes;
  std::uint32_t epoch = 0;
  std::uint64_t sequence = 0;
};

OpenStatus open(ReceivingSection& receiver, const Packet& packet) {
  std::vector<std::uint8_t> out(packet.bytes.size());
  return receiver.open(packet.bytes, out).status;
}

// A sender with two receivers that share everything up to the removal: `kept` is given
// every seed, `removed` every seed before the re-key (distributed seeds are delivered
// ahead of use to whoever is in at that time).
class Broadcast {
 public:
  explicit Broadcast(SeedMode mode)
      : config_(config_for(mode)),
        seed_(Secret::random(crypto::kSeedSize)),
        sender(config_, seed_),
        kept(config_, seed_),
        removed(config_, seed_) {}

  Packet next() {
    if (config_.seed_mode == SeedMode::kDistributed && !sender.has_next_seed()) {
      const Secret seed = Secret::random(crypto::kSeedSize);
      const std::uint32_t epoch = sender.epoch() + 1;
      EXPECT_TRUE(sender.set_next_seed(epoch, seed));
      EXPECT_TRUE(kept.provide_seed(epoch, seed));
      if (!removed_) removed.provide_seed(epoch, seed);
    }
    Packet packet;
    packet.bytes.resize(40 + kPacketOverhead);
    const SealResult sealed = sender.seal(Bytes(packet.bytes.data(), 40), packet.bytes);
    EXPECT_EQ(sealed.status, SealStatus::kOk);
    packet.bytes.resize(sealed.size);
    PacketHeader header;
    EXPECT_EQ(parse_header(packet.bytes, header), HeaderStatus::kOk);
    packet.epoch = header.epoch;
    packet.sequence = header.sequence;
    return packet;
  }

  // The host removes a viewer: a fresh seed, staged in the sender, given to `kept` only.
  std::pair<std::uint32_t, Secret> remove() {
    removed_ = true;
    const Secret fresh = Secret::random(crypto::kSeedSize);
    const std::optional<std::uint32_t> epoch = sender.prepare_rekey(fresh);
    EXPECT_TRUE(epoch.has_value());
    return {epoch.value_or(0), fresh};
  }

 private:
  SendingConfig config_;
  Secret seed_;
  bool removed_ = false;

 public:
  SendingSection sender;
  ReceivingSection kept;
  ReceivingSection removed;
};

class Rekey : public ::testing::TestWithParam<SeedMode> {};

TEST_P(Rekey, ARemovedReceiverOpensNothingFromTheRekeyEpochOn) {
  Broadcast b(GetParam());
  // Before the removal both open everything: the attack has keys to use.
  for (int i = 0; i < 12; ++i) {
    const Packet packet = b.next();
    ASSERT_EQ(open(b.kept, packet), OpenStatus::kOk);
    ASSERT_EQ(open(b.removed, packet), OpenStatus::kOk);
  }
  const auto [epoch, seed] = b.remove();
  EXPECT_EQ(epoch, b.sender.epoch() + 1);
  ASSERT_TRUE(b.kept.rekey(epoch, seed));
  // Until the commit the stream stays in its epoch, even past its quota.
  for (int i = 0; i < 12; ++i) {
    const Packet packet = b.next();
    EXPECT_EQ(packet.epoch, epoch - 1);
    EXPECT_EQ(open(b.kept, packet), OpenStatus::kOk);
    EXPECT_EQ(open(b.removed, packet), OpenStatus::kOk);  // sealed before the re-key
  }
  EXPECT_FALSE(b.sender.set_next_seed(epoch, Secret::random(crypto::kSeedSize)));
  ASSERT_TRUE(b.sender.commit_rekey(epoch));
  const std::uint64_t removed_accepted = b.removed.stats().accepted();
  int after = 0;
  for (int i = 0; i < 60; ++i, ++after) {
    const Packet packet = b.next();
    if (i == 0) {
      EXPECT_EQ(packet.epoch, epoch) << "the next packet is in the re-key epoch";
    }
    EXPECT_EQ(open(b.kept, packet), OpenStatus::kOk) << i;
    const OpenStatus status = open(b.removed, packet);
    EXPECT_TRUE(status == OpenStatus::kForged || status == OpenStatus::kUnknownEpoch)
        << i << ": " << to_string(status);
  }
  EXPECT_EQ(b.removed.stats().accepted(), removed_accepted);
  EXPECT_EQ(b.removed.stats().count(OpenStatus::kForged) +
                b.removed.stats().count(OpenStatus::kUnknownEpoch),
            static_cast<std::uint64_t>(after));
  EXPECT_GT(b.sender.epoch(), epoch + 5) << "the chain continues from the fresh seed";
  EXPECT_EQ(b.sender.stats().rekeys, 1U);
  EXPECT_EQ(b.kept.stats().rekeys, 1U);
  EXPECT_EQ(b.kept.current_epoch(), b.sender.epoch());
}

TEST_P(Rekey, LossAndReorderingAroundTheChangeCostNothing) {
  Broadcast b(GetParam());
  std::vector<Packet> packets;
  for (int i = 0; i < 8; ++i)
    packets.push_back(b.next());
  const auto [epoch, seed] = b.remove();
  // The seed arrives before any packet of its epoch: the sender waits for that.
  ASSERT_TRUE(b.kept.rekey(epoch, seed));
  for (int i = 0; i < 4; ++i)
    packets.push_back(b.next());
  ASSERT_TRUE(b.sender.commit_rekey(epoch));
  for (int i = 0; i < 30; ++i)
    packets.push_back(b.next());
  // The packets around the change arrive shuffled and some are lost, the first of the
  // re-key epoch among them.
  std::mt19937 random(7);
  std::shuffle(packets.begin(), packets.end(), random);
  int opened = 0;
  for (const Packet& packet : packets) {
    if (packet.sequence % 7 == 3 || packet.sequence == 12) continue;  // lost
    EXPECT_EQ(open(b.kept, packet), OpenStatus::kOk)
        << "epoch " << packet.epoch << " sequence " << packet.sequence;
    ++opened;
  }
  EXPECT_EQ(b.kept.stats().accepted(), static_cast<std::uint64_t>(opened));
  EXPECT_EQ(b.kept.stats().count(OpenStatus::kForged), 0U);
}

TEST_P(Rekey, ASeedThatArrivesLateCostsOnlyThePacketsBeforeIt) {
  Broadcast b(GetParam());
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(open(b.kept, b.next()), OpenStatus::kOk);
  const auto [epoch, seed] = b.remove();
  ASSERT_TRUE(b.sender.commit_rekey(epoch));
  const Packet early = b.next();
  ASSERT_EQ(early.epoch, epoch);
  // Under the seeds it held before, the packet does not authenticate (distributed: no
  // seed was ever drawn for that epoch beyond the one the re-key replaced).
  const OpenStatus refused = open(b.kept, early);
  EXPECT_TRUE(refused == OpenStatus::kForged || refused == OpenStatus::kUnknownEpoch)
      << to_string(refused);
  EXPECT_EQ(b.kept.current_epoch(), epoch - 1);
  ASSERT_TRUE(b.kept.rekey(epoch, seed));
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(open(b.kept, b.next()), OpenStatus::kOk) << i;
}

TEST_P(Rekey, OnlyAFittingRekeyIsTaken) {
  Broadcast b(GetParam());
  ASSERT_EQ(open(b.kept, b.next()), OpenStatus::kOk);
  const auto [epoch, seed] = b.remove();
  ASSERT_TRUE(b.kept.rekey(epoch, seed));
  EXPECT_FALSE(b.kept.rekey(epoch + ReceivingSection::kFutureEpochs + 1, seed));
  EXPECT_FALSE(b.kept.rekey(epoch, Secret::random(7)));
  ASSERT_TRUE(b.sender.commit_rekey(epoch));
  EXPECT_EQ(open(b.kept, b.next()), OpenStatus::kOk);
  EXPECT_FALSE(b.sender.commit_rekey(epoch)) << "done once, in the epoch it names";
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(open(b.kept, b.next()), OpenStatus::kOk) << i;
}

TEST(RekeyMoved, ARekeyOfAnEpochAlreadyEnteredMakesItCurrentAgain) {
  const SendingConfig config = config_for(SeedMode::kSynchronized);
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingSection forger(config, seed);  // the removed viewer's copy of the old chain
  SendingSection sender(config, seed);
  ReceivingSection kept(config, seed);
  std::vector<std::uint8_t> out(64);
  for (int i = 0; i < 5; ++i) {  // epoch 0
    std::vector<std::uint8_t> packet(10 + kPacketOverhead);
    ASSERT_EQ(sender.seal(Bytes(packet.data(), 10), packet).status, SealStatus::kOk);
    ASSERT_EQ(kept.open(packet, out).status, OpenStatus::kOk);
  }
  const Secret fresh = Secret::random(crypto::kSeedSize);
  ASSERT_EQ(sender.prepare_rekey(fresh), std::optional<std::uint32_t>(1));
  // The forger seals its epoch 1 under the old chain, numbered ahead of the sender.
  for (int i = 0; i < 6; ++i) {
    std::vector<std::uint8_t> packet(10 + kPacketOverhead);
    ASSERT_EQ(forger.seal(Bytes(packet.data(), 10), packet).status, SealStatus::kOk);
  }
  std::vector<std::uint8_t> forged(10 + kPacketOverhead);
  ASSERT_EQ(forger.seal(Bytes(forged.data(), 10), forged).status, SealStatus::kOk);
  ASSERT_EQ(kept.open(forged, out).status, OpenStatus::kOk);
  ASSERT_EQ(kept.current_epoch(), 1U);
  ASSERT_TRUE(kept.rekey(1, fresh));
  EXPECT_EQ(kept.current_epoch(), 1U);
  ASSERT_TRUE(sender.commit_rekey(1));
  int opened = 0;
  for (int i = 0; i < 20; ++i) {
    std::vector<std::uint8_t> packet(10 + kPacketOverhead);
    ASSERT_EQ(sender.seal(Bytes(packet.data(), 10), packet).status, SealStatus::kOk);
    const OpenStatus status = kept.open(packet, out).status;
    // The forger's packet took sequence 11; the sender's own 11 is then a replay.
    if (status == OpenStatus::kOk) ++opened;
  }
  EXPECT_GE(opened, 19);
  // The forger's old chain opens nothing more at `kept`.
  std::vector<std::uint8_t> packet(10 + kPacketOverhead);
  for (int i = 0; i < 30; ++i)
    ASSERT_EQ(forger.seal(Bytes(packet.data(), 10), packet).status, SealStatus::kOk);
  EXPECT_NE(kept.open(packet, out).status, OpenStatus::kOk);
}

INSTANTIATE_TEST_SUITE_P(SeedModes, Rekey,
                         ::testing::Values(SeedMode::kSynchronized, SeedMode::kDistributed));

}  // namespace
}  // namespace agentcast::net
