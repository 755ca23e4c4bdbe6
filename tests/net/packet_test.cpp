// Header format and replay window.

#include <gtest/gtest.h>

#include <array>

#include "agentcast/net/packet.h"
#include "agentcast/net/replay_window.h"
#include "support/hex.h"

namespace agentcast::net {
namespace {

TEST(PacketHeader, WritesTheDocumentedLayout) {
  std::array<std::uint8_t, kHeaderSize> bytes{};
  write_header({MediaKind::kVideo, 0x0102, 0x03040506, 0x0708090A0B0CULL}, bytes);
  EXPECT_EQ(test::to_hex(bytes),
            "0102010203040506"
            "0708090a0b0c");
  PacketHeader parsed;
  ASSERT_EQ(parse_header(bytes, parsed), HeaderStatus::kOk);
  EXPECT_EQ(parsed.kind, MediaKind::kVideo);
  EXPECT_EQ(parsed.stream_id, 0x0102);
  EXPECT_EQ(parsed.epoch, 0x03040506U);
  EXPECT_EQ(parsed.sequence, 0x0708090A0B0CULL);
}

TEST(PacketHeader, RejectsWhatItDoesNotKnow) {
  std::array<std::uint8_t, kHeaderSize> bytes{};
  write_header({MediaKind::kAudio, 1, 0, 0}, bytes);
  PacketHeader parsed;
  EXPECT_EQ(parse_header(Bytes(bytes.data(), kHeaderSize - 1), parsed), HeaderStatus::kTruncated);
  EXPECT_EQ(parse_header({}, parsed), HeaderStatus::kTruncated);
  auto copy = bytes;
  copy[0] = 2;
  EXPECT_EQ(parse_header(copy, parsed), HeaderStatus::kBadVersion);
  for (std::uint8_t flags : {0x00, 0x03, 0x08, 0x81, 0xFF, 0x40, 0x43}) {
    copy = bytes;
    copy[1] = flags;
    EXPECT_EQ(parse_header(copy, parsed), HeaderStatus::kBadFlags) << int(flags);
  }
}

TEST(PacketHeader, CarriesTheOriginTaggedFlagBesideTheKind) {
  std::array<std::uint8_t, kHeaderSize> bytes{};
  write_header({MediaKind::kVideo, 1, 2, 3, true}, bytes);
  EXPECT_EQ(bytes[1], 0x42);
  PacketHeader parsed;
  ASSERT_EQ(parse_header(bytes, parsed), HeaderStatus::kOk);
  EXPECT_EQ(parsed.kind, MediaKind::kVideo);
  EXPECT_TRUE(parsed.origin_tagged);
  write_header({MediaKind::kAudio, 1, 2, 3}, bytes);
  ASSERT_EQ(parse_header(bytes, parsed), HeaderStatus::kOk);
  EXPECT_FALSE(parsed.origin_tagged);
}

TEST(ReplayWindow, AcceptsEachNumberOnce) {
  ReplayWindow window;
  EXPECT_EQ(window.check(5), ReplayWindow::Verdict::kFresh);
  window.commit(5);
  EXPECT_EQ(window.check(5), ReplayWindow::Verdict::kDuplicate);
  EXPECT_EQ(window.check(4), ReplayWindow::Verdict::kFresh);
  window.commit(4);
  EXPECT_EQ(window.check(4), ReplayWindow::Verdict::kDuplicate);
  EXPECT_EQ(window.check(6), ReplayWindow::Verdict::kFresh);
}

TEST(ReplayWindow, HoldsAtLeast1024AndForgetsBeyondItsSize) {
  ReplayWindow window;
  window.commit(10'000);
  EXPECT_GE(ReplayWindow::kSize, 1024U);
  EXPECT_EQ(window.check(10'000 - 1023), ReplayWindow::Verdict::kFresh);
  EXPECT_EQ(window.check(10'000 - ReplayWindow::kSize + 1), ReplayWindow::Verdict::kFresh);
  EXPECT_EQ(window.check(10'000 - ReplayWindow::kSize), ReplayWindow::Verdict::kTooOld);
  window.commit(10'000 - 1000);
  EXPECT_EQ(window.check(10'000 - 1000), ReplayWindow::Verdict::kDuplicate);
}

TEST(ReplayWindow, SlotsReusedAfterAdvanceStartClear) {
  ReplayWindow window;
  for (std::uint64_t s = 0; s < 100; ++s)
    window.commit(s);
  window.commit(ReplayWindow::kSize + 50);  // reuses the slots of 0..50
  for (std::uint64_t s = 100; s < ReplayWindow::kSize + 50; ++s) {
    ASSERT_EQ(window.check(s), ReplayWindow::Verdict::kFresh) << s;
  }
  window.commit(10 * ReplayWindow::kSize);  // a jump past the whole window
  EXPECT_EQ(window.check(10 * ReplayWindow::kSize - 1), ReplayWindow::Verdict::kFresh);
  EXPECT_EQ(window.check(10 * ReplayWindow::kSize), ReplayWindow::Verdict::kDuplicate);
}

}  // namespace
}  // namespace agentcast::net
