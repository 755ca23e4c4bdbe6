// Fragment header encoding and parsing (docs/MEDIA_FRAMING.md).

#include "agentcast/media/packetizer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace agentcast::media {
namespace {

void put_be16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

void put_be64(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

std::uint16_t get_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint64_t get_be64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | p[i];
  return v;
}

}  // namespace

std::uint8_t codec_wire_value(Codec codec) noexcept {
  switch (codec) {
    case Codec::kH264:
      return 1;
    case Codec::kOpus:
      return 2;
  }
  return 0;
}

std::string_view to_string(FragmentStatus status) noexcept {
  switch (status) {
    case FragmentStatus::kOk:
      return "ok";
    case FragmentStatus::kMaxPayloadTooSmall:
      return "max payload leaves no room for data";
    case FragmentStatus::kTooManyFragments:
      return "frame needs more than 65535 fragments";
    case FragmentStatus::kUnknownCodec:
      return "unknown codec";
    case FragmentStatus::kBufferTooSmall:
      return "buffer too small";
    case FragmentStatus::kBadPlan:
      return "fragment index or plan does not fit the frame";
  }
  return "unknown";
}

std::string_view to_string(ParseStatus status) noexcept {
  switch (status) {
    case ParseStatus::kOk:
      return "ok";
    case ParseStatus::kTooShort:
      return "shorter than the fragment header";
    case ParseStatus::kBadVersion:
      return "unknown framing version";
    case ParseStatus::kReservedFlags:
      return "reserved flag bits set";
    case ParseStatus::kUnknownCodec:
      return "unknown codec";
    case ParseStatus::kZeroCount:
      return "fragment count is zero";
    case ParseStatus::kIndexOutOfRange:
      return "fragment index not below count";
  }
  return "unknown";
}

FragmentStatus plan_fragments(std::size_t frame_size, std::size_t max_payload,
                              FragmentPlan& plan) noexcept {
  if (max_payload <= kFragmentHeaderSize) return FragmentStatus::kMaxPayloadTooSmall;
  const std::size_t room = max_payload - kFragmentHeaderSize;
  // Written as a division so that a frame_size near SIZE_MAX cannot overflow.
  const std::size_t count = frame_size == 0 ? 1 : (frame_size - 1) / room + 1;
  if (count > kMaxFragments) return FragmentStatus::kTooManyFragments;
  plan.count = count;
  plan.frame_size = frame_size;
  return FragmentStatus::kOk;
}

FragmentSlice fragment_slice(const FragmentPlan& plan, std::size_t index) noexcept {
  // Even split: the first `extra` fragments carry one byte more than the rest.
  const std::size_t base = plan.frame_size / plan.count;
  const std::size_t extra = plan.frame_size % plan.count;
  return {index * base + std::min(index, extra), base + (index < extra ? 1 : 0)};
}

FragmentStatus write_fragment(const EncodedFrame& frame, const FragmentPlan& plan,
                              std::size_t index, std::span<std::uint8_t> out,
                              std::size_t& written) noexcept {
  written = 0;
  if (plan.count == 0 || plan.count > kMaxFragments || index >= plan.count ||
      plan.frame_size != frame.data.size()) {
    return FragmentStatus::kBadPlan;
  }
  const std::uint8_t codec = codec_wire_value(frame.codec);
  if (codec == 0) return FragmentStatus::kUnknownCodec;
  const FragmentSlice slice = fragment_slice(plan, index);
  if (out.size() < kFragmentHeaderSize || out.size() - kFragmentHeaderSize < slice.size) {
    return FragmentStatus::kBufferTooSmall;
  }
  std::uint8_t* p = out.data();
  p[0] = kFramingVersion;
  p[1] = static_cast<std::uint8_t>(codec | (frame.keyframe ? kFlagKeyframe : 0));
  put_be64(p + 2, frame.frame_id);
  put_be16(p + 10, static_cast<std::uint16_t>(index));
  put_be16(p + 12, static_cast<std::uint16_t>(plan.count));
  put_be64(p + 14, static_cast<std::uint64_t>(frame.capture_time_us));
  // memcpy with a null source is undefined even for zero bytes (an empty vector's data()).
  if (slice.size > 0) {
    std::memcpy(p + kFragmentHeaderSize, frame.data.data() + slice.offset, slice.size);
  }
  written = kFragmentHeaderSize + slice.size;
  return FragmentStatus::kOk;
}

Packetizer::Packetizer(std::size_t max_payload) : max_payload_(max_payload) {
  if (max_payload <= kFragmentHeaderSize) {
    throw std::invalid_argument("Packetizer: max_payload must exceed the fragment header");
  }
  scratch_.resize(max_payload);
}

ParseStatus parse_fragment(std::span<const std::uint8_t> payload, FragmentView& out) noexcept {
  if (payload.size() < kFragmentHeaderSize) return ParseStatus::kTooShort;
  const std::uint8_t* p = payload.data();
  if (p[0] != kFramingVersion) return ParseStatus::kBadVersion;
  const std::uint8_t flags = p[1];
  if ((flags & kFlagReserved) != 0) return ParseStatus::kReservedFlags;
  Codec codec;
  switch (flags & kFlagCodecMask) {
    case 1:
      codec = Codec::kH264;
      break;
    case 2:
      codec = Codec::kOpus;
      break;
    default:
      return ParseStatus::kUnknownCodec;
  }
  const std::uint16_t index = get_be16(p + 10);
  const std::uint16_t count = get_be16(p + 12);
  if (count == 0) return ParseStatus::kZeroCount;
  if (index >= count) return ParseStatus::kIndexOutOfRange;
  out.codec = codec;
  out.keyframe = (flags & kFlagKeyframe) != 0;
  out.frame_id = get_be64(p + 2);
  out.index = index;
  out.count = count;
  out.capture_time_us = static_cast<std::int64_t>(get_be64(p + 14));
  out.data = payload.subspan(kFragmentHeaderSize);
  return ParseStatus::kOk;
}

std::optional<FragmentView> parse_fragment(std::span<const std::uint8_t> payload) noexcept {
  FragmentView view;
  if (parse_fragment(payload, view) != ParseStatus::kOk) return std::nullopt;
  return view;
}

}  // namespace agentcast::media
