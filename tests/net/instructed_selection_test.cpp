// Instructed selection (patent Fig. 5, claims 3-4): only the sending section runs
// selection control; the receiving section follows the runs the sender posts ahead of use.
// The control channel is simulated here by handing instructions() to
// provide_instructions() directly.

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/selection.h"
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/sending_section.h"

namespace agentcast::net {
namespace {

using crypto::Secret;
using crypto::UnitRun;
constexpr std::uint64_t kBlock = crypto::kScheduleBlockPackets;

SendingConfig instructed_config(SeedMode seed_mode = SeedMode::kSynchronized) {
  SendingConfig config;
  config.label = {crypto::random_session_id(), crypto::Direction::kSenderToViewer, 5};
  config.kind = MediaKind::kVideo;
  config.seed_mode = seed_mode;
  config.select_mode = SelectMode::kInstructed;
  return config;
}

std::vector<std::uint8_t> payload_for(std::uint64_t sequence) {
  return {static_cast<std::uint8_t>(sequence), static_cast<std::uint8_t>(sequence >> 8),
          static_cast<std::uint8_t>(sequence >> 16), 0x5A};
}

std::vector<std::uint8_t> seal(SendingSection& sender) {
  const auto payload = payload_for(sender.next_sequence());
  std::vector<std::uint8_t> packet(payload.size() + kPacketOverhead);
  const SealResult result = sender.seal(payload, packet);
  EXPECT_EQ(result.status, SealStatus::kOk);
  packet.resize(result.size);
  return packet;
}

OpenStatus open(ReceivingSection& receiver, const std::vector<std::uint8_t>& packet) {
  std::vector<std::uint8_t> out(packet.size());
  const OpenResult result = receiver.open(packet, out);
  if (result.status == OpenStatus::kOk) {
    out.resize(result.size);
    EXPECT_EQ(out, payload_for(result.header.sequence));
  }
  return result.status;
}

// The unit index of every packet of a block, from its runs.
std::vector<std::uint32_t> unpack(const std::vector<UnitRun>& runs) {
  std::vector<std::uint32_t> units;
  for (const UnitRun& run : runs)
    units.insert(units.end(), run.length, run.unit_index);
  return units;
}

// The runs that give each packet of a block the unit in `units`, cut at 92 packets.
std::vector<UnitRun> pack(const std::vector<std::uint32_t>& units) {
  std::vector<UnitRun> runs;
  for (std::uint32_t unit : units) {
    if (runs.empty() || runs.back().unit_index != unit ||
        runs.back().length == crypto::kMaxRunLength) {
      runs.push_back({unit, 0});
    }
    ++runs.back().length;
  }
  return runs;
}

void expect_well_formed(const std::vector<UnitRun>& runs, std::uint32_t unit_count) {
  std::uint64_t total = 0;
  for (const UnitRun& run : runs) {
    EXPECT_LT(run.unit_index, unit_count);
    EXPECT_GE(run.length, crypto::kMinRunLength);
    EXPECT_LE(run.length, crypto::kMaxRunLength);
    total += run.length;
  }
  EXPECT_EQ(total, kBlock);
}

class InstructedRoundTrip : public ::testing::TestWithParam<SeedMode> {};

TEST_P(InstructedRoundTrip, AcrossBlocksAndEpochChanges) {
  SendingConfig config = instructed_config(GetParam());
  config.packets_per_epoch = 5000;  // epoch changes fall inside blocks, not on their edges
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingSection sender(config, seed);
  ReceivingSection receiver(config, seed);
  const auto unit_count = static_cast<std::uint32_t>(config.units.units.size());

  // The control channel: block 0 before the first packet, block b + 1 as block b starts.
  ASSERT_TRUE(receiver.provide_instructions(0, sender.instructions(0)));
  constexpr std::uint64_t kPackets = 5 * kBlock + 100;
  for (std::uint64_t i = 0; i < kPackets; ++i) {
    if (i % kBlock == 0) {
      const std::uint64_t block = i / kBlock + 1;
      const std::vector<UnitRun> runs = sender.instructions(block);
      expect_well_formed(runs, unit_count);
      ASSERT_TRUE(receiver.provide_instructions(block, runs)) << "block " << block;
    }
    if (GetParam() == SeedMode::kDistributed && !sender.has_next_seed()) {
      const Secret next = Secret::random(crypto::kSeedSize);
      ASSERT_TRUE(sender.set_next_seed(sender.epoch() + 1, next));
      ASSERT_TRUE(receiver.provide_seed(sender.epoch() + 1, next));
    }
    ASSERT_EQ(open(receiver, seal(sender)), OpenStatus::kOk) << "packet " << i;
  }
  EXPECT_EQ(sender.stats().epochs, 4U);
  EXPECT_EQ(receiver.stats().epochs, sender.stats().epochs);
  EXPECT_EQ(receiver.stats().accepted(), kPackets);
  // In order and without loss, the receiver sees every switch the sender made.
  EXPECT_GT(sender.stats().unit_switches, 5 * kBlock / crypto::kMaxRunLength);
  EXPECT_EQ(receiver.stats().unit_switches, sender.stats().unit_switches);
  // Instructions are a pure function of the block: posting one twice posts the same runs.
  EXPECT_EQ(unpack(sender.instructions(3)), unpack(sender.instructions(3)));
}

INSTANTIATE_TEST_SUITE_P(SeedModes, InstructedRoundTrip,
                         ::testing::Values(SeedMode::kSynchronized, SeedMode::kDistributed),
                         [](const auto& param_info) {
                           return std::string(param_info.param == SeedMode::kSynchronized
                                                  ? "SynchronizedSeeds"
                                                  : "DistributedSeeds");
                         });

TEST(InstructedSelection, SynchronizedSelectionHasNoInstructions) {
  SendingConfig config = instructed_config();
  config.select_mode = SelectMode::kSynchronized;
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingSection sender(config, seed);
  ReceivingSection receiver(config, seed);
  EXPECT_TRUE(sender.instructions(0).empty());
  SendingSection instructed(instructed_config(), seed);
  EXPECT_FALSE(receiver.provide_instructions(0, instructed.instructions(0)));
}

TEST(InstructedSelection, InstructionsCanBeComputedArbitrarilyFarAhead) {
  SendingSection sender(instructed_config(SeedMode::kDistributed),
                        Secret::random(crypto::kSeedSize));
  const std::uint64_t last_block = crypto::kMaxSequence / kBlock;
  expect_well_formed(sender.instructions(1'000'000), 4);
  expect_well_formed(sender.instructions(last_block), 4);
  EXPECT_TRUE(sender.instructions(last_block + 1).empty());  // past the sequence space
}

TEST(InstructedSelection, PacketsBeforeTheirInstructionsAreRefusedAndMoveNothing) {
  SendingConfig config = instructed_config();
  config.packets_per_epoch = kBlock;  // block 1 is epoch 1: a wrong accept would rotate
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingSection sender(config, seed);
  ReceivingSection receiver(config, seed);
  std::vector<std::vector<std::uint8_t>> packets;
  for (std::uint64_t i = 0; i < kBlock + 10; ++i)
    packets.push_back(seal(sender));

  EXPECT_EQ(open(receiver, packets[0]), OpenStatus::kNoInstruction);
  ASSERT_TRUE(receiver.provide_instructions(0, sender.instructions(0)));
  for (std::size_t i = 0; i < 10; ++i)
    ASSERT_EQ(open(receiver, packets[i]), OpenStatus::kOk) << i;
  const ReceivingStats before = receiver.stats();

  // Block 1, epoch 1, 4090 ahead of the highest accepted: had it been accepted, the
  // window would have moved past packet 10 and the receiver would have changed epoch.
  EXPECT_EQ(open(receiver, packets[kBlock + 4]), OpenStatus::kNoInstruction);
  EXPECT_EQ(receiver.highest_sequence(), std::optional<std::uint64_t>(9));
  EXPECT_EQ(receiver.current_epoch(), 0U);
  EXPECT_EQ(receiver.stats().unit_switches, before.unit_switches);
  EXPECT_EQ(receiver.stats().packets_reordered, before.packets_reordered);
  EXPECT_EQ(receiver.stats().epochs, 0U);
  EXPECT_EQ(receiver.stats().count(OpenStatus::kNoInstruction), 2U);
  EXPECT_EQ(to_string(OpenStatus::kNoInstruction), "no instruction");

  EXPECT_EQ(open(receiver, packets[10]), OpenStatus::kOk);
  // The same packet is accepted once its instructions arrive.
  ASSERT_TRUE(receiver.provide_instructions(1, sender.instructions(1)));
  EXPECT_EQ(open(receiver, packets[kBlock + 4]), OpenStatus::kOk);
  EXPECT_EQ(receiver.current_epoch(), 1U);
  EXPECT_EQ(open(receiver, packets[kBlock + 4]), OpenStatus::kReplay);
  EXPECT_EQ(open(receiver, packets[kBlock - 5]), OpenStatus::kOk);  // previous epoch, late
}

class InstructionRefusal : public ::testing::Test {
 protected:
  InstructionRefusal()
      : config_(instructed_config()),
        seed_(Secret::random(crypto::kSeedSize)),
        sender_(config_, seed_),
        receiver_(config_, seed_),
        first_(seal(sender_)),
        runs_(sender_.instructions(0)) {}

