// JitterBuffer: reassembly, playout timing (explicit clocks, no sleeps), loss handling,
// keyframe gating, and pathological input from a peer whose headers lie.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "agentcast/media/jitter_buffer.h"
#include "agentcast/media/packetizer.h"

namespace agentcast::media {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::int64_t kMs = 1000;
constexpr std::int64_t kFrameUs = 33'333;

JitterConfig with_latency(std::int64_t latency_us) {
  JitterConfig config;
  config.latency_us = latency_us;
  return config;
}

EncodedFrame make_frame(std::uint64_t id, std::size_t size, bool key = true,
                        Codec codec = Codec::kH264) {
  EncodedFrame frame;
  frame.codec = codec;
  frame.frame_id = id;
  frame.capture_time_us = static_cast<std::int64_t>(id) * kFrameUs;
  frame.keyframe = key;
  frame.data.resize(size);
  for (std::size_t i = 0; i < size; ++i)
    frame.data[i] = static_cast<std::uint8_t>(id * 31 + i);
  return frame;
}

std::vector<Bytes> fragments_of(const EncodedFrame& frame) {
  std::vector<Bytes> out;
  Packetizer packetizer;
  EXPECT_EQ(
      packetizer.fragment(
          frame, [&](std::span<const std::uint8_t> p) { out.emplace_back(p.begin(), p.end()); }),
      FragmentStatus::kOk);
  return out;
}

// Inserts every fragment of `frame` (but those listed in `skip`) at `arrival_us`.
void deliver(JitterBuffer& jb, const EncodedFrame& frame, std::int64_t arrival_us,
             std::vector<std::size_t> skip = {}) {
  const std::vector<Bytes> f = fragments_of(frame);
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (std::find(skip.begin(), skip.end(), i) == skip.end()) jb.insert(f[i], arrival_us);
  }
}

// Everything pop() hands out at `now`.
std::vector<ReleasedFrame> drain(JitterBuffer& jb, std::int64_t now) {
  std::vector<ReleasedFrame> out;
  while (std::optional<ReleasedFrame> f = jb.pop(now))
    out.push_back(std::move(*f));
  return out;
}

std::vector<std::uint64_t> ids(const std::vector<ReleasedFrame>& frames) {
  std::vector<std::uint64_t> out;
  for (const ReleasedFrame& f : frames)
    out.push_back(f.frame.frame_id);
  return out;
}

// The non-zero counters, e.g. "released=2 dropped=1", so unexpected counts show up too.
std::string counts(const JitterStats& s) {
  const char* const names[] = {
      "invalid", "duplicate", "late",    "far",     "overflow", "discarded", "complete", "released",
      "dropped", "evicted",   "missing", "corrupt", "skipped",  "requests",  "resyncs",  "depth"};
  const std::uint64_t values[] = {
      s.fragments_invalid,  s.fragments_duplicate, s.fragments_late,  s.fragments_far_future,
      s.fragments_overflow, s.fragments_discarded, s.frames_complete, s.frames_released,
      s.frames_dropped,     s.frames_evicted,      s.frames_missing,  s.frames_corrupt,
      s.frames_skipped,     s.keyframe_requests,   s.resyncs,         s.depth_frames};
  std::string out;
  for (std::size_t i = 0; i < std::size(values); ++i) {
    if (values[i] == 0) continue;
    out += (out.empty() ? "" : " ") + std::string(names[i]) + "=" + std::to_string(values[i]);
  }
  return out;
}

FragmentView view(std::uint64_t id, std::uint16_t index, std::uint16_t count,
                  std::span<const std::uint8_t> data = {}) {
  FragmentView v;
  v.frame_id = id;
  v.index = index;
  v.count = count;
  v.keyframe = true;
  v.capture_time_us = static_cast<std::int64_t>(id) * kFrameUs;
  v.data = data;
  return v;
}

TEST(JitterBuffer, LatencyZeroReleasesCompleteFrameAtOnce) {
  JitterBuffer jb(with_latency(0));
  EXPECT_FALSE(jb.next_deadline_us().has_value());
  EXPECT_FALSE(jb.pop(0).has_value());
  const EncodedFrame frame = make_frame(0, 5000);
  deliver(jb, frame, 2 * kMs);
  EXPECT_EQ(jb.next_deadline_us(), 2 * kMs);
  std::optional<ReleasedFrame> out = jb.pop(2 * kMs);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->frame.data, frame.data);
  EXPECT_EQ(counts(jb.stats()), "complete=1 released=1");
  EXPECT_EQ(jb.stats().depth_bytes, 0u);
}

