// Selection control (Fig. 11): determinism, range, unbiasedness and random access.

#include <gtest/gtest.h>

#include <array>
#include <map>

#include "agentcast/crypto/selection.h"

namespace agentcast::crypto {
namespace {

Secret key_with(std::uint8_t fill) {
  std::array<std::uint8_t, 32> bytes;
  bytes.fill(fill);
  return Secret(bytes);
}

TEST(SelectionSchedule, SameSeedAgreesOnTheFirstMillionPackets) {
  SelectionSchedule a(key_with(7), 4);
  SelectionSchedule b(key_with(7), 4);
  for (std::uint64_t seq = 0; seq < 1'000'000; ++seq) {
    ASSERT_EQ(a.unit_index(seq), b.unit_index(seq)) << "sequence " << seq;
  }
}

TEST(SelectionSchedule, DifferentSeedsDisagree) {
  SelectionSchedule a(key_with(7), 4);
  SelectionSchedule b(key_with(8), 4);
  std::uint64_t same = 0;
  constexpr std::uint64_t kPackets = 1'000'000;
  for (std::uint64_t seq = 0; seq < kPackets; ++seq)
    same += a.unit_index(seq) == b.unit_index(seq);
  // Independent schedules over 4 units agree on about a quarter of the packets.
  EXPECT_GT(same, kPackets / 5);
  EXPECT_LT(same, kPackets * 3 / 10);
}

TEST(SelectionSchedule, RunsAreOneTo92PacketsAndFillEachBlock) {
  SelectionSchedule schedule(key_with(1), 7);
  std::map<std::uint32_t, int> lengths;
  for (std::uint64_t block = 0; block < 50; ++block) {
    const auto runs = schedule.block_runs(block);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      EXPECT_LT(runs[i].unit_index, 7U);
      EXPECT_GE(runs[i].length, kMinRunLength);
      EXPECT_LE(runs[i].length, kMaxRunLength);
      total += runs[i].length;
      if (i + 1 < runs.size()) ++lengths[runs[i].length];  // the last run is cut at the block end
    }
    EXPECT_EQ(total, kScheduleBlockPackets);
  }
  EXPECT_EQ(lengths.size(), kMaxRunLength) << "every length from 1 to 92 occurs";
}

TEST(SelectionSchedule, UnitIndexFollowsTheRuns) {
  SelectionSchedule schedule(key_with(3), 5);
  SelectionSchedule lookup(key_with(3), 5);
  std::uint64_t seq = 2 * kScheduleBlockPackets;
  for (const UnitRun& run : schedule.block_runs(2)) {
    for (std::uint32_t i = 0; i < run.length; ++i, ++seq) {
      ASSERT_EQ(lookup.unit_index(seq), run.unit_index) << "sequence " << seq;
    }
  }
}

TEST(SelectionSchedule, RandomAccessMatchesSequentialAccess) {
  SelectionSchedule sequential(key_with(9), 4);
  std::vector<std::uint32_t> expected;
  for (std::uint64_t seq = 0; seq < 5 * kScheduleBlockPackets; ++seq) {
    expected.push_back(*sequential.unit_index(seq));
  }
  SelectionSchedule jumping(key_with(9), 4);
  // Back and forth across block boundaries, as a reordering receiver asks.
  std::uint64_t seq = 17;
  for (int i = 0; i < 20'000; ++i) {
    seq = (seq * 6364136223846793005ULL + 1442695040888963407ULL) % expected.size();
    ASSERT_EQ(jumping.unit_index(seq), expected[seq]) << "sequence " << seq;
  }
  // Far sequence numbers work too (48-bit space).
  EXPECT_TRUE(jumping.unit_index((std::uint64_t{1} << 48) - 1).has_value());
}

TEST(SelectionSchedule, UnitsAreChosenUniformly) {
  SelectionSchedule schedule(key_with(4), 3);
  std::array<std::uint64_t, 3> runs_per_unit{};
  std::uint64_t total = 0;
  for (std::uint64_t block = 0; block < 400; ++block) {
    for (const UnitRun& run : schedule.block_runs(block)) {
      ++runs_per_unit[run.unit_index];
      ++total;
    }
  }
  for (std::uint64_t count : runs_per_unit) {
    // ~35,000 runs: a fair third lies well within +-3%.
    EXPECT_NEAR(static_cast<double>(count) / static_cast<double>(total), 1.0 / 3.0, 0.01);
  }
}

TEST(SelectionDrbg, UniformStaysInRange) {
  SelectionDrbg drbg;
  ASSERT_TRUE(drbg.reset(key_with(5).bytes(), 0));
  for (std::uint32_t bound : {1U, 2U, 3U, 92U, 1000U, 0x80000001U}) {
    for (int i = 0; i < 1000; ++i)
      EXPECT_LT(drbg.uniform(bound), bound);
  }
  EXPECT_TRUE(drbg.ok());
}

TEST(SelectionSchedule, RefusesBadSetup) {
  EXPECT_THROW(SelectionSchedule(key_with(1), 0), std::invalid_argument);
  EXPECT_THROW(SelectionSchedule(Secret(std::array<std::uint8_t, 16>{}), 3), std::invalid_argument);
}

}  // namespace
}  // namespace agentcast::crypto
