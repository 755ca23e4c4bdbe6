// H.264 through libavcodec: the test pattern survives a round trip (PSNR), keyframes come
// where they should (first, on request, at the interval, with SPS/PPS in-band), a late
// joiner starts at an IDR picture, a lost reference waits for the next keyframe, and
// garbage is counted rather than decoded or crashed on.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include <opencv2/core.hpp>

#include "agentcast/media/h264_codec.h"
#include "agentcast/media/test_pattern.h"

namespace agentcast::media {
namespace {

constexpr std::int64_t kT0 = 5'000'000'000;  // an arbitrary steady-clock capture time
constexpr std::int64_t kFrameUs = 33'333;

H264EncoderSettings settings_for(int width, int height, int keyframe_interval = 0) {
  H264EncoderSettings s;
  s.width = width;
  s.height = height;
  s.keyframe_interval = keyframe_interval;
  return s;
}

VideoFrame pattern_frame(cv::Size size, std::uint64_t n) {
  VideoFrame f;
  f.frame_number = n;
  f.capture_time_us = kT0 + static_cast<std::int64_t>(n) * kFrameUs;
  f.bgr = draw_test_pattern(size, n, f.capture_time_us);
  return f;
}

// Encodes `count` pattern frames, checking that each gives exactly one picture.
std::vector<EncodedFrame> encode_pattern(H264Encoder& encoder, cv::Size size, int count) {
  std::vector<EncodedFrame> out;
  for (int i = 0; i < count; ++i) {
    std::vector<EncodedFrame> got =
        encoder.encode(pattern_frame(size, static_cast<std::uint64_t>(i)));
    EXPECT_EQ(got.size(), 1u) << "frame " << i;
    for (auto& e : got)
      out.push_back(std::move(e));
  }
  return out;
}

std::set<int> nal_types(const std::vector<std::uint8_t>& d) {
  std::set<int> types;
  for (std::size_t i = 0; i + 3 < d.size(); ++i) {
    if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) types.insert(d[i + 3] & 0x1F);
  }
  return types;
}

TEST(H264Codec, PatternRoundTripsAbove30DbAndCarriesIdsAndTimes) {
  const cv::Size size(640, 360);
  H264Encoder encoder(settings_for(size.width, size.height));
  const std::vector<EncodedFrame> encoded = encode_pattern(encoder, size, 60);
  ASSERT_EQ(encoded.size(), 60u);
  EXPECT_TRUE(encoded.front().keyframe);

  H264Decoder decoder;
  EXPECT_TRUE(decoder.needs_keyframe());
  EXPECT_TRUE(decoder.frame_size().empty());
  double min_psnr = 1e9;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const EncodedFrame& e = encoded[i];
    EXPECT_EQ(e.codec, Codec::kH264);
    EXPECT_EQ(e.frame_id, i);
    EXPECT_EQ(e.capture_time_us, kT0 + static_cast<std::int64_t>(i) * kFrameUs);
    const std::vector<VideoFrame> decoded = decoder.decode(e);
    ASSERT_EQ(decoded.size(), 1u) << "frame " << i;
    EXPECT_FALSE(decoder.needs_keyframe());
    const VideoFrame& d = decoded.front();
    EXPECT_EQ(d.frame_number, i);
    EXPECT_EQ(d.capture_time_us, e.capture_time_us);
    // The receiver's way to know what to compare against: the stamp in the picture.
    const auto stamp = read_test_pattern_stamp(d.bgr);
    ASSERT_TRUE(stamp.has_value()) << "frame " << i;
    EXPECT_EQ(stamp->frame_number, i);
    EXPECT_EQ(stamp->capture_time_us, e.capture_time_us);
    const double psnr =
        cv::PSNR(d.bgr, draw_test_pattern(size, stamp->frame_number, stamp->capture_time_us));
    min_psnr = std::min(min_psnr, psnr);
    EXPECT_GT(psnr, 30.0) << "frame " << i;
    // Against the wrong frame the moving box gives it away.
    if (i >= 30) {
      const cv::Rect motion = test_pattern_motion_region(size);
      const cv::Mat wrong = draw_test_pattern(size, i - 30, e.capture_time_us);
      EXPECT_LT(
          cv::PSNR(d.bgr(motion), wrong(motion)),
          cv::PSNR(d.bgr(motion), draw_test_pattern(size, i, e.capture_time_us)(motion)) - 10.0);
    }
  }
  EXPECT_EQ(decoder.frame_size(), size);
  const H264DecoderStats ds = decoder.stats();
  EXPECT_EQ(ds.frames_in, 60u);
  EXPECT_EQ(ds.frames_decoded, 60u);
  EXPECT_EQ(ds.decode_errors, 0u);
  EXPECT_EQ(ds.frames_skipped, 0u);
  const H264EncoderStats es = encoder.stats();
  EXPECT_EQ(es.frames_in, 60u);
  EXPECT_EQ(es.frames_out, 60u);
  EXPECT_EQ(es.errors, 0u);
  RecordProperty("min_psnr_db_640x360", static_cast<int>(min_psnr));
  std::printf("640x360 @ 2000 kbps: minimum PSNR %.2f dB over 60 frames\n", min_psnr);
}