  // Refused, and nothing stored: block 0's first packet still has no instruction.
  void expect_refused(std::uint64_t block, const std::vector<UnitRun>& runs) {
    EXPECT_FALSE(receiver_.provide_instructions(block, runs));
    EXPECT_EQ(open(receiver_, first_), OpenStatus::kNoInstruction);
  }

  const SendingConfig config_;
  const Secret seed_;
  SendingSection sender_;
  ReceivingSection receiver_;
  std::vector<std::uint8_t> first_;
  std::vector<UnitRun> runs_;
};

TEST_F(InstructionRefusal, MalformedRuns) {
  expect_refused(0, {});
  auto runs = runs_;
  runs.front().unit_index = 4;  // four units: 0-3
  expect_refused(0, runs);
  runs = runs_;
  runs.front().unit_index = 0xFFFFFFFF;
  expect_refused(0, runs);
  runs = runs_;
  runs.insert(runs.begin() + 1, UnitRun{0, 0});  // a zero length, total unchanged
  expect_refused(0, runs);
  runs = {UnitRun{1, crypto::kMaxRunLength + 1}};
  for (std::uint64_t total = crypto::kMaxRunLength + 1; total < kBlock; total += 1)
    runs.push_back({2, 1});
  expect_refused(0, runs);  // a 93-packet run, total 4096
  runs = runs_;
  if (--runs.back().length == 0) runs.pop_back();
  expect_refused(0, runs);  // 4095 packets
  runs = runs_;
  runs.push_back({0, 1});
  expect_refused(0, runs);  // 4097 packets
  runs = std::vector<UnitRun>(kBlock, UnitRun{1, 1});
  EXPECT_TRUE(receiver_.provide_instructions(7, runs));  // 4096 runs of 1 are fine
  // Past the 48-bit sequence space.
  expect_refused(crypto::kMaxSequence / kBlock + 1, runs_);
  EXPECT_TRUE(receiver_.provide_instructions(crypto::kMaxSequence / kBlock, runs_));

  ASSERT_TRUE(receiver_.provide_instructions(0, runs_));
  EXPECT_EQ(open(receiver_, first_), OpenStatus::kOk);
}

TEST_F(InstructionRefusal, NotInInstructedSelection) {
  SendingConfig config = config_;
  config.select_mode = SelectMode::kSynchronized;
  ReceivingSection synchronized(config, seed_);
  EXPECT_FALSE(synchronized.provide_instructions(0, runs_));
}

TEST_F(InstructionRefusal, RepeatsAreIdempotentAndConflictsRefused) {
  ASSERT_TRUE(receiver_.provide_instructions(0, runs_));
  EXPECT_TRUE(receiver_.provide_instructions(0, runs_));
  // The same packets split into other runs are the same instruction.
  auto units = unpack(runs_);
  std::vector<UnitRun> split(units.size());
  for (std::size_t i = 0; i < units.size(); ++i)
    split[i] = {units[i], 1};
  EXPECT_TRUE(receiver_.provide_instructions(0, split));
  // Other units for a held block: refused, the first instructions stay in force.
  units[0] = (units[0] + 1) % 4;
  EXPECT_FALSE(receiver_.provide_instructions(0, pack(units)));
  EXPECT_EQ(open(receiver_, first_), OpenStatus::kOk);
}

TEST_F(InstructionRefusal, BlocksWhollyBehindTheReplayWindow) {
  // Highest accepted 3 * 4096 + 2047: block 2 ends 2048 below it, so all of it is too old.
  SendingConfig config = instructed_config();
  config.first_sequence = 3 * kBlock + ReplayWindow::kSize - 1;
  SendingSection sender(config, seed_);
  ReceivingSection receiver(config, seed_);
  ASSERT_TRUE(receiver.provide_instructions(0, sender.instructions(0)));  // nothing seen yet
  ASSERT_TRUE(receiver.provide_instructions(3, sender.instructions(3)));
  ASSERT_EQ(open(receiver, seal(sender)), OpenStatus::kOk);
  EXPECT_FALSE(receiver.provide_instructions(2, sender.instructions(2)));
  EXPECT_FALSE(receiver.provide_instructions(1, sender.instructions(1)));
  EXPECT_FALSE(receiver.provide_instructions(0, sender.instructions(0)));  // even if held
  // A block with a single packet left inside the window is still useful.
  config.first_sequence -= 1;
  SendingSection sender2(config, seed_);
  ReceivingSection receiver2(config, seed_);
  ASSERT_TRUE(receiver2.provide_instructions(3, sender2.instructions(3)));
  ASSERT_EQ(open(receiver2, seal(sender2)), OpenStatus::kOk);
  EXPECT_TRUE(receiver2.provide_instructions(2, sender2.instructions(2)));
  EXPECT_FALSE(receiver2.provide_instructions(1, sender2.instructions(1)));
}

TEST_F(InstructionRefusal, AtMostFourBlocksTheLowestEvicted) {
  static_assert(ReceivingSection::kInstructedBlocks == 4);
  SendingSection& sender = sender_;
  std::vector<std::vector<std::uint8_t>> packets{first_};  // one packet from each block
  for (std::uint64_t block = 1; block <= 4; ++block) {
    while (sender.next_sequence() < block * kBlock + 1)
      seal(sender);
    packets.push_back(seal(sender));
  }
  for (std::uint64_t block : {2, 0, 3, 1})
    ASSERT_TRUE(receiver_.provide_instructions(block, sender.instructions(block)));
  ASSERT_TRUE(receiver_.provide_instructions(4, sender.instructions(4)));  // evicts block 0
  EXPECT_EQ(open(receiver_, packets[0]), OpenStatus::kNoInstruction);
  // Block 0 is now lower than every held block: storing it would evict it at once.
  EXPECT_FALSE(receiver_.provide_instructions(0, sender.instructions(0)));
  for (std::size_t block = 1; block <= 4; ++block)
    EXPECT_EQ(open(receiver_, packets[block]), OpenStatus::kOk) << block;
  EXPECT_EQ(open(receiver_, packets[0]), OpenStatus::kTooOld);
}

TEST(InstructedSelection, TheInstructionKeyIsRandomNotFromTheSeed) {
  const SendingConfig config = instructed_config();
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingSection a(config, seed);
  SendingSection b(config, seed);
  for (std::uint64_t block : {0, 1, 1000})
    EXPECT_NE(unpack(a.instructions(block)), unpack(b.instructions(block))) << block;
  // Nor is it the epoch's selection key of synchronized selection.
  Secret selection_key;
  ASSERT_TRUE(crypto::derive_selection_key(seed, config.label, 0, selection_key));
  crypto::SelectionSchedule epoch_schedule(selection_key, 4);
  EXPECT_NE(unpack(a.instructions(0)), unpack(epoch_schedule.block_runs(0)));
}

TEST(InstructedSelection, InstructionsFromTheWrongSenderNeverOpenItsPackets) {
  // Two senders of the same stream and seed, which a real session never has: their units
  // share keys, so only the instructions tell their packets apart.
  const SendingConfig config = instructed_config();
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingSection right(config, seed);
  SendingSection wrong(config, seed);
  ReceivingSection receiver(config, seed);
  ASSERT_TRUE(receiver.provide_instructions(0, wrong.instructions(0)));
  const auto wrong_units = unpack(wrong.instructions(0));
  const auto right_units = unpack(right.instructions(0));
  std::uint64_t forged = 0;
  for (std::uint64_t i = 0; i < kBlock; ++i) {
    const OpenStatus status = open(receiver, seal(right));
    // A packet opens only where the wrong instructions happen to name its unit.
    ASSERT_EQ(status, wrong_units[i] == right_units[i] ? OpenStatus::kOk : OpenStatus::kForged)
        << "packet " << i;
    forged += status == OpenStatus::kForged ? 1 : 0;
  }
  EXPECT_GT(forged, kBlock / 2);  // four units: about three quarters
  EXPECT_EQ(receiver.stats().count(OpenStatus::kForged), forged);
}

TEST(InstructedSelection, EpochKeysWithoutASchedule) {
  const SendingConfig config = instructed_config();
  const Secret seed = Secret::random(crypto::kSeedSize);
  auto bare = crypto::EpochKeys::derive(seed, config.label, 0, config.units,
                                        crypto::EpochKeys::Schedule::kNone);
  auto full = crypto::EpochKeys::derive(seed, config.label, 0, config.units);
  ASSERT_TRUE(bare && full);
  EXPECT_FALSE(bare->has_schedule());
  EXPECT_TRUE(full->has_schedule());
  EXPECT_EQ(bare->unit_count(), 4U);
  EXPECT_EQ(bare->select(0).unit, nullptr);
  EXPECT_EQ(bare->unit(4).unit, nullptr);
  EXPECT_EQ(bare->unit(0xFFFFFFFF).unit, nullptr);
  // The same unit keys with or without a schedule.
  const std::vector<std::uint8_t> plaintext{1, 2, 3};
  for (std::uint32_t index = 0; index < 4; ++index) {
    const crypto::EpochKeys::Selection sealer = bare->unit(index);
    const crypto::EpochKeys::Selection opener = full->unit(index);
    ASSERT_NE(sealer.unit, nullptr);
    EXPECT_EQ(sealer.index, index);
    std::vector<std::uint8_t> sealed(plaintext.size() + crypto::kTagSize), opened(3);
    const crypto::Nonce nonce = crypto::nonce_for_sequence(index);
    ASSERT_EQ(sealer.unit->seal(nonce, {}, plaintext, sealed), crypto::UnitStatus::kOk);
    ASSERT_EQ(opener.unit->open(nonce, {}, sealed, opened), crypto::UnitStatus::kOk);
    EXPECT_EQ(opened, plaintext);
  }
}

TEST(InstructedSelection, TheReceiverFollowsInstructionsAndComputesNoSchedule) {
  // Packets sealed by hand under units that the epoch's schedule would never pick for
  // them: a receiver that consulted any schedule could not open one. (Its epoch keys are
  // derived with Schedule::kNone, whose select() gives no unit at all.)
  const SendingConfig config = instructed_config();
  const Secret seed = Secret::random(crypto::kSeedSize);
  auto keys = crypto::EpochKeys::derive(seed, config.label, 0, config.units);
  ASSERT_TRUE(keys);
  std::vector<std::uint32_t> units;
  std::vector<std::vector<std::uint8_t>> packets;
  for (std::uint64_t sequence = 0; sequence < kBlock; ++sequence) {
    const std::uint32_t unit = (keys->select(sequence).index + 1) % keys->unit_count();
    units.push_back(unit);
    const auto payload = payload_for(sequence);
    std::vector<std::uint8_t> packet(payload.size() + kPacketOverhead);
    const PacketHeader header{config.kind, config.label.stream_id, 0, sequence};
    write_header(header, std::span(packet).first<kHeaderSize>());
    ASSERT_EQ(keys->unit(unit).unit->seal(crypto::nonce_for_sequence(sequence),
                                          std::span(packet).first(kHeaderSize), payload,
                                          std::span(packet).subspan(kHeaderSize)),
              crypto::UnitStatus::kOk);
    packets.push_back(std::move(packet));
  }
  ReceivingSection receiver(config, seed);
  ASSERT_TRUE(receiver.provide_instructions(0, pack(units)));
  SendingConfig synchronized_config = config;
  synchronized_config.select_mode = SelectMode::kSynchronized;
  ReceivingSection synchronized(synchronized_config, seed);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    ASSERT_EQ(open(receiver, packets[i]), OpenStatus::kOk) << i;
    ASSERT_EQ(open(synchronized, packets[i]), OpenStatus::kForged) << i;
  }
  EXPECT_GT(receiver.stats().unit_switches, kBlock / crypto::kMaxRunLength);
}

TEST(InstructedSelection, ConfigurationRefusesAnUnknownMode) {
  SendingConfig config = instructed_config();
  config.select_mode = static_cast<SelectMode>(2);
  EXPECT_THROW(SendingSection(config, Secret::random(crypto::kSeedSize)), std::invalid_argument);
  EXPECT_THROW(ReceivingSection(config, Secret::random(crypto::kSeedSize)), std::invalid_argument);
}

}  // namespace
}  // namespace agentcast::net