TEST(JitterBuffer, FiftyMsHoldsFramesAtSteadyDelayBehindCapture) {
  JitterBuffer jb(with_latency(50 * kMs));
  deliver(jb, make_frame(0, 3000), 1 * kMs);  // transit 1 ms
  EXPECT_EQ(jb.next_deadline_us(), 51 * kMs);
  EXPECT_FALSE(jb.pop(51 * kMs - 1).has_value());
  ASSERT_TRUE(jb.pop(51 * kMs).has_value());
  // Frame 1 is 5 ms slower on the network than frame 0, yet plays one frame interval
  // after it: that jitter is absorbed.
  deliver(jb, make_frame(1, 3000), kFrameUs + 6 * kMs);
  EXPECT_EQ(jb.next_deadline_us(), kFrameUs + 51 * kMs);
  EXPECT_FALSE(jb.pop(kFrameUs + 51 * kMs - 1).has_value());
  ASSERT_TRUE(jb.pop(kFrameUs + 51 * kMs).has_value());
  EXPECT_EQ(counts(jb.stats()), "complete=2 released=2");
}

TEST(JitterBuffer, ReordersCompleteFramesIntoIdOrder) {
  JitterBuffer jb(with_latency(0));
  for (std::uint64_t id : {3, 1, 4, 0, 2})
    deliver(jb, make_frame(id, 2500), 200 * kMs);
  const std::vector<ReleasedFrame> out = drain(jb, 200 * kMs);
  EXPECT_EQ(ids(out), (std::vector<std::uint64_t>{0, 1, 2, 3, 4}));
  for (const ReleasedFrame& f : out)
    EXPECT_EQ(f.frame.data, make_frame(f.frame.frame_id, 2500).data);
  EXPECT_GT(jb.stats().fragments_reordered, 0u);
}

TEST(JitterBuffer, ReassemblesInterleavedReversedFragmentsAcrossFrames) {
  JitterBuffer jb(with_latency(0));
  const EncodedFrame a = make_frame(0, 7000), b = make_frame(1, 4000);
  std::vector<Bytes> fa = fragments_of(a), fb = fragments_of(b);
  std::reverse(fa.begin(), fa.end());
  for (std::size_t i = 0; i < fa.size(); ++i) {
    if (i < fb.size()) jb.insert(fb[i], 100 * kMs);
    jb.insert(fa[i], 100 * kMs);
  }
  const std::vector<ReleasedFrame> out = drain(jb, 100 * kMs);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].frame.data, a.data);
  EXPECT_EQ(out[1].frame.data, b.data);
}

TEST(JitterBuffer, DropsIncompleteFrameAtDeadlineAndMovesOn) {
  JitterBuffer jb(with_latency(50 * kMs));
  deliver(jb, make_frame(0, 5000), 0, {2});
  deliver(jb, make_frame(1, 5000), kFrameUs);
  EXPECT_EQ(jb.next_deadline_us(), 50 * kMs);
  EXPECT_FALSE(jb.pop(50 * kMs).has_value()) << "frame 0 given up; frame 1 not due yet";
  EXPECT_EQ(counts(jb.stats()), "complete=1 dropped=1 depth=1");
  const std::vector<ReleasedFrame> out = drain(jb, kFrameUs + 50 * kMs);
  ASSERT_EQ(ids(out), std::vector<std::uint64_t>{1});
  EXPECT_EQ(out[0].frames_lost_before, 1u);
  EXPECT_EQ(jb.insert(fragments_of(make_frame(0, 5000))[2], 90 * kMs), InsertStatus::kLate);
  EXPECT_EQ(counts(jb.stats()), "late=1 complete=1 released=1 dropped=1");
}

TEST(JitterBuffer, FragmentsOfFramesThatNeverCompleteAreDroppedAtDeadline) {
  JitterBuffer jb(with_latency(50 * kMs));
  const Bytes data(100, 1);
  for (std::uint64_t id : {7, 8, 9}) {
    EXPECT_EQ(jb.insert(view(id, 3, 10, data), 0), InsertStatus::kBuffered);
  }
  EXPECT_EQ(jb.next_deadline_us(), 50 * kMs);
  EXPECT_FALSE(jb.pop(50 * kMs).has_value());
  EXPECT_EQ(counts(jb.stats()), "dropped=3");
  EXPECT_EQ(jb.stats().depth_bytes, 0u);
  EXPECT_FALSE(jb.next_deadline_us().has_value());
}

