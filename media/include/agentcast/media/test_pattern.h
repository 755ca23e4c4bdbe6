#pragma once
// The `--video test` picture, as a pure function of (size, frame number, capture time), so
// that a receiver, a test or a viewer can regenerate exactly what the sender drew for a
// given frame and compare a decoded picture against it (PSNR).
//
// Layout, top to bottom: 75% colour bars (static), a dark track with a box sweeping back and
// forth (the part that moves, one full sweep every few seconds), a band with the frame
// number and capture time as text for humans, and a strip of black/white cells that carries
// the same two numbers for machines (read_test_pattern_stamp). The stamp exists because a
// receiver's frame id is not the sender's frame number once the sender's frame buffer has
// dropped a frame; reading the stamp back from the decoded picture gives the exact frame to
// regenerate. Its cells are large and two-level so that they survive lossy coding.

#include <cstdint>
#include <optional>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

namespace agentcast::media {

// Smallest picture the pattern is drawn at; below this the text and stamp are unreadable.
inline constexpr int kTestPatternMinWidth = 128;
inline constexpr int kTestPatternMinHeight = 96;

// Draws the pattern for `frame_number` (8-bit BGR, `size`). Deterministic: the same
// arguments give a bit-identical picture. Throws std::invalid_argument below the minimum
// size.
cv::Mat draw_test_pattern(cv::Size size, std::uint64_t frame_number, std::int64_t capture_time_us);

// The part of the picture that changes with the frame number through motion (the box's
// track), excluding the text and stamp, which change every frame anyway.
cv::Rect test_pattern_motion_region(cv::Size size);

// What the stamp strip carries.
struct TestPatternStamp {
  std::uint64_t frame_number = 0;  // modulo 2^32 (over four years at 30 fps)
  std::int64_t capture_time_us = 0;

  friend bool operator==(const TestPatternStamp&, const TestPatternStamp&) = default;
};

// Reads the stamp back from a picture drawn by draw_test_pattern (possibly after lossy
// coding). Empty when the picture is not the pattern or the stamp's check word does not
// match.
std::optional<TestPatternStamp> read_test_pattern_stamp(const cv::Mat& bgr);

}  // namespace agentcast::media
