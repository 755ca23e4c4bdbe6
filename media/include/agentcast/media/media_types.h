#pragma once
// What flows between the media stages. Each stage owns what it is handed (moved, never
// shared), so buffers cross threads without locks on their contents.

#include <chrono>
#include <cstdint>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace agentcast::media {

// Microseconds of the monotonic clock (CLOCK_MONOTONIC). Capture times are taken here, and
// glass-to-glass latency is measured against it: both ends of a call on one machine share
// it; across machines the figure needs synchronised clocks.
inline std::int64_t now_us() noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// How a source hands out frames.
enum class Pacing {
  kRealTime,  // next() blocks until the frame is due on the steady clock
  kUnpaced,   // next() returns at once: for tests, benchmarks and offline processing
};

inline constexpr int kAudioSampleRate = 48'000;
inline constexpr int kAudioChannels = 1;
inline constexpr int kAudioFrameSamples = 960;  // 20 ms at 48 kHz: one Opus frame

// A raw picture as captured or decoded: 8-bit BGR (OpenCV's native order).
struct VideoFrame {
  VideoFrame() = default;
  VideoFrame(cv::Mat image, std::uint64_t number, std::int64_t time_us)
      : bgr(std::move(image)), frame_number(number), capture_time_us(time_us) {}
  VideoFrame(const VideoFrame&) = default;
  VideoFrame& operator=(const VideoFrame&) = default;
  // cv::Mat's move only moves a reference-counted header but is not declared noexcept;
  // saying so here lets frames travel through the queues (which need a no-throw move).
  VideoFrame(VideoFrame&&) noexcept = default;
  VideoFrame& operator=(VideoFrame&&) noexcept = default;

  cv::Mat bgr;                     // CV_8UC3
  std::uint64_t frame_number = 0;  // counts from 0 at the source
  std::int64_t capture_time_us = 0;
};

// 20 ms of 48 kHz mono audio, signed 16-bit.
struct AudioFrame {
  std::vector<std::int16_t> samples;  // kAudioFrameSamples * kAudioChannels
  std::uint64_t frame_number = 0;
  std::int64_t capture_time_us = 0;
};

enum class Codec : std::uint8_t { kH264 = 1, kOpus = 2 };

// One compressed access unit: an H.264 picture (Annex B) or one Opus packet.
struct EncodedFrame {
  Codec codec = Codec::kH264;
  std::vector<std::uint8_t> data;
  std::uint64_t frame_id = 0;  // per stream, increments by one per frame
  std::int64_t capture_time_us = 0;
  bool keyframe = false;  // an IDR picture carrying SPS/PPS; always true for Opus
};

}  // namespace agentcast::media