TEST(JitterBuffer, LyingCountsAndMetadataMarkFrameCorrupt) {
  JitterBuffer jb(with_latency(0));
  const Bytes data(50, 2);
  EXPECT_EQ(jb.insert(view(0, 0, 3, data), 0), InsertStatus::kBuffered);
  EXPECT_EQ(jb.insert(view(0, 1, 2, data), 0), InsertStatus::kCorrupt);
  EXPECT_EQ(jb.insert(view(0, 1, 3, data), 0), InsertStatus::kDiscarded);
  EXPECT_EQ(jb.insert(view(0, 2, 3, data), 0), InsertStatus::kDiscarded);
  FragmentView v = view(1, 0, 2);
  jb.insert(v, 0);
  v.index = 1;
  v.capture_time_us += 1;
  EXPECT_EQ(jb.insert(v, 0), InsertStatus::kCorrupt);
  v = view(2, 0, 2);
  jb.insert(v, 0);
  v.index = 1;
  v.keyframe = false;
  EXPECT_EQ(jb.insert(v, 0), InsertStatus::kCorrupt);
  deliver(jb, make_frame(3, 10), 0);
  const std::vector<ReleasedFrame> out = drain(jb, 0);
  ASSERT_EQ(ids(out), std::vector<std::uint64_t>{3}) << "corrupt frames are given up at once";
  EXPECT_EQ(out[0].frames_lost_before, 3u);
  EXPECT_EQ(counts(jb.stats()), "discarded=2 complete=1 released=1 corrupt=3");
}

TEST(JitterBuffer, RejectsInvalidFragments) {
  JitterBuffer jb;
  Bytes good = fragments_of(make_frame(0, 10))[0];
  EXPECT_EQ(jb.insert(std::span(good).first(5), 0), InsertStatus::kInvalid);
  Bytes bad = good;
  bad[11] = 1;  // index 1 of count 1
  EXPECT_EQ(jb.insert(bad, 0), InsertStatus::kInvalid);
  bad = good;
  bad[13] = 0;  // count 0
  EXPECT_EQ(jb.insert(bad, 0), InsertStatus::kInvalid);
  EXPECT_EQ(jb.insert(view(0, 5, 5), 0), InsertStatus::kInvalid) << "a view built by hand";
  EXPECT_EQ(counts(jb.stats()), "invalid=4");
}

TEST(JitterBuffer, ZeroLengthFramesAndPayloads) {
  JitterBuffer jb(with_latency(0));
  deliver(jb, make_frame(0, 0), 0);
  const Bytes a = {1, 2, 3}, c = {4};
  jb.insert(view(1, 2, 3, c), 0);
  jb.insert(view(1, 1, 3), 0);  // an empty middle fragment
  EXPECT_EQ(jb.insert(view(1, 0, 3, a), 0), InsertStatus::kCompleted);
  const std::vector<ReleasedFrame> out = drain(jb, 0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].frame.data.empty());
  EXPECT_EQ(out[1].frame.data, (Bytes{1, 2, 3, 4}));
}

TEST(JitterBuffer, DuplicateAndLateFragmentsAreIgnoredAndCounted) {
  JitterBuffer jb(with_latency(0));
  const EncodedFrame frame = make_frame(0, 3000);
  const std::vector<Bytes> f = fragments_of(frame);
  EXPECT_EQ(jb.insert(f[0], 0), InsertStatus::kBuffered);
  EXPECT_EQ(jb.insert(f[0], 0), InsertStatus::kDuplicate);
  EXPECT_EQ(jb.insert(f[1], 0), InsertStatus::kBuffered);
  EXPECT_EQ(jb.insert(f[2], 0), InsertStatus::kCompleted);
  EXPECT_EQ(jb.insert(f[1], 0), InsertStatus::kDuplicate);
  std::optional<ReleasedFrame> out = jb.pop(0);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->frame.data, frame.data);
  EXPECT_EQ(jb.insert(f[1], 0), InsertStatus::kLate) << "after release";
  EXPECT_EQ(counts(jb.stats()), "duplicate=2 late=1 complete=1 released=1");
}