TEST(H264Codec, KeyframeIntervalIsHonouredWithParameterSetsInBand) {
  const cv::Size size(320, 180);
  H264Encoder encoder(settings_for(size.width, size.height, 15));
  const std::vector<EncodedFrame> encoded = encode_pattern(encoder, size, 60);
  ASSERT_EQ(encoded.size(), 60u);
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const bool expect_key = i % 15 == 0;
    EXPECT_EQ(encoded[i].keyframe, expect_key) << "frame " << i;
    const std::set<int> types = nal_types(encoded[i].data);
    // Annex B from the first byte; SPS (7), PPS (8) and an IDR slice (5) in every keyframe.
    EXPECT_TRUE(encoded[i].data.size() > 4 && encoded[i].data[0] == 0 && encoded[i].data[1] == 0);
    EXPECT_EQ(types.count(7) == 1 && types.count(8) == 1 && types.count(5) == 1, expect_key)
        << "frame " << i;
  }
  EXPECT_EQ(encoder.stats().keyframes, 4u);
}

TEST(H264Codec, DefaultKeyframeIntervalIsTwoSeconds) {
  H264Encoder encoder(settings_for(320, 180));
  EXPECT_EQ(encoder.settings().keyframe_interval, 60);
}

TEST(H264Codec, RequestedKeyframeIsTheNextPicture) {
  const cv::Size size(320, 180);
  H264Encoder encoder(settings_for(size.width, size.height, 300));
  const std::vector<EncodedFrame> before = encode_pattern(encoder, size, 10);
  EXPECT_EQ(std::count_if(before.begin(), before.end(), [](auto& e) { return e.keyframe; }), 1);
  encoder.request_keyframe();
  const std::vector<EncodedFrame> next = encoder.encode(pattern_frame(size, 10));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_TRUE(next.front().keyframe);
  EXPECT_EQ(nal_types(next.front().data).count(5), 1u);  // an IDR, not just an I picture
  const std::vector<EncodedFrame> after = encoder.encode(pattern_frame(size, 11));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_FALSE(after.front().keyframe);  // a request is served once
  EXPECT_EQ(encoder.stats().keyframe_requests, 1u);

  // A decoder joining at the requested keyframe decodes from there.
  H264Decoder late;
  EXPECT_EQ(late.decode(next.front()).size(), 1u);
  EXPECT_EQ(late.decode(after.front()).size(), 1u);
}

TEST(H264Codec, LateJoinerWaitsForAKeyframeThenDecodes) {
  const cv::Size size(640, 360);
  H264Encoder encoder(settings_for(size.width, size.height, 15));
  const std::vector<EncodedFrame> encoded = encode_pattern(encoder, size, 45);
  H264Decoder decoder;
  // Joining at frame 5: nothing until the IDR picture at 15, and no garbage meanwhile.
  for (std::size_t i = 5; i < 15; ++i) {
    EXPECT_TRUE(decoder.decode(encoded[i]).empty()) << "frame " << i;
    EXPECT_TRUE(decoder.needs_keyframe());
  }
  EXPECT_EQ(decoder.stats().frames_skipped, 10u);
  for (std::size_t i = 15; i < 45; ++i) {
    const std::vector<VideoFrame> decoded = decoder.decode(encoded[i]);
    ASSERT_EQ(decoded.size(), 1u) << "frame " << i;
    EXPECT_FALSE(decoder.needs_keyframe());
    EXPECT_GT(cv::PSNR(decoded.front().bgr, draw_test_pattern(size, i, encoded[i].capture_time_us)),
              30.0);
  }
  EXPECT_EQ(decoder.stats().decode_errors, 0u);
}

