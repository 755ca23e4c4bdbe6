#pragma once
// The media packet (patent Fig. 12B): a cleartext header that is the AEAD's associated
// data, then the sealed payload and its 16-byte tag; on a stream with origin
// authentication (crypto/origin_tag.h) the sender's 16-byte origin tag for the one viewer
// it is sent to follows. docs/PROTOCOL.md is the spec.
//
//   0       1       2       4               8                      14
//   +-------+-------+-------+---------------+----------------------+---------------+-----+
//   |version| flags |stream |    epoch      |  sequence (48 bits)  |  ciphertext   | tag | origin
//   tag?
//   +-------+-------+-------+---------------+----------------------+---------------+-----+

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "agentcast/crypto/cipher_unit.h"
#include "agentcast/crypto/key_schedule.h"

namespace agentcast::net {

using crypto::Bytes;
using crypto::MutableBytes;

inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kHeaderSize = 14;
inline constexpr std::size_t kPacketOverhead = kHeaderSize + crypto::kTagSize;
inline constexpr std::size_t kDefaultMtu = 1200;  // UDP payload bytes on the wire
inline constexpr std::size_t kMinMtu = kPacketOverhead + 1;
inline constexpr std::size_t kMaxMtu = 65507;  // the largest UDP payload over IPv4

// Exactly one kind bit is set in the flags byte, and perhaps kOriginTaggedFlag; the other
// bits are reserved, must be zero.
enum class MediaKind : std::uint8_t { kAudio = 0x01, kVideo = 0x02, kControl = 0x04 };
// The packet ends in an origin tag (crypto::kOriginTagSize bytes after the AEAD tag). The
// flag is in the associated data, so a packet sealed with it cannot lose it.
inline constexpr std::uint8_t kOriginTaggedFlag = 0x40;

struct PacketHeader {
  MediaKind kind = MediaKind::kVideo;
  std::uint16_t stream_id = 0;
  std::uint32_t epoch = 0;
  std::uint64_t sequence = 0;  // 48 bits
  bool origin_tagged = false;  // kOriginTaggedFlag
};

enum class HeaderStatus : std::uint8_t { kOk, kTruncated, kBadVersion, kBadFlags };

// Reads and checks the header at the start of `packet`; does not look at the rest.
HeaderStatus parse_header(Bytes packet, PacketHeader& header) noexcept;
// Writes the header; `sequence` must be at most crypto::kMaxSequence.
void write_header(const PacketHeader& header, std::span<std::uint8_t, kHeaderSize> out) noexcept;

std::string_view to_string(MediaKind kind) noexcept;

}  // namespace agentcast::net