TEST(JitterBuffer, FarFutureFrameIdIsRefusedUntilTheStreamReallyJumps) {
  JitterBuffer jb(with_latency(0));
  deliver(jb, make_frame(0, 100), 0);
  const Bytes data(1000, 3);
  for (std::uint64_t id : {std::uint64_t{1} << 40, std::numeric_limits<std::uint64_t>::max()}) {
    EXPECT_EQ(jb.insert(view(id, 0, 2, data), 10 * kMs), InsertStatus::kFarFuture);
  }
  deliver(jb, make_frame(1, 100), 20 * kMs);
  EXPECT_EQ(ids(drain(jb, 20 * kMs)), (std::vector<std::uint64_t>{0, 1})) << "undisturbed";
  // Only far frames for resync_after (1 s): the stream did jump, so follow it.
  const EncodedFrame jumped = make_frame(1'000'000, 100);
  deliver(jb, jumped, 520 * kMs);
  EXPECT_EQ(jb.stats().fragments_far_future, 3u) << "half a second is not enough";
  deliver(jb, jumped, 1020 * kMs);
  EXPECT_EQ(ids(drain(jb, 1020 * kMs)), std::vector<std::uint64_t>{1'000'000});
  EXPECT_EQ(counts(jb.stats()), "far=3 complete=3 released=3 resyncs=1");
}

TEST(JitterBuffer, HugeCountClaimsAndFloodsStayWithinCaps) {
  JitterConfig config = with_latency(50 * kMs);
  config.max_bytes = 256 << 10;
  config.max_frames = 16;
  JitterBuffer jb(config);
  const Bytes data(1148, 5);
  EXPECT_EQ(jb.insert(view(0, 65534, 65535, data), 0), InsertStatus::kBuffered);
  EXPECT_LT(jb.stats().depth_bytes, 16u << 10) << "one bit per claimed fragment, no more";
  std::size_t peak_bytes = 0, peak_frames = 0;
  for (std::uint64_t id = 1; id < 400; ++id) {
    for (std::uint16_t i = 0; i < 40; ++i) {  // 40 of a claimed 50 or 65535: never complete
      jb.insert(view(id, i, id % 2 ? 50 : 65535, data), static_cast<std::int64_t>(id));
      peak_bytes = std::max(peak_bytes, jb.stats().depth_bytes);
      peak_frames = std::max(peak_frames, jb.stats().depth_frames);
    }
  }
  EXPECT_LE(peak_bytes, config.max_bytes);
  EXPECT_LE(peak_frames, config.max_frames);
  EXPECT_FALSE(jb.pop(1000 * kMs).has_value());
  const JitterStats& s = jb.stats();
  EXPECT_GT(s.frames_evicted, 0u);
  EXPECT_EQ(s.frames_evicted + s.frames_dropped + s.frames_missing, 400u);
  EXPECT_EQ(s.depth_bytes, 0u);
}

TEST(JitterBuffer, AudioGapIsReportedAsFramesLostBefore) {
  JitterBuffer jb(with_latency(0));
  std::vector<std::uint64_t> lost_before;
  for (std::uint64_t id : {0, 1, 3, 4, 7}) {
    const std::int64_t now = static_cast<std::int64_t>(id) * kFrameUs;
    deliver(jb, make_frame(id, 80, true, Codec::kOpus), now);
    for (const ReleasedFrame& f : drain(jb, now)) {
      EXPECT_EQ(f.frame.frame_id, id);
      lost_before.push_back(f.frames_lost_before);
    }
  }
  EXPECT_EQ(lost_before, (std::vector<std::uint64_t>{0, 0, 1, 0, 2}));
  EXPECT_EQ(counts(jb.stats()), "complete=5 released=5 missing=3");
  EXPECT_FALSE(jb.keyframe_needed()) << "audio never waits for a keyframe";
  EXPECT_FALSE(jb.poll_keyframe_request(1000 * kMs));
}