TEST(H264Codec, LostReferenceWaitsForTheNextKeyframe) {
  const cv::Size size(320, 180);
  H264Encoder encoder(settings_for(size.width, size.height, 15));
  const std::vector<EncodedFrame> encoded = encode_pattern(encoder, size, 45);
  H264Decoder decoder;
  for (std::size_t i = 0; i < 20; ++i)
    ASSERT_EQ(decoder.decode(encoded[i]).size(), 1u);
  // Frame 20 is lost: 21..29 reference it and must not be shown.
  for (std::size_t i = 21; i < 30; ++i) {
    EXPECT_TRUE(decoder.decode(encoded[i]).empty()) << "frame " << i;
    EXPECT_TRUE(decoder.needs_keyframe());
  }
  for (std::size_t i = 30; i < 45; ++i)
    ASSERT_EQ(decoder.decode(encoded[i]).size(), 1u);
  EXPECT_FALSE(decoder.needs_keyframe());
  EXPECT_EQ(decoder.stats().frames_skipped, 9u);
}

TEST(H264Codec, GarbageIsCountedNotDecoded) {
  const cv::Size size(320, 180);
  H264Encoder encoder(settings_for(size.width, size.height, 15));
  const std::vector<EncodedFrame> encoded = encode_pattern(encoder, size, 20);
  H264Decoder decoder;
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> byte(0, 255);
  auto garbage = [&](std::size_t n, std::vector<std::uint8_t> prefix) {
    EncodedFrame f;
    f.data = std::move(prefix);
    while (f.data.size() < n)
      f.data.push_back(static_cast<std::uint8_t>(byte(rng)));
    f.keyframe = true;  // a lying flag must not make garbage decodable
    return f;
  };
  std::uint64_t fed = 0;
  for (int round = 0; round < 50; ++round) {
    // Plain noise, noise behind a start code and an IDR slice header, and nothing at all.
    for (EncodedFrame f : {garbage(2000, {}), garbage(2000, {0, 0, 0, 1, 0x65}),
                           garbage(300, {0, 0, 1, 0x67}), EncodedFrame{}}) {
      f.frame_id = fed++;
      EXPECT_TRUE(decoder.decode(f).empty());
      EXPECT_TRUE(decoder.needs_keyframe());
    }
  }
  // A keyframe cut in half, then the real stream: it must recover at the keyframe.
  EncodedFrame half = encoded[0];
  half.data.resize(half.data.size() / 2);
  EXPECT_TRUE(decoder.decode(half).empty());
  EXPECT_TRUE(decoder.needs_keyframe());
  std::size_t good = 0;
  for (const EncodedFrame& e : encoded)
    good += decoder.decode(e).size();
  EXPECT_EQ(good, encoded.size());
  EXPECT_GE(decoder.stats().decode_errors, 100u);  // noise and empty input at the least
}

TEST(H264Codec, DamagedPictureIsNotShownAndWaitsForAKeyframe) {
  const cv::Size size(320, 180);
  H264Encoder encoder(settings_for(size.width, size.height, 15));
  const std::vector<EncodedFrame> encoded = encode_pattern(encoder, size, 30);
  H264Decoder decoder;
  for (std::size_t i = 0; i < 5; ++i)
    ASSERT_EQ(decoder.decode(encoded[i]).size(), 1u);
  // Bit errors in the second half of a P picture: FFmpeg would conceal them and show the
  // result; we count it and show nothing until the next IDR picture.
  EncodedFrame damaged = encoded[5];
  for (std::size_t k = damaged.data.size() / 2; k < damaged.data.size(); ++k) {
    damaged.data[k] ^= 0x5A;
  }
  EXPECT_TRUE(decoder.decode(damaged).empty());
  EXPECT_TRUE(decoder.needs_keyframe());
  EXPECT_EQ(decoder.stats().decode_errors, 1u);
  for (std::size_t i = 6; i < 15; ++i)
    EXPECT_TRUE(decoder.decode(encoded[i]).empty());
  for (std::size_t i = 15; i < 30; ++i) {
    const std::vector<VideoFrame> decoded = decoder.decode(encoded[i]);
    ASSERT_EQ(decoded.size(), 1u) << "frame " << i;
    EXPECT_GT(cv::PSNR(decoded.front().bgr, draw_test_pattern(size, i, encoded[i].capture_time_us)),
              30.0);
  }
  EXPECT_EQ(decoder.stats().frames_skipped, 9u);
}

