#include "agentcast/net/packet.h"

namespace agentcast::net {
namespace {

bool valid_kind(std::uint8_t flags) noexcept {
  return flags == static_cast<std::uint8_t>(MediaKind::kAudio) ||
         flags == static_cast<std::uint8_t>(MediaKind::kVideo) ||
         flags == static_cast<std::uint8_t>(MediaKind::kControl);
}

std::uint64_t load_be(const std::uint8_t* p, int bytes) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = v << 8 | p[i];
  return v;
}

void store_be(std::uint8_t* p, std::uint64_t v, int bytes) noexcept {
  for (int i = bytes - 1; i >= 0; --i) {
    p[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace

HeaderStatus parse_header(Bytes packet, PacketHeader& header) noexcept {
  if (packet.size() < kHeaderSize) return HeaderStatus::kTruncated;
  if (packet[0] != kProtocolVersion) return HeaderStatus::kBadVersion;
  const std::uint8_t kind = packet[1] & static_cast<std::uint8_t>(~kOriginTaggedFlag);
  if (!valid_kind(kind)) return HeaderStatus::kBadFlags;
  header.kind = static_cast<MediaKind>(kind);
  header.origin_tagged = (packet[1] & kOriginTaggedFlag) != 0;
  header.stream_id = static_cast<std::uint16_t>(load_be(&packet[2], 2));
  header.epoch = static_cast<std::uint32_t>(load_be(&packet[4], 4));
  header.sequence = load_be(&packet[8], 6);
  return HeaderStatus::kOk;
}

void write_header(const PacketHeader& header, std::span<std::uint8_t, kHeaderSize> out) noexcept {
  out[0] = kProtocolVersion;
  out[1] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(header.kind) |
                                     (header.origin_tagged ? kOriginTaggedFlag : 0));
  store_be(&out[2], header.stream_id, 2);
  store_be(&out[4], header.epoch, 4);
  store_be(&out[8], header.sequence, 6);
}

std::string_view to_string(MediaKind kind) noexcept {
  switch (kind) {
    case MediaKind::kAudio:
      return "audio";
    case MediaKind::kVideo:
      return "video";
    case MediaKind::kControl:
      return "control";
  }
  return "unknown";
}

}  // namespace agentcast::net