TEST(JitterBuffer, VideoLossGatesUntilNextKeyframeWithRateLimitedRequests) {
  JitterBuffer jb(with_latency(0));
  deliver(jb, make_frame(0, 3000, true), 0);
  deliver(jb, make_frame(1, 3000, false), kFrameUs);
  EXPECT_EQ(ids(drain(jb, kFrameUs)), (std::vector<std::uint64_t>{0, 1}));
  EXPECT_FALSE(jb.keyframe_needed());
  deliver(jb, make_frame(2, 3000, false), 2 * kFrameUs, {1});  // loses a fragment
  const std::int64_t t = 2 * kFrameUs + 10 * kMs;              // its min completion wait is over
  EXPECT_TRUE(drain(jb, t).empty());
  EXPECT_TRUE(jb.keyframe_needed());
  EXPECT_TRUE(jb.poll_keyframe_request(t));
  EXPECT_FALSE(jb.poll_keyframe_request(t + 50 * kMs)) << "rate limited";
  deliver(jb, make_frame(3, 3000, false), 3 * kFrameUs);
  deliver(jb, make_frame(4, 3000, false), 4 * kFrameUs);
  EXPECT_TRUE(drain(jb, 4 * kFrameUs).empty()) << "no decoding garbage";
  EXPECT_TRUE(jb.poll_keyframe_request(t + 100 * kMs));
  deliver(jb, make_frame(5, 3000, true), 5 * kFrameUs);
  deliver(jb, make_frame(6, 3000, false), 5 * kFrameUs);
  const std::vector<ReleasedFrame> out = drain(jb, 5 * kFrameUs);
  ASSERT_EQ(ids(out), (std::vector<std::uint64_t>{5, 6}));
  EXPECT_EQ(out[0].frames_lost_before, 3u) << "one dropped, two skipped";
  EXPECT_FALSE(jb.keyframe_needed());
  EXPECT_FALSE(jb.poll_keyframe_request(t + 500 * kMs));
  EXPECT_EQ(counts(jb.stats()), "complete=6 released=4 dropped=1 skipped=2 requests=2");
}

TEST(JitterBuffer, JoiningMidStreamWaitsForKeyframe) {
  JitterBuffer jb(with_latency(0));
  deliver(jb, make_frame(40, 2000, false), 0);
  EXPECT_FALSE(jb.pop(0).has_value());
  EXPECT_TRUE(jb.keyframe_needed());
  EXPECT_TRUE(jb.poll_keyframe_request(0));
  deliver(jb, make_frame(41, 2000, true), kFrameUs);
  EXPECT_EQ(ids(drain(jb, kFrameUs)), std::vector<std::uint64_t>{41});
  EXPECT_EQ(counts(jb.stats()), "complete=2 released=1 skipped=1 requests=1");
}

TEST(JitterBuffer, LatencyZeroWaitsBrieflyForIncompleteHead) {
  JitterBuffer jb(with_latency(0));
  const EncodedFrame frame = make_frame(0, 3000, true, Codec::kOpus);
  const std::vector<Bytes> f = fragments_of(frame);
  jb.insert(f[0], 0);
  jb.insert(f[2], 0);
  EXPECT_EQ(jb.next_deadline_us(), 10 * kMs) << "the minimum completion wait";
  EXPECT_FALSE(jb.pop(9 * kMs).has_value());
  jb.insert(f[1], 9 * kMs);
  EXPECT_EQ(ids(drain(jb, 9 * kMs)), std::vector<std::uint64_t>{0}) << "completed in time";
  // An incomplete head is given up as soon as a later frame is complete.
  deliver(jb, make_frame(1, 3000, true, Codec::kOpus), 20 * kMs, {0});
  EXPECT_FALSE(jb.pop(25 * kMs).has_value());
  deliver(jb, make_frame(2, 3000, true, Codec::kOpus), 26 * kMs);
  const std::vector<ReleasedFrame> out = drain(jb, 26 * kMs);
  ASSERT_EQ(ids(out), std::vector<std::uint64_t>{2});
  EXPECT_EQ(out[0].frames_lost_before, 1u);
  EXPECT_EQ(counts(jb.stats()), "complete=2 released=2 dropped=1");
}

TEST(JitterBuffer, HostileCaptureTimesDoNotOverflow) {
  JitterBuffer jb(with_latency(50 * kMs));
  for (std::int64_t capture : {std::numeric_limits<std::int64_t>::min(), std::int64_t{0},
                               std::numeric_limits<std::int64_t>::max()}) {
    FragmentView v = view(jb.stats().frames_released, 0, 1);
    v.capture_time_us = capture;
    ASSERT_EQ(jb.insert(v, 1000 * kMs), InsertStatus::kCompleted);
    ASSERT_TRUE(jb.next_deadline_us().has_value());
    EXPECT_LE(*jb.next_deadline_us(), 1050 * kMs) << "never later than arrival + latency";
    ASSERT_TRUE(jb.pop(1050 * kMs).has_value());
  }
}

TEST(JitterBuffer, RejectsBadConfig) {
  JitterConfig c[3];
  c[0].latency_us = -1;
  c[1].max_frames = 1;
  c[2].max_bytes = 1000;
  for (const JitterConfig& config : c)
    EXPECT_THROW(JitterBuffer{config}, std::invalid_argument);
}

}  // namespace
}  // namespace agentcast::media
