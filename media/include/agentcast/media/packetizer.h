#pragma once
// Media framing (docs/MEDIA_FRAMING.md): splits an encoded frame into fragments that each
// fit one media packet payload, and parses them back. The fragment header travels inside
// the AEAD ciphertext, so this code sees plaintext only and knows nothing of keys or
// sockets.
//
//   0       1       2                       10      12      14                      22
//   +-------+-------+-----------------------+-------+-------+-----------------------+------+
//   |version| flags |   frame_id (64 bits)  | index | count | capture_time_us (i64) | data |
//   +-------+-------+-----------------------+-------+-------+-----------------------+------+
//   flags: bit 7 keyframe, bits 4-6 reserved (zero), bits 0-3 codec (1 H.264, 2 Opus)
//
// The frame's bytes are the concatenation of its fragments' data in index order. Our sender
// splits evenly (sizes differ by at most one byte) so packets of one frame are alike; a
// receiver must not rely on that.
//
// Nothing here allocates per fragment: write_fragment() fills a caller's buffer (for
// instance the packet buffer right after the cleartext header, to be sealed in place), and
// Packetizer reuses one scratch buffer for every fragment it hands to its sink.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "agentcast/media/media_types.h"

namespace agentcast::media {

inline constexpr std::uint8_t kFramingVersion = 1;
inline constexpr std::size_t kFragmentHeaderSize = 22;
inline constexpr std::size_t kMaxFragments = 65535;  // count is 16 bits and never 0
// The payload a default (1200-byte MTU) media packet carries: 1200 - 14 header - 16 tag.
inline constexpr std::size_t kDefaultMaxPayload = 1170;

inline constexpr std::uint8_t kFlagKeyframe = 0x80;
inline constexpr std::uint8_t kFlagReserved = 0x70;
inline constexpr std::uint8_t kFlagCodecMask = 0x0f;

enum class FragmentStatus : std::uint8_t {
  kOk,
  kMaxPayloadTooSmall,  // max_payload leaves no room for data after the header
  kTooManyFragments,    // the frame would need more than kMaxFragments fragments
  kUnknownCodec,        // the frame's codec has no wire value
  kBufferTooSmall,      // write_fragment: out cannot hold the fragment
  kBadPlan,             // write_fragment: index >= plan.count, or the plan is not this frame's
};
std::string_view to_string(FragmentStatus status) noexcept;

// How a frame of `frame_size` bytes is split for packets of at most `max_payload` bytes.
struct FragmentPlan {
  std::size_t count = 0;       // fragments, 1..kMaxFragments (1 for an empty frame)
  std::size_t frame_size = 0;  // bytes of frame data
};

// Plans the split, or says why the frame cannot be sent.
FragmentStatus plan_fragments(std::size_t frame_size, std::size_t max_payload,
                              FragmentPlan& plan) noexcept;

// The data bytes [offset, offset + size) of the frame that fragment `index` carries.
struct FragmentSlice {
  std::size_t offset = 0;
  std::size_t size = 0;
};
FragmentSlice fragment_slice(const FragmentPlan& plan, std::size_t index) noexcept;

// Writes fragment `index` of `plan` (header and data) to the start of `out`, which needs
// kFragmentHeaderSize + fragment_slice(plan, index).size bytes; sets `written`.
FragmentStatus write_fragment(const EncodedFrame& frame, const FragmentPlan& plan,
                              std::size_t index, std::span<std::uint8_t> out,
                              std::size_t& written) noexcept;

// Splits frames into fragments of at most max_payload bytes. One instance per sending
// stream; not thread-safe (it owns the scratch buffer).
class Packetizer {
 public:
  // Throws std::invalid_argument if max_payload <= kFragmentHeaderSize.
  explicit Packetizer(std::size_t max_payload = kDefaultMaxPayload);

  std::size_t max_payload() const noexcept { return max_payload_; }

  // Calls sink(std::span<const std::uint8_t>) once per fragment, in index order. The span
  // points into a scratch buffer that is overwritten by the next fragment: the sink copies
  // or seals it before returning. Nothing is emitted unless the whole frame can be.
  template <typename Sink>
  FragmentStatus fragment(const EncodedFrame& frame, Sink&& sink) {
    FragmentPlan plan;
    if (FragmentStatus s = plan_fragments(frame.data.size(), max_payload_, plan);
        s != FragmentStatus::kOk) {
      return s;
    }
    for (std::size_t i = 0; i < plan.count; ++i) {
      std::size_t written = 0;
      if (FragmentStatus s = write_fragment(frame, plan, i, scratch_, written);
          s != FragmentStatus::kOk) {
        return s;  // only kUnknownCodec, and then on the first fragment
      }
      sink(std::span<const std::uint8_t>(scratch_.data(), written));
    }
    return FragmentStatus::kOk;
  }

 private:
  std::size_t max_payload_;
  std::vector<std::uint8_t> scratch_;  // max_payload bytes, allocated once
};

// A parsed fragment; `data` points into the payload that was parsed.
struct FragmentView {
  Codec codec = Codec::kH264;
  bool keyframe = false;
  std::uint64_t frame_id = 0;
  std::uint16_t index = 0;
  std::uint16_t count = 1;
  std::int64_t capture_time_us = 0;
  std::span<const std::uint8_t> data;
};

enum class ParseStatus : std::uint8_t {
  kOk,
  kTooShort,         // fewer than kFragmentHeaderSize bytes
  kBadVersion,       // not kFramingVersion
  kReservedFlags,    // a reserved flag bit is set
  kUnknownCodec,     // codec bits name no codec we know
  kZeroCount,        // count == 0
  kIndexOutOfRange,  // index >= count
};
std::string_view to_string(ParseStatus status) noexcept;

// Checks and reads a fragment payload (the plaintext of one media packet).
ParseStatus parse_fragment(std::span<const std::uint8_t> payload, FragmentView& out) noexcept;
std::optional<FragmentView> parse_fragment(std::span<const std::uint8_t> payload) noexcept;

// The codec's 4-bit wire value, or 0 if it has none.
std::uint8_t codec_wire_value(Codec codec) noexcept;

}  // namespace agentcast::media
