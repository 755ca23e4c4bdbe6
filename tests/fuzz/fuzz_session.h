#pragma once
// The fixed session of the receiving-section fuzzer and the input format it reads. Shared
// by receiving_section_fuzzer.cpp and make_corpus.cpp: the corpus generator must derive
// exactly the keys the fuzzer's sections use, so that the sealed packets it writes open
// in the fuzzer. Everything here is deterministic so that a crash reproduces (except the
// instruction key of instructed lanes, see lane_config()); nothing here is secret.
//
// Input format. Byte 0 holds flags (kFlagReset: rebuild every lane before this input;
// kFlagInstructed, with kFlagReset: the lanes run instructed selection until the next
// reset). The rest is a sequence of operations until the input ends; a missing argument
// byte reads as zero. Each operation starts with one op byte:
//
//   bits 0-2  Op (below)
//   bits 3-4  lane, 0-3 (see lane_config())
//   bits 5-6  OutMode: how open()'s output buffer is laid out
//   bit  7    kFixHeader: for raw packets, overwrite version, flags and stream id with
//             the lane's, so that mutations reach the replay window and the epochs. In
//             the origin-tagged lane (kOriginLane) the flags are the kind and
//             kOriginTaggedFlag, and the last kOriginTagSize bytes (if the packet is at
//             least kHeaderSize + kOriginTagSize long) become the sender's origin tag of
//             the bytes before them: without it no raw packet could get past the origin
//             check there, and kFixHeader would reach nothing behind it
//
//   kRaw16        u16 length (big-endian), then that many packet bytes
//   kRaw8         u8 length, then that many packet bytes
//   kSeal         u8 payload size, mutation: seal a packet, mutate it, deliver it
//   kDrop         u8 n: seal drop_count(n) packets and lose them (kept in the history)
//   kHistory      u8 age, mutation: deliver again the packet sealed `age` seals ago
//   kSeed         u8 argument: hand epoch seeds to the sender or receiver (distributed);
//                 with kSeedInstruction set in an instructed lane, an instruction op
//                 instead (InstructionOp in bits 5-7, a block offset in bits 2-3), and in
//                 other lanes the seed op plus a check that instructions are refused
//   kHeader       14 bytes: parse them, and write/parse a header built from them
//   kSealInPlace  u8 payload size: seal in place and deliver unchanged
//
// A mutation is one byte, then its arguments in this order:
//   bits 0-1  number of (u16 position, u8 xor) flips
//   bit  2    truncate: u8 bytes cut from the end
//   bit  3    extend: u8 count (mod 32), then that many bytes appended
//   bit  4    deliver the genuine packet after the mutated one
//   bits 5-6  TagOp (below), applied after the flips, the cut and the extension: how the
//             origin tag is redone, so that changed packets also get past the origin check
//             of kOriginLane and reach what is behind it, and so that packets tagged under
//             an insider's key, untagged copies and tagged copies reach every lane
//
// Origin authentication. Lane kOriginLane is origin-tagged (net::SectionConfig::
// origin_tagged): its sender's packets carry kOriginTaggedFlag, and the fuzzer appends the
// sender's origin tag for the fuzzer's viewer (under viewer_origin_key(), which that lane's
// receiver is configured with) to each packet as the sender's fan-out does, before it is
// mutated, delivered or kept in the history. One of the four lanes rather than a fifth:
// the op byte has no spare bit for a lane index of 0-4, and widening it would change the
// meaning of every existing input; lane 3 is the one whose MTU (256) a seal's payload size
// (u8) can reach, so the 16 bytes of room the sender leaves for the tag are checked too.

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/origin_tag.h"
#include "agentcast/crypto/secret.h"
#include "agentcast/net/packet.h"
#include "agentcast/net/sending_section.h"

