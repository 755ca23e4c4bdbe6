// Two endpoints in lock-step through a hostile channel (Fig. 14): loss, deep reordering,
// duplication and bit flips, across many unit switches and epoch changes, with the
// selection computed on both ends (Fig. 6) or posted by the sender (Fig. 5).

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <queue>
#include <random>
#include <vector>

#include "agentcast/net/receiving_section.h"
#include "agentcast/net/sending_section.h"

namespace agentcast::net {
namespace {

using crypto::Secret;

constexpr std::uint64_t kPackets = 100'000;
constexpr double kLoss = 0.20;
constexpr std::uint64_t kMaxReorderDepth = 64;
constexpr double kDuplication = 0.01;
constexpr double kBitFlip = 0.01;
constexpr std::uint64_t kPacketsPerEpoch = 15'000;

// A payload whose content and size both depend on its index, so a packet decrypted with
// the wrong key or delivered as another cannot pass the comparison.
std::vector<std::uint8_t> payload_for(std::uint64_t index, std::size_t max_payload) {
  std::vector<std::uint8_t> payload(1 + (index * 7919) % max_payload);
  std::uint64_t x = index * 0x9E3779B97F4A7C15ULL + 1;
  for (auto& b : payload) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::uint8_t>(x);
  }
  return payload;
}

enum class Copy { kOriginal, kDuplicate, kFlipped };

struct InFlight {
  std::uint64_t deliver_at;
  std::uint64_t order;  // ties keep send order
  std::uint64_t index;
  Copy copy;
  std::vector<std::uint8_t> bytes;
  bool operator>(const InFlight& o) const {
    return deliver_at != o.deliver_at ? deliver_at > o.deliver_at : order > o.order;
  }
};

struct Outcome {
  std::uint64_t originals_delivered = 0;
  std::uint64_t duplicates_delivered = 0;
  std::uint64_t flipped_delivered = 0;
  std::uint64_t reordered_deliveries = 0;
};

// Distributed mode's seed generating section (Fig. 15): hands both ends each next epoch's
// seed, to the receiver possibly before it has left the epoch before.
struct SeedGenerator {
  std::uint32_t announced = 0;
  void tick(SendingSection& sender, ReceivingSection& receiver) {
    if (sender.epoch() + 1 <= announced) return;
    announced = sender.epoch() + 1;
    const Secret seed = Secret::random(crypto::kSeedSize);
    ASSERT_TRUE(sender.set_next_seed(announced, seed));
    ASSERT_TRUE(receiver.provide_seed(announced, seed));
  }
};

// Instructed selection's control channel (Fig. 5): block b + 1 reaches the receiver as
// the sender starts block b, the latest the sender may post it.
struct InstructionPoster {
  std::optional<std::uint64_t> posted;
  void tick(SendingSection& sender, ReceivingSection& receiver) {
    const std::uint64_t block = sender.next_sequence() / crypto::kScheduleBlockPackets;
    for (std::uint64_t b = posted ? *posted + 1 : block; b <= block + 1; ++b) {
      ASSERT_TRUE(receiver.provide_instructions(b, sender.instructions(b))) << "block " << b;
      posted = b;
    }
  }
};

class LockStep : public ::testing::TestWithParam<std::tuple<bool, SeedMode, SelectMode>> {};

TEST_P(LockStep, SurvivesLossReorderingDuplicationAndForgery) {
  const auto [reference_units, seed_mode, select_mode] = GetParam();
  SendingConfig config;
  config.label = {crypto::random_session_id(), crypto::Direction::kSenderToViewer, 1};
  config.kind = MediaKind::kVideo;
  config.units = crypto::UnitSet::standard(reference_units);
  config.seed_mode = seed_mode;
  config.select_mode = select_mode;
  config.packets_per_epoch = kPacketsPerEpoch;
  const Secret seed = Secret::random(crypto::kSeedSize);
  SendingSection sender(config, seed);
  ReceivingSection receiver(config, seed);
  SeedGenerator seeds;
  InstructionPoster instructions;

  std::mt19937_64 rng(20261124);
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  std::uniform_int_distribution<std::uint64_t> delay(0, kMaxReorderDepth - 1);
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> channel;
  std::uint64_t order = 0;
  Outcome outcome;
  std::map<std::uint64_t, int> accepted_per_index;
  std::uint64_t highest_delivered = 0;

  std::vector<std::uint8_t> plaintext(kDefaultMtu);
  auto deliver = [&](const InFlight& item) {
    const OpenResult result = receiver.open(item.bytes, plaintext);
    switch (item.copy) {
      case Copy::kFlipped:
        if (accepted_per_index.count(item.index)) {
          // A duplicate overtook it: the replay window stops it before the tag is looked at.
          ASSERT_EQ(result.status, OpenStatus::kReplay) << "flipped copy of " << item.index;
        } else {
          ++outcome.flipped_delivered;
          ASSERT_EQ(result.status, OpenStatus::kForged) << "flipped copy of " << item.index;
        }
        return;
      case Copy::kDuplicate:
      case Copy::kOriginal: {
        if (item.copy == Copy::kDuplicate) ++outcome.duplicates_delivered;
        if (item.copy == Copy::kOriginal) ++outcome.originals_delivered;
        if (item.index < highest_delivered) ++outcome.reordered_deliveries;
        highest_delivered = std::max(highest_delivered, item.index);
        // Whichever copy of a packet arrives second is the replay.
        if (accepted_per_index.count(item.index)) {
          ASSERT_EQ(result.status, OpenStatus::kReplay) << "second copy of " << item.index;
          return;
        }
        ASSERT_EQ(result.status, OpenStatus::kOk)
            << "packet " << item.index << ": " << to_string(result.status);
        ASSERT_EQ(result.header.sequence, item.index);
        const auto expected = payload_for(item.index, sender.max_payload());
        ASSERT_EQ(result.size, expected.size());
        ASSERT_TRUE(std::equal(expected.begin(), expected.end(), plaintext.begin()))
            << "packet " << item.index << " decrypted to the wrong plaintext";
        ++accepted_per_index[item.index];
      }
    }
  };

  std::vector<std::uint8_t> packet(kDefaultMtu);
  for (std::uint64_t i = 0; i < kPackets; ++i) {
    if (seed_mode == SeedMode::kDistributed) {
      seeds.tick(sender, receiver);
      if (HasFatalFailure()) return;
    }
    if (select_mode == SelectMode::kInstructed) {
      instructions.tick(sender, receiver);
      if (HasFatalFailure()) return;
    }
    const SealResult sealed = sender.seal(payload_for(i, sender.max_payload()), packet);
    ASSERT_EQ(sealed.status, SealStatus::kOk);
    std::vector<std::uint8_t> bytes(packet.begin(),
                                    packet.begin() + static_cast<long>(sealed.size));
    const std::uint64_t at = i + delay(rng);
    if (chance(rng) < kBitFlip) {
      // A tampered copy of the body or tag, delivered just before the original so that
      // the replay window cannot be what stops it: only the tag can.
      auto flipped = bytes;
      std::uniform_int_distribution<std::size_t> bit(kHeaderSize * 8, flipped.size() * 8 - 1);
      const std::size_t b = bit(rng);
      flipped[b / 8] ^= static_cast<std::uint8_t>(1U << (b % 8));
      channel.push({at, order++, i, Copy::kFlipped, std::move(flipped)});
    }
    if (chance(rng) < kDuplication) {
      channel.push({i + delay(rng), order++, i, Copy::kDuplicate, bytes});
    }
    if (chance(rng) >= kLoss) channel.push({at, order++, i, Copy::kOriginal, std::move(bytes)});
    while (!channel.empty() && channel.top().deliver_at <= i) {
      deliver(channel.top());
      if (HasFatalFailure()) return;
      channel.pop();
    }
  }
  while (!channel.empty()) {
    deliver(channel.top());
    if (HasFatalFailure()) return;
    channel.pop();
  }

  const SendingStats& sent = sender.stats();
  const ReceivingStats& received = receiver.stats();
  EXPECT_EQ(sent.packets_sealed, kPackets);
  EXPECT_GE(sent.unit_switches, 50U);
  EXPECT_GE(sent.epochs, 5U);
  EXPECT_EQ(sent.epoch_changes_delayed, 0U);
  EXPECT_EQ(received.epochs, sent.epochs);
  EXPECT_GE(received.unit_switches, 50U);
  // The channel really was hostile.
  EXPECT_NEAR(static_cast<double>(outcome.originals_delivered) / kPackets, 1.0 - kLoss, 0.01);
  EXPECT_GT(outcome.reordered_deliveries, kPackets / 10);
  EXPECT_GT(outcome.duplicates_delivered, kPackets / 200);
  EXPECT_GT(outcome.flipped_delivered, kPackets / 200);
  // Every distinct packet that arrived was accepted exactly once; nothing else was.
  EXPECT_EQ(received.accepted(), accepted_per_index.size());
  EXPECT_EQ(received.count(OpenStatus::kForged), outcome.flipped_delivered);
  for (std::size_t s = 0; s < kOpenStatusCount; ++s) {
    const auto status = static_cast<OpenStatus>(s);
    if (status != OpenStatus::kOk && status != OpenStatus::kReplay &&
        status != OpenStatus::kForged) {
      EXPECT_EQ(received.count(status), 0U) << to_string(status);
    }
  }
  EXPECT_GT(received.packets_reordered, kPackets / 10);
}

// Synchronized selection keeps its original test names.
INSTANTIATE_TEST_SUITE_P(
    UnitsAndSeedModes, LockStep,
    ::testing::Combine(::testing::Bool(),
                       ::testing::Values(SeedMode::kSynchronized, SeedMode::kDistributed),
                       ::testing::Values(SelectMode::kSynchronized, SelectMode::kInstructed)),
    [](const auto& param_info) {
      return std::string(std::get<0>(param_info.param) ? "WithReferenceUnits" : "ModernUnits") +
             (std::get<1>(param_info.param) == SeedMode::kSynchronized ? "SynchronizedSeeds"
                                                                       : "DistributedSeeds") +
             (std::get<2>(param_info.param) == SelectMode::kInstructed ? "InstructedSelection"
                                                                       : "");
    });

}  // namespace
}  // namespace agentcast::net
