#pragma once
// The input format of fragment_jitter_fuzzer.cpp, shared with its corpus generator
// make_fragment_jitter_corpus.cpp. Big-endian; a missing byte reads as zero.
//
// Bytes 0-3 configure the JitterBuffer and the clock's start (Setup below). Then records until the
// input ends, each starting with one op byte: bits 0-2 the Op, bits 3-7 a number v, and the clock
// first moves on by v*v*256 microseconds (0 to 246 ms).
//
//   kRaw       u8 length, then that many bytes: a media packet payload as received
//   kFragment  u8 flags (the header's flags byte, verbatim), frame id (below), u16 index,
//              u16 count, capture time (below), u16 data length (& kMaxFragmentData):
//              a fragment header built from these, then data of the length in a pattern
//              of (frame id, index)
//   kFrame     u8 kind (bit 0: Opus, else H.264; bit 1: keyframe), frame id, capture
//              time, u16 frame size (& 0x1fff), u8 max payload (kFragmentHeaderSize + 1 +
//              4 * it, raised if the frame would need more than kMaxFrameFragments), u8
//              order (Order), u8 argument: a whole frame split by media::Packetizer, its
//              fragments inserted in that order
//   kDrain     pop() until it has nothing
//   kPopOnce   pop() once
//   kPoll      poll_keyframe_request()
//   kDeadline  move the clock to next_deadline_us() if that is ahead, then drain
//   kJump      u16 n: move the clock on by n milliseconds (up to 65 s: resyncs, windows)
//
// An input stops after kMaxInserts fragments (the rest is ignored), so that no input
// takes long: what matters is the sequence, not its length.
//
// Frame id: an i8 step from the previous fragment's frame id; the step -128 instead reads
// a u64 frame id. Capture time: an i8 jitter j gives frame_id * 20 ms + j ms (the sender's
// clock); the jitter -128 instead reads an i64 capture time.

#include <cstddef>
#include <cstdint>
#include <limits>

#include "agentcast/media/jitter_buffer.h"

namespace agentcast::fuzz::jitter_input {

// Bytes 0-3:
//   0  bits 0-2 latency, bits 3-4 min completion wait, bits 5-6 the clock's start
//   1  max frames: 2 + (byte % 63)
//   2  bits 0-1 max bytes (256 KiB << v), bits 2-7 max frame span (max frames + 16 * v)
//   3  bits 0-1 resync after, bits 2-3 keyframe request interval, bits 4-5 transit window
inline constexpr std::size_t kSetupSize = 4;

struct Setup {
  media::JitterConfig config;
  std::int64_t start_us = 0;
};

inline Setup setup_from(const std::uint8_t (&b)[kSetupSize]) {
  constexpr std::int64_t kLatency[] = {0,      1'000,   5'000,   20'000,
                                       50'000, 100'000, 200'000, 1'000'000};
  constexpr std::int64_t kWait[] = {0, 1'000, 10'000, 50'000};
  constexpr std::int64_t kStart[] = {
      0, 1'000'000'000'000, std::numeric_limits<std::int64_t>::max() - (std::int64_t{1} << 52),
      -1'000'000'000'000};
  constexpr std::int64_t kResync[] = {50'000, 200'000, 1'000'000, 5'000'000};
  constexpr std::int64_t kInterval[] = {0, 10'000, 100'000, 1'000'000};
  constexpr std::int64_t kWindow[] = {100'000, 500'000, 2'000'000, 10'000'000};
  Setup s;
  s.config.latency_us = kLatency[b[0] & 7];
  s.config.min_completion_wait_us = kWait[(b[0] >> 3) & 3];
  s.start_us = kStart[(b[0] >> 5) & 3];
  s.config.max_frames = 2 + b[1] % 63U;
  s.config.max_bytes = std::size_t{256} << 10 << (b[2] & 3);
  s.config.max_frame_span = s.config.max_frames + 16U * (b[2] >> 2);
  s.config.resync_after_us = kResync[b[3] & 3];
  s.config.keyframe_request_interval_us = kInterval[(b[3] >> 2) & 3];
  s.config.transit_window_us = kWindow[(b[3] >> 4) & 3];
  return s;
}

enum class Op : std::uint8_t {
  kRaw = 0,
  kFragment = 1,
  kFrame = 2,
  kDrain = 3,
  kPopOnce = 4,
  kPoll = 5,
  kDeadline = 6,
  kJump = 7,
};

enum class Order : std::uint8_t {
  kInOrder = 0,
  kReversed = 1,
  kDropOne = 2,       // argument: which fragment (mod count) is lost
  kDuplicateOne = 3,  // argument: which fragment (mod count) arrives twice
  kRotate = 4,        // argument: the fragments start at this one (mod count) and wrap
  kOddThenEven = 5,
};
inline constexpr std::uint8_t kOrderCount = 6;

inline constexpr std::uint8_t kEscape = 0x80;  // the i8 -128: an absolute value follows
inline constexpr std::uint16_t kMaxFragmentData = 0x3fff;
inline constexpr std::size_t kMaxFrameFragments = 128;
inline constexpr std::size_t kMaxInserts = 2000;
inline constexpr std::int64_t kFramePeriodUs = 20'000;

inline std::uint8_t op_byte(Op op, unsigned advance = 0) {
  return static_cast<std::uint8_t>(static_cast<unsigned>(op) | (advance & 31U) << 3);
}
inline std::int64_t advance_us(std::uint8_t op_byte) {
  const std::int64_t v = op_byte >> 3;
  return v * v * 256;
}

}  // namespace agentcast::fuzz::jitter_input