namespace agentcast::fuzz {

inline constexpr std::uint8_t kFlagReset = 0x01;
inline constexpr std::uint8_t kFlagInstructed = 0x02;

// Instructed lanes post each block's instructions as the sender starts the block before
// it (the latest the protocol allows) unless posting is paused. These ops add to that.
inline constexpr std::uint8_t kSeedInstruction = 0x10;
// A seed op with this bit (and not kSeedInstruction) re-keys the lane: a fresh seed for
// the sender's next epoch, staged and committed, and given to the receiver (both ends or
// neither: a receiver that cannot take it would refuse everything after it).
inline constexpr std::uint8_t kSeedRekey = 0x80;
enum class InstructionOp : std::uint8_t {
  kPostAhead = 0,   // the sender's runs of block (sender's block + offset)
  kPostBehind = 1,  // the sender's runs of block (receiver's highest block - offset)
  kTogglePause = 2,
  kEmpty = 3,      // refused: no runs
  kBadUnit = 4,    // refused: a unit index past the unit list
  kBadLength = 5,  // refused: a run of 0 (bit 0 clear) or 93 (bit 0 set) packets
  kBadTotal = 6,   // refused: runs covering 4095 (bit 0 clear) or 4097 (bit 0 set) packets
  kConflict = 7,   // refused: other runs for a held block (skipped if it is not held)
};

constexpr std::uint8_t instruction_arg(InstructionOp op, unsigned offset = 0,
                                       unsigned variant = 0) noexcept {
  return static_cast<std::uint8_t>(kSeedInstruction | static_cast<unsigned>(op) << 5 |
                                   (offset % 4) << 2 | (variant % 2));
}

enum class Op : std::uint8_t {
  kRaw16 = 0,
  kSeal = 1,
  kDrop = 2,
  kHistory = 3,
  kSeed = 4,
  kHeader = 5,
  kRaw8 = 6,
  kSealInPlace = 7,
};

enum class OutMode : std::uint8_t {
  kExact = 0,     // a separate buffer of exactly packet.size() - the lane's overhead() bytes
  kInPlace = 1,   // packet.data() + kHeaderSize
  kTooSmall = 2,  // one byte short
  kLarge = 3,     // a separate MTU-sized buffer, prefilled with kFill
};

inline constexpr std::uint8_t kOpMask = 0x07;
inline constexpr int kLaneShift = 3;
inline constexpr int kOutShift = 5;
inline constexpr std::uint8_t kFixHeader = 0x80;

inline constexpr std::uint8_t kMutFlipMask = 0x03;
inline constexpr std::uint8_t kMutTruncate = 0x04;
inline constexpr std::uint8_t kMutExtend = 0x08;
inline constexpr std::uint8_t kMutThenGenuine = 0x10;
inline constexpr int kMutTagShift = 5;
inline constexpr std::uint8_t kMutTagMask = 0x60;

// A mutation's origin tag operation (bits 5-6). "The tag" is the last kOriginTagSize bytes
// (all of them, in a shorter packet).
enum class TagOp : std::uint8_t {
  kKeep = 0,  // as the other changes left it
  // kOriginLane: the tag is replaced by the sender's tag of the bytes before it, as if the
  // sender had tagged the changed packet (so the change reaches the checks behind the
  // origin tag). Other lanes: kOriginTaggedFlag set and the sender's tag appended, a
  // tagged copy sent to a stream that is not origin-tagged.
  kSender = 1,
  // The same under insider_origin_key(): another viewer's key, which that viewer (a member
  // of the call, holding every key that opens it) can tag with.
  kInsider = 2,
  // kOriginLane: the tag removed and kOriginTaggedFlag cleared, an untagged copy. Other
  // lanes: kOriginTaggedFlag set, no tag appended.
  kStrip = 3,
};

constexpr std::uint8_t mutation_tag(TagOp op) noexcept {
  return static_cast<std::uint8_t>(static_cast<unsigned>(op) << kMutTagShift);
}

inline constexpr std::size_t kLaneCount = 4;
inline constexpr std::uint64_t kPacketsPerEpoch = 50;  // small, so that epochs change often
inline constexpr std::uint64_t kLane3PacketsPerEpoch = 2500;
inline constexpr std::uint64_t kLane3Sequences = 5001;  // before lane 3's sender runs out
inline constexpr std::size_t kHistorySize = 256;        // sealed packets remembered per lane
inline constexpr std::size_t kOriginLane = 3;           // the origin-tagged lane
inline constexpr std::uint8_t kFill = 0xA5;

constexpr std::uint8_t op_byte(Op op, std::size_t lane, OutMode out = OutMode::kExact,
                               bool fix_header = false) noexcept {
  return static_cast<std::uint8_t>(static_cast<unsigned>(op) | (lane % kLaneCount) << kLaneShift |
                                   static_cast<unsigned>(out) << kOutShift |
                                   (fix_header ? kFixHeader : 0U));
}

// kDrop's argument: 1 to 64 packets.
constexpr std::uint32_t drop_count(std::uint8_t arg) noexcept {
  return arg % 64U + 1U;
}
// The payload size of a packet sealed by kDrop.
constexpr std::size_t drop_payload_size(std::uint64_t sequence) noexcept {
  return static_cast<std::size_t>(sequence % 48);
}

// Every payload the fuzzer seals is this pattern, so an accepted packet's plaintext is
// known from its sequence number and size alone: anything else would be a forgery.
constexpr std::uint8_t payload_byte(std::uint64_t sequence, std::size_t size,
                                    std::size_t i) noexcept {
  return static_cast<std::uint8_t>(sequence * 151U + (sequence >> 8) + size * 7U + i * 31U);
}

inline crypto::Secret initial_seed() {
  std::array<std::uint8_t, crypto::kSeedSize> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(0x41 + i * 3);
  return crypto::Secret(bytes);
}

// Distributed mode: the seed of `epoch` (>= 1). A pure function of the epoch, so that the
// sender and the receiver always agree whatever order the fuzzer hands seeds out in.
inline crypto::Secret distributed_seed(std::uint32_t epoch) {
  std::array<std::uint8_t, crypto::kSeedSize> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(0xC3 ^ (i * 11) ^ (epoch >> (8 * (i % 4))));
  return crypto::Secret(bytes);
}

// The seed of a re-key of `epoch`: unlike distributed_seed(), which the removed viewer of
// the protocol would hold.
inline crypto::Secret rekey_seed(std::uint32_t epoch) {
  std::array<std::uint8_t, crypto::kSeedSize> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(0x5A ^ (i * 7) ^ (epoch >> (8 * (i % 4))));
  return crypto::Secret(bytes);
}

inline crypto::SessionId session_id() {
  crypto::SessionId id{};
  for (std::size_t i = 0; i < id.size(); ++i)
    id[i] = static_cast<std::uint8_t>(0xF0 - i);
  return id;
}

// The seed of the fuzzer's viewer's own session message, from which its origin key is
// derived, and that of another viewer of the same call (the insider).
inline crypto::Secret viewer_seed() {
  std::array<std::uint8_t, crypto::kSeedSize> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(0x17 + i * 5);
  return crypto::Secret(bytes);
}

inline crypto::Secret insider_seed() {
  std::array<std::uint8_t, crypto::kSeedSize> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(0x6B ^ (i * 13));
  return crypto::Secret(bytes);
}

inline crypto::Secret origin_key_of(const crypto::Secret& seed) {
  crypto::Secret key;
  if (!crypto::derive_origin_key(seed, session_id(), key)) {
    throw std::runtime_error("cannot derive an origin key");
  }
  return key;
}

// The key the sender tags the fuzzer's viewer's copies with (kOriginLane's receiver holds
// it), and the insider's.
inline crypto::Secret viewer_origin_key() {
  return origin_key_of(viewer_seed());
}
inline crypto::Secret insider_origin_key() {
  return origin_key_of(insider_seed());
}

// Appends `tag`'s origin tag of the whole of `packet`, as the sender does to each viewer's
// copy of a sealed packet. False if the tag cannot be computed (nothing is appended).
inline bool append_origin_tag(crypto::OriginTag& tag, std::vector<std::uint8_t>& packet) {
  crypto::OriginTagBytes bytes{};
  if (!tag.compute(crypto::Bytes(packet.data(), packet.size()), bytes)) return false;
  packet.insert(packet.end(), bytes.begin(), bytes.end());
  return true;
}

// Lane 0: modern units, synchronized seeds, video.
// Lane 1: modern and reference (LFSR) units, synchronized seeds, audio.
// Lane 2: modern units, distributed seeds (kSeed), control, viewer to sender.
// Lane 3: modern and reference units, synchronized, MTU 256, 2500 packets per epoch so
//         that a loss can jump past the whole replay window within one epoch, and
//         sequence numbers starting 5000 below 2^48 - 1 so that the sender runs out (and
//         the lane is rebuilt); origin-tagged (kOriginLane), its receiver holding
//         viewer_origin_key().
// `instructed`: the same lanes in instructed selection (the sender's instruction key is
// random, so unlike the rest of the session it differs from run to run).
inline net::SendingConfig lane_config(std::size_t lane, bool instructed = false) {
  net::SendingConfig config;
  config.label.session = session_id();
  config.packets_per_epoch = kPacketsPerEpoch;
  if (instructed) config.select_mode = net::SelectMode::kInstructed;
  switch (lane % kLaneCount) {
    case 0:
      config.label.stream_id = 7;
      config.kind = net::MediaKind::kVideo;
      break;
    case 1:
      config.label.stream_id = 9;
      config.kind = net::MediaKind::kAudio;
      config.units = crypto::UnitSet::standard(true);
      break;
    case 2:
      config.label.direction = crypto::Direction::kViewerToSender;
      config.label.stream_id = 3;
      config.kind = net::MediaKind::kControl;
      config.seed_mode = net::SeedMode::kDistributed;
      break;
    default:
      config.label.stream_id = 0xFFFF;
      config.kind = net::MediaKind::kVideo;
      config.units = crypto::UnitSet::standard(true);
      config.mtu = 256;
      config.packets_per_epoch = kLane3PacketsPerEpoch;
      config.first_sequence = crypto::kMaxSequence - kLane3Sequences + 1;
      break;
  }
  if (lane % kLaneCount == kOriginLane) {
    config.origin_tagged = true;
    config.origin_key = viewer_origin_key();
  }
  return config;
}

}  // namespace agentcast::fuzz
