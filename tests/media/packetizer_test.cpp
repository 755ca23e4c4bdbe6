// Media framing: the fragment header byte for byte, the even split, the limits a sender
// refuses, a parser that rejects every malformed header (docs/MEDIA_FRAMING.md), and a
// randomized round trip through a lossy, reordering channel into the jitter buffer.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <vector>

#include "agentcast/media/jitter_buffer.h"
#include "agentcast/media/packetizer.h"

namespace agentcast::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

EncodedFrame make_frame(std::size_t size, std::uint64_t id = 7) {
  EncodedFrame frame;
  frame.codec = Codec::kH264;
  frame.frame_id = id;
  frame.capture_time_us = 1'000'000;
  frame.keyframe = true;
  frame.data.resize(size);
  for (std::size_t i = 0; i < size; ++i)
    frame.data[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return frame;
}

std::vector<Bytes> fragments_of(const EncodedFrame& frame, std::size_t max_payload,
                                FragmentStatus* status = nullptr) {
  Packetizer packetizer(max_payload);
  std::vector<Bytes> out;
  const FragmentStatus s = packetizer.fragment(
      frame, [&](std::span<const std::uint8_t> p) { out.emplace_back(p.begin(), p.end()); });
  if (status != nullptr) *status = s;
  return out;
}

TEST(Packetizer, HeaderLayoutIsBigEndian) {
  EncodedFrame frame;
  frame.codec = Codec::kOpus;
  frame.keyframe = true;
  frame.frame_id = 0x0102030405060708;
  frame.capture_time_us = 0x1112131415161718;
  frame.data = {0xaa, 0xbb};
  const std::vector<Bytes> f = fragments_of(frame, kDefaultMaxPayload);
  ASSERT_EQ(f.size(), 1u);
  const Bytes expected = {0x01, 0x82, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x00, 0x00,
                          0x00, 0x01, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0xaa, 0xbb};
  EXPECT_EQ(f[0], expected);
}

TEST(Packetizer, SplitsEvenlyWithinMaxPayloadAndConcatenatesBack) {
  const std::size_t room = kDefaultMaxPayload - kFragmentHeaderSize;  // 1148
  for (std::size_t size :
       {std::size_t{1}, room - 1, room, room + 1, 2 * room, 2 * room + 1, std::size_t{50'000}}) {
    SCOPED_TRACE(size);
    const EncodedFrame frame = make_frame(size);
    const std::vector<Bytes> f = fragments_of(frame, kDefaultMaxPayload);
    ASSERT_EQ(f.size(), (size + room - 1) / room);
    Bytes joined;
    std::size_t smallest = SIZE_MAX, largest = 0;
    for (std::size_t i = 0; i < f.size(); ++i) {
      ASSERT_LE(f[i].size(), kDefaultMaxPayload);
      const std::optional<FragmentView> v = parse_fragment(f[i]);
      ASSERT_TRUE(v.has_value());
      EXPECT_EQ(v->index, i);
      EXPECT_EQ(v->count, f.size());
      EXPECT_EQ(v->frame_id, frame.frame_id);
      EXPECT_EQ(v->capture_time_us, frame.capture_time_us);
      EXPECT_TRUE(v->keyframe);
      joined.insert(joined.end(), v->data.begin(), v->data.end());
      smallest = std::min(smallest, v->data.size());
      largest = std::max(largest, v->data.size());
    }
    EXPECT_LE(largest - smallest, 1u) << "fragments of one frame are alike";
    EXPECT_EQ(joined, frame.data);
  }
}

TEST(Packetizer, ZeroLengthFrameIsOneHeaderOnlyFragment) {
  const std::vector<Bytes> f = fragments_of(make_frame(0), kDefaultMaxPayload);
  ASSERT_EQ(f.size(), 1u);
  ASSERT_EQ(f[0].size(), kFragmentHeaderSize);
  const std::optional<FragmentView> v = parse_fragment(f[0]);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->count, 1);
  EXPECT_TRUE(v->data.empty());
}

TEST(Packetizer, RefusesFramesNeedingMoreThan65535Fragments) {
  const std::size_t one_byte_each = kFragmentHeaderSize + 1;
  FragmentStatus status{};
  EXPECT_EQ(fragments_of(make_frame(kMaxFragments), one_byte_each, &status).size(), kMaxFragments);
  EXPECT_EQ(status, FragmentStatus::kOk);
  EXPECT_TRUE(fragments_of(make_frame(kMaxFragments + 1), one_byte_each, &status).empty())
      << "nothing of a refused frame goes out";
  EXPECT_EQ(status, FragmentStatus::kTooManyFragments);
  FragmentPlan plan;
  EXPECT_EQ(plan_fragments(std::numeric_limits<std::size_t>::max(), kDefaultMaxPayload, plan),
            FragmentStatus::kTooManyFragments);
}

TEST(Packetizer, RefusesMaxPayloadWithoutRoomForData) {
  FragmentPlan plan;
  EXPECT_EQ(plan_fragments(10, kFragmentHeaderSize, plan), FragmentStatus::kMaxPayloadTooSmall);
  EXPECT_EQ(plan_fragments(0, 0, plan), FragmentStatus::kMaxPayloadTooSmall);
  EXPECT_THROW(Packetizer{kFragmentHeaderSize}, std::invalid_argument);
}

TEST(Packetizer, RefusesUnknownCodecBeforeEmittingAnything) {
  EncodedFrame frame = make_frame(5000);
  frame.codec = static_cast<Codec>(9);
  FragmentStatus status{};
  EXPECT_TRUE(fragments_of(frame, kDefaultMaxPayload, &status).empty());
  EXPECT_EQ(status, FragmentStatus::kUnknownCodec);
}

TEST(Packetizer, ReusesOneScratchBufferForEveryFragment) {
  Packetizer packetizer;
  const EncodedFrame frame = make_frame(20'000);
  std::vector<const std::uint8_t*> where;
  ASSERT_EQ(packetizer.fragment(
                frame, [&](std::span<const std::uint8_t> p) { where.push_back(p.data()); }),
            FragmentStatus::kOk);
  ASSERT_GT(where.size(), 1u);
  for (const std::uint8_t* p : where)
    EXPECT_EQ(p, where.front());
}

TEST(Packetizer, WritesInPlaceIntoCallerBuffer) {
  const EncodedFrame frame = make_frame(3000);
  FragmentPlan plan;
  ASSERT_EQ(plan_fragments(frame.data.size(), kDefaultMaxPayload, plan), FragmentStatus::kOk);
  ASSERT_EQ(plan.count, 3u);
  Bytes packet(1200, 0xee);  // as a net packet: 14-byte header, payload, tag
  std::span<std::uint8_t> payload(packet.data() + 14, kDefaultMaxPayload);
  std::size_t written = 0;
  ASSERT_EQ(write_fragment(frame, plan, 2, payload, written), FragmentStatus::kOk);
  EXPECT_EQ(written, kFragmentHeaderSize + 1000);
  EXPECT_EQ(packet[13], 0xee) << "nothing written before the payload";
  EXPECT_EQ(packet[14 + written], 0xee) << "nothing written past the fragment";
  const std::optional<FragmentView> v = parse_fragment(payload.first(written));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->index, 2);
  EXPECT_TRUE(std::equal(v->data.begin(), v->data.end(), frame.data.begin() + 2000));

  EXPECT_EQ(write_fragment(frame, plan, 2, payload.first(written - 1), written),
            FragmentStatus::kBufferTooSmall);
  EXPECT_EQ(write_fragment(frame, plan, 3, payload, written), FragmentStatus::kBadPlan);
  FragmentPlan other = plan;
  other.frame_size = 10;
  EXPECT_EQ(write_fragment(frame, other, 0, payload, written), FragmentStatus::kBadPlan);
}

TEST(FragmentParse, RoundTripsExtremeFieldValues) {
  EncodedFrame frame = make_frame(3);
  frame.codec = Codec::kOpus;
  frame.keyframe = false;
  frame.frame_id = std::numeric_limits<std::uint64_t>::max();
  frame.capture_time_us = std::numeric_limits<std::int64_t>::min();
  const std::vector<Bytes> f = fragments_of(frame, kDefaultMaxPayload);
  ASSERT_EQ(f.size(), 1u);
  FragmentView v;
  ASSERT_EQ(parse_fragment(f[0], v), ParseStatus::kOk);
  EXPECT_EQ(v.codec, Codec::kOpus);
  EXPECT_FALSE(v.keyframe);
  EXPECT_EQ(v.frame_id, frame.frame_id);
  EXPECT_EQ(v.capture_time_us, frame.capture_time_us);
  EXPECT_EQ(Bytes(v.data.begin(), v.data.end()), frame.data);
}

TEST(FragmentParse, RejectsMalformedHeaders) {
  const Bytes good = fragments_of(make_frame(4), kDefaultMaxPayload)[0];
  FragmentView v;
  const auto with = [&](std::size_t at, std::uint8_t value) {
    Bytes b = good;
    b[at] = value;
    return parse_fragment(b, v);
  };
  EXPECT_EQ(parse_fragment(std::span<const std::uint8_t>(), v), ParseStatus::kTooShort);
  EXPECT_EQ(parse_fragment(std::span(good).first(kFragmentHeaderSize - 1), v),
            ParseStatus::kTooShort);
  EXPECT_EQ(parse_fragment(std::span(good).first(kFragmentHeaderSize), v), ParseStatus::kOk)
      << "a header with no data is a legal (empty) fragment";
  EXPECT_EQ(with(0, 0), ParseStatus::kBadVersion);
  EXPECT_EQ(with(0, 2), ParseStatus::kBadVersion);
  for (std::uint8_t bit : {0x10, 0x20, 0x40}) {
    EXPECT_EQ(with(1, static_cast<std::uint8_t>(0x81 | bit)), ParseStatus::kReservedFlags);
  }
  for (std::uint8_t codec : {0x00, 0x03, 0x0f})
    EXPECT_EQ(with(1, codec), ParseStatus::kUnknownCodec);
  EXPECT_EQ(with(13, 0), ParseStatus::kZeroCount);        // count 0x0000
  EXPECT_EQ(with(11, 1), ParseStatus::kIndexOutOfRange);  // index 1 of 1
  Bytes b = good;
  b[10] = 0xff;  // index 0xff00 of 1
  EXPECT_EQ(parse_fragment(b, v), ParseStatus::kIndexOutOfRange);
  EXPECT_FALSE(parse_fragment(b).has_value());
}

TEST(FragmentParse, RandomBytesNeverYieldAnInconsistentView) {
  std::mt19937 rng(1234);
  Bytes buf;
  for (int round = 0; round < 20'000; ++round) {
    buf.resize(rng() % 64);
    for (std::uint8_t& byte : buf)
      byte = static_cast<std::uint8_t>(rng());
    if (!buf.empty() && round % 2 == 0) buf[0] = kFramingVersion;  // get past the version
    FragmentView v;
    if (parse_fragment(buf, v) != ParseStatus::kOk) continue;
    EXPECT_LT(v.index, v.count);
    EXPECT_EQ(v.data.size(), buf.size() - kFragmentHeaderSize);
  }
}

// 1000 frames of 0..50 KB, fragments shuffled within a 64-deep window, 5% of them lost:
// every frame whose fragments all arrived comes out of the jitter buffer intact and in
// order; the rest are counted as dropped (or missing, when not one fragment arrived).
TEST(FragmentRoundTrip, RandomFramesThroughReorderAndLossComeOutIntactAndInOrder) {
  constexpr std::int64_t kMs = 1000;
  std::mt19937_64 rng(20240601);
  std::vector<EncodedFrame> frames;
  std::vector<Bytes> sent;  // one fragment a millisecond
  std::vector<bool> whole;  // per frame: no fragment lost
  std::vector<bool> lost;   // per fragment
  for (std::uint64_t id = 0; id < 1000; ++id) {
    frames.push_back(make_frame(rng() % 50'001, id));
    frames.back().capture_time_us = static_cast<std::int64_t>(sent.size()) * kMs;
    whole.push_back(true);
    for (Bytes& p : fragments_of(frames.back(), kDefaultMaxPayload)) {
      sent.push_back(std::move(p));
      lost.push_back(id != 0 && id != 999 && rng() % 100 < 5);  // keep both ends countable
      if (lost.back()) whole.back() = false;
    }
  }
  std::vector<double> key(sent.size());
  std::vector<std::size_t> order(sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    key[i] = double(i) + double(rng() % 6400) / 100;  // moves at most 64 places
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return key[a] < key[b]; });
  JitterConfig config;
  config.latency_us = 300 * kMs;  // more than the shuffle's 64 ms plus a frame's 44
  JitterBuffer jb(config);
  std::vector<std::uint64_t> released;
  const auto take = [&](std::int64_t now) {
    while (std::optional<ReleasedFrame> f = jb.pop(now)) {
      ASSERT_EQ(f->frame.data, frames[f->frame.frame_id].data);
      released.push_back(f->frame.frame_id);
    }
  };
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    const std::int64_t now = static_cast<std::int64_t>(pos) * kMs;
    if (!lost[order[pos]]) {
      ASSERT_NE(jb.insert(sent[order[pos]], now), InsertStatus::kInvalid);
    }
    take(now);
  }
  take(std::numeric_limits<std::int64_t>::max());
  std::vector<std::uint64_t> expected;
  for (std::uint64_t id = 0; id < 1000; ++id) {
    if (whole[id]) expected.push_back(id);
  }
  EXPECT_EQ(released, expected);
  const JitterStats& s = jb.stats();
  EXPECT_EQ(s.frames_released, expected.size());
  EXPECT_EQ(s.frames_dropped + s.frames_missing, 1000 - expected.size());
  EXPECT_EQ(s.frames_evicted + s.frames_corrupt + s.fragments_late + s.fragments_overflow, 0u);
  EXPECT_GT(s.fragments_reordered, 0u);
  EXPECT_EQ(s.depth_frames, 0u);
}

}  // namespace
}  // namespace agentcast::media