TEST(H264Codec, EncoderRejectsBadSettings) {
  auto with = [](auto change) {
    H264EncoderSettings s = settings_for(320, 180);
    change(s);
    return s;
  };
  EXPECT_THROW(H264Encoder(with([](auto& s) { s.width = 321; })), std::invalid_argument);
  EXPECT_THROW(H264Encoder(with([](auto& s) { s.fps = 0; })), std::invalid_argument);
  EXPECT_THROW(H264Encoder(with([](auto& s) { s.bitrate_kbps = 0; })), std::invalid_argument);
  EXPECT_THROW(H264Encoder(with([](auto& s) { s.keyframe_interval = -1; })), std::invalid_argument);
  try {
    H264Encoder encoder(with([](auto& s) { s.preset = "warp"; }));
    FAIL() << "preset 'warp' accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'warp'"), std::string::npos);
  }
}

TEST(H264Codec, EncoderCountsBadFramesAndCarriesOn) {
  const cv::Size size(320, 180);
  H264Encoder encoder(settings_for(size.width, size.height));
  EXPECT_TRUE(encoder.encode(VideoFrame{}).empty());
  VideoFrame grey;
  grey.bgr = cv::Mat(180, 320, CV_8UC1, cv::Scalar(9));
  EXPECT_TRUE(encoder.encode(grey).empty());
  EXPECT_EQ(encoder.stats().errors, 2u);
  const std::vector<EncodedFrame> good = encoder.encode(pattern_frame(size, 0));
  ASSERT_EQ(good.size(), 1u);
  EXPECT_EQ(good.front().frame_id, 0u);  // rejected frames use up no ids
  EXPECT_TRUE(good.front().keyframe);
  EXPECT_TRUE(encoder.flush().empty());  // zero latency: nothing was held back
  EXPECT_TRUE(encoder.encode(pattern_frame(size, 1)).empty());
  EXPECT_EQ(encoder.stats().errors, 3u);
}

TEST(H264Codec, InputOfAnotherSizeIsScaled) {
  H264Encoder encoder(settings_for(320, 180));
  H264Decoder decoder;
  const std::vector<EncodedFrame> encoded = encoder.encode(pattern_frame(cv::Size(640, 360), 0));
  ASSERT_EQ(encoded.size(), 1u);
  const std::vector<VideoFrame> decoded = decoder.decode(encoded.front());
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded.front().bgr.size(), cv::Size(320, 180));
  EXPECT_EQ(decoder.frame_size(), cv::Size(320, 180));
}

// Not a pass/fail on speed (the machine is shared); prints the figures for 720p. Frames
// are drawn one at a time and dropped, as in the pipeline, so that the allocator recycles
// their memory instead of the figures measuring page faults.
TEST(H264Codec, Timing720p) {
  using Clock = std::chrono::steady_clock;
  const cv::Size size(1280, 720);
  constexpr int kFrames = 90;
  H264Encoder encoder(settings_for(size.width, size.height));
  H264Decoder decoder;
  Clock::duration draw_time{};
  Clock::duration encode_time{};
  Clock::duration decode_time{};
  double min_psnr = 1e9;
  double sum_psnr = 0;
  std::size_t bytes = 0;
  for (int i = 0; i < kFrames; ++i) {
    const auto t0 = Clock::now();
    const VideoFrame f = pattern_frame(size, static_cast<std::uint64_t>(i));
    const auto t1 = Clock::now();
    const std::vector<EncodedFrame> encoded = encoder.encode(f);
    const auto t2 = Clock::now();
    ASSERT_EQ(encoded.size(), 1u);
    bytes += encoded.front().data.size();
    const std::vector<VideoFrame> decoded = decoder.decode(encoded.front());
    const auto t3 = Clock::now();
    ASSERT_EQ(decoded.size(), 1u);
    draw_time += t1 - t0;
    encode_time += t2 - t1;
    decode_time += t3 - t2;
    const double psnr = cv::PSNR(decoded.front().bgr, f.bgr);
    min_psnr = std::min(min_psnr, psnr);
    sum_psnr += psnr;
  }
  auto ms_per_frame = [&](Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count() / kFrames;
  };
  std::printf(
      "1280x720 @ 2000 kbps veryfast, 1 thread: draw %.2f ms, encode %.2f ms, decode %.2f ms "
      "per frame; %.0f kbps at 30 fps; PSNR min %.2f dB, mean %.2f dB\n",
      ms_per_frame(draw_time), ms_per_frame(encode_time), ms_per_frame(decode_time),
      static_cast<double>(bytes) * 8.0 * 30 / kFrames / 1000, min_psnr, sum_psnr / kFrames);
  EXPECT_GT(min_psnr, 30.0);
}

}  // namespace
}  // namespace agentcast::media
