// One keyframe per gap, whoever asks; a request folded in is forced later, never lost.
#include "keyframe_throttle.h"

#include <gtest/gtest.h>

namespace agentcast::app {
namespace {

TEST(KeyframeThrottle, TheFirstRequestForcesAKeyframeAtOnce) {
  int forced = 0;
  KeyframeThrottle throttle([&] { ++forced; }, 80'000);
  throttle.request(1'000'000);
  EXPECT_EQ(forced, 1);
  EXPECT_EQ(throttle.forced(), 1u);
  EXPECT_EQ(throttle.folded(), 0u);
}

TEST(KeyframeThrottle, RequestsWithinTheGapAreFoldedIntoOneForcedLater) {
  int forced = 0;
  KeyframeThrottle throttle([&] { ++forced; }, 80'000);
  throttle.request(0);
  for (int i = 1; i <= 30; ++i)
    throttle.request(i * 1'000);
  EXPECT_EQ(forced, 1);
  EXPECT_EQ(throttle.folded(), 30u);
  throttle.poll(79'999);
  EXPECT_EQ(forced, 1);
  throttle.poll(80'000);
  EXPECT_EQ(forced, 2) << "the folded requests get their keyframe once the gap has passed";
  throttle.poll(200'000);
  EXPECT_EQ(forced, 2) << "nothing pending: polling forces nothing";
}

TEST(KeyframeThrottle, AFloodOfRequestsForcesAtMostOnePerGap) {
  int forced = 0;
  KeyframeThrottle throttle([&] { ++forced; }, 80'000);
  for (std::int64_t now = 0; now < 1'000'000; now += 1'000) {  // a request every ms, 1 s
    throttle.request(now);
    if (now % 20'000 == 0) throttle.poll(now);
  }
  EXPECT_LE(forced, 13);
  EXPECT_GE(forced, 12);
}

}  // namespace
}  // namespace agentcast::app
