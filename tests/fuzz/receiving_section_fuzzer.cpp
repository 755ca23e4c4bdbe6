// libFuzzer target for the packet header parser (parse_header/write_header) and the
// receiving section (ReceivingSection::open). The input format is described in
// fuzz_session.h: a sequence of operations that deliver raw packets, seal real packets
// with a SendingSection of the same session and deliver them mutated, lose packets,
// deliver old ones again and hand out epoch seeds.
//
// The sections are static and live across inputs, so the fuzzer explores state: the
// replay window, reordering and epoch rotation (every 50 packets in lanes 0-2), and in
// instructed selection the held blocks of instructions. Every open() is checked against a
// reference model of the receiver's rules (docs/PROTOCOL.md §8): the rejection it must
// give, or, once the header, window, epoch and instruction checks pass, kOk for a genuine
// packet and kForged for a changed one. Violations abort().
//
// Origin authentication (net/receiving_section.h): lane kOriginLane is origin-tagged (see
// fuzz_session.h). The model checks its origin tag itself, with its own crypto::OriginTag
// under the key the lane's receiver holds, in the receiver's order: after the header, the
// size (the lane's overhead) and the stream, a packet whose kOriginTaggedFlag disagrees
// with the lane is refused (kWrongOrigin in the tagged lane, kBadFlags in the others), and
// in the tagged lane a packet whose tag does not verify is kWrongOrigin; everything after
// that (buffer, window, epochs, AEAD) applies to the packet without its tag. Whatever the
// packet's origin (genuine, changed, re-tagged by the sender or an insider, raw bytes),
// the verdict follows from that computation, never from assuming that a change breaks
// the tag.
//
// Reproducing: state carries over between inputs, so a crash may depend on the inputs
// before it. Inputs that start with kFlagReset are self-contained; the environment
// variable AGENTCAST_FUZZ_RESET_EACH_INPUT=1 rebuilds the sections before every input.
// Otherwise replay the corpus and the crash file in order with
// fuzz_replay_receiving_section.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agentcast/crypto/origin_tag.h"
#include "agentcast/net/packet.h"
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/replay_window.h"
#include "agentcast/net/sending_section.h"
#include "fuzz_session.h"
#include "receiver_model.h"

namespace agentcast::fuzz {
namespace {

using net::OpenStatus;
using net::PacketHeader;

[[noreturn]] void fail(const char* what, int line) {
  std::fprintf(stderr, "receiving_section_fuzzer.cpp:%d: invariant violated: %s\n", line, what);
  std::fflush(stderr);
  std::abort();
}

#define FUZZ_CHECK(condition)                     \
  do {                                            \
    if (!(condition)) fail(#condition, __LINE__); \
  } while (false)

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const { return position_ >= size_; }
  std::uint8_t u8() { return position_ < size_ ? data_[position_++] : 0; }
  std::uint16_t u16() {
    const unsigned high = u8();
    return static_cast<std::uint16_t>(high << 8 | u8());
  }
  // Up to `n` bytes: fewer when the input ends.
  crypto::Bytes take(std::size_t n) {
    n = std::min(n, size_ - position_);
    crypto::Bytes bytes(data_ + position_, n);
    position_ += n;
    return bytes;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t position_ = 0;
};

std::uint64_t load_be(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = v << 8 | p[i];
  return v;
}

// PROTOCOL.md §3 and net/packet.h: exactly one kind bit (0x01, 0x02, 0x04), perhaps the
// origin-tagged bit (0x40), no other.
constexpr std::uint8_t kTaggedBit = 0x40;
static_assert(net::kOriginTaggedFlag == kTaggedBit);

bool valid_flags(std::uint8_t flags) {
  switch (flags) {
    case 0x01:
    case 0x02:
    case 0x04:
    case 0x41:
    case 0x42:
    case 0x44:
      return true;
    default:
      return false;
  }
}
std::uint8_t kind_bits(std::uint8_t flags) {
  return static_cast<std::uint8_t>(flags & ~kTaggedBit);
}
bool tagged_bit(std::uint8_t flags) {
  return (flags & kTaggedBit) != 0;
}

// The bytes of a packet that are not payload in `config`'s stream: header, AEAD tag and,
// if the stream is origin-tagged, the origin tag.
std::size_t overhead(const net::SectionConfig& config) {
  return net::kPacketOverhead + (config.origin_tagged ? crypto::kOriginTagSize : 0);
}

// The fuzzer's own origin tags: under the key the sender tags the fuzzer's viewer's copies
// with (which kOriginLane's receiver holds), and under an insider's (another viewer's).
struct Taggers {
  crypto::OriginTag viewer{viewer_origin_key()};
  crypto::OriginTag insider{insider_origin_key()};
};

Taggers& taggers() {
  static Taggers all;
  return all;
}

// Whether the last kOriginTagSize bytes of `packet` are `tag`'s tag of the bytes before.
bool tag_verifies(crypto::OriginTag& tag, crypto::Bytes packet) {
  if (packet.size() < crypto::kOriginTagSize) return false;
  const std::size_t body = packet.size() - crypto::kOriginTagSize;
  return tag.verify(packet.first(body), packet.subspan(body));
}

// Replaces the last kOriginTagSize bytes of `packet` (all of them, if it is shorter) by
// `tag`'s tag of the bytes before them.
void retag(crypto::OriginTag& tag, std::vector<std::uint8_t>& packet) {
  packet.resize(packet.size() - std::min(packet.size(), crypto::kOriginTagSize));
  FUZZ_CHECK(append_origin_tag(tag, packet));
}

struct Sent {
  std::vector<std::uint8_t> packet;
  bool accepted = false;
};

struct Lane {
  Lane(std::size_t lane_index, bool instructed_selection)
      : index(lane_index),
        config(lane_config(lane_index, instructed_selection)),
        sender(config, initial_seed()),
        receiver(config, initial_seed()),
        model(config.seed_mode == net::SeedMode::kSynchronized, instructed_selection,
              config.first_sequence),
        instructed(instructed_selection),
        tagged(config.origin_tagged) {
    history.resize(kHistorySize);
    FUZZ_CHECK(tagged == (lane_index == kOriginLane));
    FUZZ_CHECK(config.overhead() == overhead(config));
    FUZZ_CHECK(taggers().viewer.keyed() && taggers().insider.keyed());
  }

  std::size_t index;
  net::SendingConfig config;
  net::SendingSection sender;
  net::ReceivingSection receiver;
  ReceiverModel model;
  std::vector<Sent> history;  // a ring of the last kHistorySize sealed packets
  std::size_t sealed = 0;
  bool exhausted = false;  // the sender refused with kSequenceExhausted
  bool instructed;
  bool tagged;                          // origin-tagged (kOriginLane)
  std::optional<std::uint64_t> posted;  // the highest block the control channel posted
  bool posting_paused = false;
};

// What the inputs so far reached, for AgentcastFuzzReplayReport().
struct Outcomes {
  std::array<std::uint64_t, net::kOpenStatusCount> by_status{};
  std::array<std::uint64_t, kLaneCount> accepted{};  // kOk per lane
  std::uint64_t payload_too_large = 0;
  std::uint64_t sequence_exhausted = 0;
  std::uint64_t epoch_changes = 0;
  std::uint64_t reordered = 0;
  std::uint64_t instructions_accepted = 0;
  std::uint64_t instructions_refused = 0;
  // Origin authentication: kWrongOrigin for a packet without kOriginTaggedFlag (an
  // untagged copy), tagged under the insider's key, or with any other tag that does not
  // verify; kBadFlags for a tagged packet (kOriginTaggedFlag) sent to an untagged lane;
  // kForged behind a tag that verified (a change the sender's tag covers).
  std::uint64_t origin_untagged = 0;
  std::uint64_t origin_insider = 0;
  std::uint64_t origin_bad_tag = 0;
  std::uint64_t tagged_to_untagged = 0;
  std::uint64_t forged_behind_tag = 0;
};
Outcomes outcomes;

// Whether lanes built from now on run instructed selection (kFlagInstructed at the last
// reset).
bool instructed_lanes = false;

std::array<std::unique_ptr<Lane>, kLaneCount>& lanes() {
  static std::array<std::unique_ptr<Lane>, kLaneCount> all;
  return all;
}

Lane& lane(std::size_t index) {
  std::unique_ptr<Lane>& slot = lanes()[index];
  if (!slot) slot = std::make_unique<Lane>(index, instructed_lanes);
  return *slot;
}

void reset_all() {
  for (auto& slot : lanes())
    slot.reset();
}

bool reset_each_input() {
  static const bool reset = [] {
    const char* value = std::getenv("AGENTCAST_FUZZ_RESET_EACH_INPUT");
    return value != nullptr && value[0] != '\0' && value[0] != '0';
  }();
  return reset;
}

// parse_header against an independent reading of PROTOCOL.md §3, and the round trip.
void check_parse(crypto::Bytes packet) {
  PacketHeader header;
  header.stream_id = 0x5555;
  // The opposite of what parse_header must find, so that it is seen to set it.
  header.origin_tagged = packet.size() > 1 && !tagged_bit(packet[1]);
  const net::HeaderStatus status = net::parse_header(packet, header);
  if (packet.size() < net::kHeaderSize) {
    FUZZ_CHECK(status == net::HeaderStatus::kTruncated);
    return;
  }
  if (packet[0] != net::kProtocolVersion) {
    FUZZ_CHECK(status == net::HeaderStatus::kBadVersion);
    return;
  }
  if (!valid_flags(packet[1])) {
    FUZZ_CHECK(status == net::HeaderStatus::kBadFlags);
    return;
  }
  FUZZ_CHECK(status == net::HeaderStatus::kOk);
  FUZZ_CHECK(static_cast<std::uint8_t>(header.kind) == kind_bits(packet[1]));
  FUZZ_CHECK(header.origin_tagged == tagged_bit(packet[1]));
  FUZZ_CHECK(header.stream_id == load_be(&packet[2], 2));
  FUZZ_CHECK(header.epoch == load_be(&packet[4], 4));
  FUZZ_CHECK(header.sequence == load_be(&packet[8], 6));
  FUZZ_CHECK(header.sequence <= crypto::kMaxSequence);
  FUZZ_CHECK(!net::to_string(header.kind).empty() && net::to_string(header.kind) != "unknown");
  std::array<std::uint8_t, net::kHeaderSize> written{};
  net::write_header(header, written);
  FUZZ_CHECK(std::equal(written.begin(), written.end(), packet.begin()));
}

// write_header then parse_header on a header built from arbitrary bytes.
void check_round_trip(crypto::Bytes bytes) {
  static constexpr std::array<net::MediaKind, 3> kKinds = {
      net::MediaKind::kAudio, net::MediaKind::kVideo, net::MediaKind::kControl};
  PacketHeader header;
  header.kind = kKinds[bytes[0] % kKinds.size()];
  header.origin_tagged = (bytes[0] & 0x80) != 0;
  header.stream_id = static_cast<std::uint16_t>(load_be(&bytes[1], 2));
  header.epoch = static_cast<std::uint32_t>(load_be(&bytes[3], 4));
  header.sequence = load_be(&bytes[7], 6);
  std::array<std::uint8_t, net::kHeaderSize> written{};
  net::write_header(header, written);
  FUZZ_CHECK(written[0] == net::kProtocolVersion);
  FUZZ_CHECK(written[1] ==
             (static_cast<std::uint8_t>(header.kind) | (header.origin_tagged ? kTaggedBit : 0)));
  PacketHeader parsed;
  parsed.origin_tagged = !header.origin_tagged;
  FUZZ_CHECK(net::parse_header(written, parsed) == net::HeaderStatus::kOk);
  FUZZ_CHECK(parsed.kind == header.kind && parsed.stream_id == header.stream_id &&
             parsed.epoch == header.epoch && parsed.sequence == header.sequence &&
             parsed.origin_tagged == header.origin_tagged);
  // A longer packet parses the same.
  std::array<std::uint8_t, net::kHeaderSize + 3> longer{};
  std::copy(written.begin(), written.end(), longer.begin());
  PacketHeader parsed_longer;
  FUZZ_CHECK(net::parse_header(longer, parsed_longer) == net::HeaderStatus::kOk);
  FUZZ_CHECK(parsed_longer.sequence == header.sequence && parsed_longer.epoch == header.epoch &&
             parsed_longer.origin_tagged == header.origin_tagged);
}

// The status open() must give before any replay, epoch or AEAD check, if any: the origin
// tag of an origin-tagged stream is verified here, by the model itself.
std::optional<OpenStatus> prefix_status(const net::SectionConfig& config, crypto::Bytes packet,
                                        std::size_t out_size) {
  if (packet.size() > config.mtu) return OpenStatus::kOversized;
  if (packet.size() < net::kHeaderSize) return OpenStatus::kTruncated;
  if (packet[0] != net::kProtocolVersion) return OpenStatus::kBadVersion;
  if (!valid_flags(packet[1])) return OpenStatus::kBadFlags;
  if (packet.size() < overhead(config)) return OpenStatus::kTruncated;
  if (load_be(&packet[2], 2) != config.label.stream_id ||
      kind_bits(packet[1]) != static_cast<std::uint8_t>(config.kind)) {
    return OpenStatus::kWrongStream;
  }
  if (tagged_bit(packet[1]) != config.origin_tagged) {
    return config.origin_tagged ? OpenStatus::kWrongOrigin : OpenStatus::kBadFlags;
  }
  if (config.origin_tagged) {
    if (!tag_verifies(taggers().viewer, packet)) return OpenStatus::kWrongOrigin;
    packet = packet.first(packet.size() - crypto::kOriginTagSize);
  }
  if (out_size < packet.size() - net::kPacketOverhead) return OpenStatus::kBufferTooSmall;
  return std::nullopt;
}

enum class Origin : std::uint8_t {
  kGenuine,   // sealed (and in kOriginLane tagged) by the lane's sender, unchanged
  kModified,  // sealed by the lane's sender, then changed (bytes, or its origin tag redone)
  kUnknown,   // bytes from the input
};

// Counts the origin outcomes (Outcomes) of a packet open() gave `status` in `lane`.
void count_origin(const Lane& lane, crypto::Bytes packet, OpenStatus status) {
  if (status == OpenStatus::kWrongOrigin) {
    FUZZ_CHECK(lane.tagged && packet.size() >= overhead(lane.config));
    if (!tagged_bit(packet[1])) {
      ++outcomes.origin_untagged;
    } else if (tag_verifies(taggers().insider, packet)) {
      ++outcomes.origin_insider;
    } else {
      ++outcomes.origin_bad_tag;
    }
  } else if (status == OpenStatus::kBadFlags && valid_flags(packet[1])) {
    FUZZ_CHECK(!lane.tagged && tagged_bit(packet[1]));
    ++outcomes.tagged_to_untagged;
  } else if (status == OpenStatus::kForged && lane.tagged) {
    ++outcomes.forged_behind_tag;
  }
}

// Delivers `original` to the lane's receiving section and checks the outcome.
OpenStatus deliver(Lane& lane, const std::vector<std::uint8_t>& original, OutMode mode,
                   Origin origin) {
  check_parse(original);
  net::ReceivingSection& rx = lane.receiver;
  std::vector<std::uint8_t> packet = original;  // opened in place in kInPlace
  const std::size_t lane_overhead = overhead(lane.config);
  const std::size_t plain_size = packet.size() >= lane_overhead ? packet.size() - lane_overhead : 0;
  std::vector<std::uint8_t> buffer;
  crypto::MutableBytes out;
  switch (mode) {
    case OutMode::kExact:
      buffer.resize(plain_size);
      out = buffer;
      break;
    case OutMode::kInPlace:
      if (packet.size() >= net::kHeaderSize) {
        out = crypto::MutableBytes(packet.data() + net::kHeaderSize,
                                   packet.size() - net::kHeaderSize);
      }
      break;
    case OutMode::kTooSmall:
      buffer.resize(plain_size > 0 ? plain_size - 1 : 0);
      out = buffer;
      break;
    case OutMode::kLarge:
      buffer.assign(lane.config.mtu, kFill);
      out = buffer;
      break;
  }

  const net::ReceivingStats before = rx.stats();
  const std::uint32_t epoch_before = rx.current_epoch();
  const std::optional<std::uint64_t> highest_before = rx.highest_sequence();
  FUZZ_CHECK(epoch_before == lane.model.current());
  FUZZ_CHECK(highest_before == lane.model.highest());

  const net::OpenResult result = rx.open(packet, out);

  // Every outcome is a known status, counted exactly once.
  const auto index = static_cast<std::size_t>(result.status);
  FUZZ_CHECK(index < net::kOpenStatusCount);
  ++outcomes.by_status[index];
  FUZZ_CHECK(net::to_string(result.status) != "unknown");
  const net::ReceivingStats& after = rx.stats();
  for (std::size_t i = 0; i < net::kOpenStatusCount; ++i)
    FUZZ_CHECK(after.by_status[i] == before.by_status[i] + (i == index ? 1 : 0));
  FUZZ_CHECK(result.status != OpenStatus::kCipherFailure);  // OpenSSL does not fail here

  // The status the rules call for.
  const std::optional<OpenStatus> early = prefix_status(lane.config, original, out.size());
  // What the sender tagged for this viewer and nobody changed is never refused for its
  // origin.
  if (origin == Origin::kGenuine) FUZZ_CHECK(early != OpenStatus::kWrongOrigin);
  PacketHeader header;
  if (early) {
    FUZZ_CHECK(result.status == *early);
  } else {
    FUZZ_CHECK(net::parse_header(original, header) == net::HeaderStatus::kOk);
    FUZZ_CHECK(result.header.kind == header.kind && result.header.stream_id == header.stream_id &&
               result.header.epoch == header.epoch && result.header.sequence == header.sequence);
    if (const std::optional<OpenStatus> predicted = lane.model.predict(header)) {
      FUZZ_CHECK(result.status == *predicted);
    } else if (origin == Origin::kGenuine) {
      FUZZ_CHECK(result.status == OpenStatus::kOk);
    } else if (origin == Origin::kModified) {
      // In kOriginLane a changed packet gets here only if its tag verified, i.e. the
      // sender's tag was redone over the change (the same bytes under the same key give
      // the same tag, so the part before the tag changed): the AEAD refuses it.
      FUZZ_CHECK(result.status == OpenStatus::kForged);
    } else {
      FUZZ_CHECK(result.status == OpenStatus::kOk || result.status == OpenStatus::kForged);
    }
  }

  if (mode == OutMode::kLarge) {  // nothing written past the plaintext
    const std::size_t written = std::min(plain_size, buffer.size());
    FUZZ_CHECK(std::all_of(buffer.begin() + static_cast<std::ptrdiff_t>(written), buffer.end(),
                           [](std::uint8_t b) { return b == kFill; }));
  }
  if (result.status == OpenStatus::kForged) {  // unauthenticated plaintext never escapes
    FUZZ_CHECK(std::all_of(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(plain_size),
                           [](std::uint8_t b) { return b == 0; }));
  }

  count_origin(lane, original, result.status);

  if (result.status != OpenStatus::kOk) {
    // A rejected packet moves no state.
    FUZZ_CHECK(result.size == 0);
    FUZZ_CHECK(rx.current_epoch() == epoch_before);
    FUZZ_CHECK(rx.highest_sequence() == highest_before);
    FUZZ_CHECK(after.epochs == before.epochs);
    FUZZ_CHECK(after.packets_reordered == before.packets_reordered);
    FUZZ_CHECK(after.unit_switches == before.unit_switches);
    return result.status;
  }

  FUZZ_CHECK(result.size == original.size() - lane_overhead);
  // Only the sender's packets can be accepted, and their payloads are the pattern.
  for (std::size_t i = 0; i < result.size; ++i)
    FUZZ_CHECK(out[i] == payload_byte(header.sequence, result.size, i));
  const bool newest = !highest_before || header.sequence > *highest_before;
  FUZZ_CHECK(after.packets_reordered == before.packets_reordered + (newest ? 0 : 1));
  lane.model.accept(header);
  FUZZ_CHECK(rx.highest_sequence() == lane.model.highest());
  FUZZ_CHECK(rx.current_epoch() == lane.model.current());
  FUZZ_CHECK(after.epochs == before.epochs + (rx.current_epoch() - epoch_before));
  ++outcomes.accepted[lane.index];
  outcomes.epoch_changes += rx.current_epoch() - epoch_before;
  outcomes.reordered += newest ? 0 : 1;

  // The same packet again is a replay, whatever the output buffer.
  std::vector<std::uint8_t> again(plain_size);
  FUZZ_CHECK(rx.open(original, again).status == OpenStatus::kReplay);
  return OpenStatus::kOk;
}

// A mutation (fuzz_session.h), read in full before it is applied so that the input
// parses the same whatever the lane's state.
struct Mutation {
  std::uint8_t flags = 0;
  std::array<std::pair<std::uint16_t, std::uint8_t>, 3> flips{};
  std::uint8_t cut = 0;
  crypto::Bytes extension;

  static Mutation read(Reader& in) {
    Mutation m;
    m.flags = in.u8();
    for (unsigned i = 0; i < (m.flags & kMutFlipMask); ++i) {
      m.flips[i].first = in.u16();
      m.flips[i].second = in.u8();
    }
    if ((m.flags & kMutTruncate) != 0) m.cut = in.u8();
    if ((m.flags & kMutExtend) != 0) m.extension = in.take(in.u8() % 32U);
    return m;
  }

  // Returns false if the bytes did not change. `origin_lane`: the packet is kOriginLane's.
  bool apply(std::vector<std::uint8_t>& packet, bool origin_lane) const {
    const std::vector<std::uint8_t> original = packet;
    for (unsigned i = 0; i < (flags & kMutFlipMask); ++i) {
      if (!packet.empty()) packet[flips[i].first % packet.size()] ^= flips[i].second;
    }
    packet.resize(packet.size() - std::min<std::size_t>(cut, packet.size()));
    packet.insert(packet.end(), extension.begin(), extension.end());
    const auto tag_op = static_cast<TagOp>((flags & kMutTagMask) >> kMutTagShift);
    switch (tag_op) {
      case TagOp::kKeep:
        break;
      case TagOp::kSender:
      case TagOp::kInsider: {
        crypto::OriginTag& tag = tag_op == TagOp::kSender ? taggers().viewer : taggers().insider;
        if (origin_lane) {
          retag(tag, packet);
        } else {
          if (packet.size() > 1) packet[1] |= kTaggedBit;
          FUZZ_CHECK(append_origin_tag(tag, packet));
        }
        break;
      }
      case TagOp::kStrip:
        if (origin_lane) {
          packet.resize(packet.size() - std::min(packet.size(), crypto::kOriginTagSize));
          if (packet.size() > 1) packet[1] &= static_cast<std::uint8_t>(~kTaggedBit);
        } else if (packet.size() > 1) {
          packet[1] |= kTaggedBit;
        }
        break;
    }
    return packet != original;
  }

  bool then_genuine() const { return (flags & kMutThenGenuine) != 0; }
};

void remember(Lane& lane, const std::vector<std::uint8_t>& packet) {
  Sent& slot = lane.history[lane.sealed % kHistorySize];
  slot.packet = packet;
  slot.accepted = false;
  ++lane.sealed;
}

// Hands the receiver the sender's runs of `block` and checks the verdict against the model.
void post_instructions(Lane& lane, std::uint64_t block) {
  const std::vector<crypto::UnitRun> runs = lane.sender.instructions(block);
  FUZZ_CHECK(lane.instructed == !runs.empty() ||
             block > crypto::kMaxSequence / crypto::kScheduleBlockPackets);
  const bool ok = lane.receiver.provide_instructions(block, runs);
  FUZZ_CHECK(ok == lane.model.provide_instructions(block));
  ++(ok ? outcomes.instructions_accepted : outcomes.instructions_refused);
}

// The control channel of an instructed lane: blocks up to the one after the sender's
// current block are posted before the sender seals into it.
void post_ahead(Lane& lane) {
  if (!lane.instructed || lane.posting_paused) return;
  const std::uint64_t block = lane.sender.next_sequence() / crypto::kScheduleBlockPackets;
  std::uint64_t b = block;
  if (lane.posted && *lane.posted + 1 > b) b = *lane.posted + 1;
  for (; b <= block + 1; ++b) {
    post_instructions(lane, b);
    lane.posted = b;
  }
}

// Malformed or conflicting runs: always refused, and nothing in the model changes.
void refuse_instructions(Lane& lane, std::uint64_t block, std::vector<crypto::UnitRun> runs) {
  FUZZ_CHECK(!lane.receiver.provide_instructions(block, runs));
  ++outcomes.instructions_refused;
}

void instruction_op(Lane& lane, std::uint8_t arg) {
  constexpr std::uint64_t kBlockPackets = crypto::kScheduleBlockPackets;
  const auto op = static_cast<InstructionOp>(arg >> 5);
  const std::uint64_t offset = (arg >> 2) % 4U;
  const bool variant = (arg & 1U) != 0;
  const std::uint64_t ahead = lane.sender.next_sequence() / kBlockPackets + offset;
  // Malformed runs start from real ones, so that only the defect makes them wrong.
  std::vector<crypto::UnitRun> runs =
      lane.sender.instructions(std::min(ahead, crypto::kMaxSequence / kBlockPackets));
  FUZZ_CHECK(!runs.empty());
  const auto unit_count = static_cast<std::uint32_t>(lane.config.units.units.size());
  switch (op) {
    case InstructionOp::kPostAhead:
      post_instructions(lane, ahead);
      break;
    case InstructionOp::kPostBehind: {
      const std::uint64_t base =
          lane.model.highest() ? *lane.model.highest() / kBlockPackets : ahead - offset;
      post_instructions(lane, base - std::min(base, offset));
      break;
    }
    case InstructionOp::kTogglePause:
      lane.posting_paused = !lane.posting_paused;
      break;
    case InstructionOp::kEmpty:
      refuse_instructions(lane, ahead, {});
      break;
    case InstructionOp::kBadUnit:
      runs[offset % runs.size()].unit_index = unit_count + (variant ? 200U : 0U);
      refuse_instructions(lane, ahead, std::move(runs));
      break;
    case InstructionOp::kBadLength:
      // A zero-length run added changes no total; a 93-packet run replaces enough runs.
      if (variant) {
        runs.push_back({0, crypto::kMaxRunLength + 1});
        std::uint64_t excess = crypto::kMaxRunLength + 1;
        while (excess > 0) {
          crypto::UnitRun& first = runs.front();
          const std::uint32_t cut =
              static_cast<std::uint32_t>(std::min<std::uint64_t>(excess, first.length));
          first.length -= cut;
          excess -= cut;
          if (first.length == 0) runs.erase(runs.begin());
        }
      } else {
        runs.insert(runs.begin() + static_cast<std::ptrdiff_t>(offset % runs.size()), {0, 0});
      }
      refuse_instructions(lane, ahead, std::move(runs));
      break;
    case InstructionOp::kBadTotal:
      if (variant) {
        runs.push_back({0, 1});
      } else if (--runs.back().length == 0) {
        runs.pop_back();
      }
      refuse_instructions(lane, ahead, std::move(runs));
      break;
    case InstructionOp::kConflict: {
      const std::uint64_t block =
          lane.model.highest() ? *lane.model.highest() / kBlockPackets : ahead;
      if (!lane.model.holds_instructions(block)) break;
      runs = lane.sender.instructions(block);
      runs.front().unit_index = (runs.front().unit_index + 1) % unit_count;
      refuse_instructions(lane, block, std::move(runs));
      break;
    }
  }
}

// Seals the pattern payload of `size` bytes, or returns nullopt after checking why the
// sender refused.
std::optional<std::vector<std::uint8_t>> seal(Lane& lane, std::size_t size, bool in_place) {
  post_ahead(lane);
  net::SendingSection& tx = lane.sender;
  const std::uint64_t sequence = tx.next_sequence();
  const std::uint64_t sealed_before = tx.stats().packets_sealed;
  std::vector<std::uint8_t> packet(size + net::kPacketOverhead);
  std::vector<std::uint8_t> separate(size);
  std::uint8_t* payload = in_place ? packet.data() + net::kHeaderSize : separate.data();
  for (std::size_t i = 0; i < size; ++i)
    payload[i] = payload_byte(sequence, size, i);

  const net::SealResult result = tx.seal(crypto::Bytes(payload, size), packet);
  // Room is left for the origin tag the fuzzer appends below.
  FUZZ_CHECK(tx.max_payload() ==
             lane.config.mtu - net::kPacketOverhead - (lane.tagged ? crypto::kOriginTagSize : 0));
  if (size > tx.max_payload()) {
    FUZZ_CHECK(result.status == net::SealStatus::kPayloadTooLarge);
    ++outcomes.payload_too_large;
    FUZZ_CHECK(tx.next_sequence() == sequence);
    return std::nullopt;
  }
  if (sequence > crypto::kMaxSequence) {
    FUZZ_CHECK(result.status == net::SealStatus::kSequenceExhausted);
    lane.exhausted = true;
    ++outcomes.sequence_exhausted;
    return std::nullopt;
  }
  FUZZ_CHECK(result.status == net::SealStatus::kOk);
  FUZZ_CHECK(result.size == packet.size());
  FUZZ_CHECK(tx.next_sequence() == sequence + 1);
  FUZZ_CHECK(tx.stats().packets_sealed == sealed_before + 1);
  PacketHeader header;
  FUZZ_CHECK(net::parse_header(packet, header) == net::HeaderStatus::kOk);
  FUZZ_CHECK(header.kind == lane.config.kind && header.stream_id == lane.config.label.stream_id &&
             header.epoch == tx.epoch() && header.sequence == sequence &&
             header.origin_tagged == lane.tagged);
  if (lane.tagged) {
    // The sender's fan-out: this viewer's copy, tagged under its origin key.
    FUZZ_CHECK(append_origin_tag(taggers().viewer, packet));
    FUZZ_CHECK(packet.size() <= lane.config.mtu);
    FUZZ_CHECK(tag_verifies(taggers().viewer, packet));
    FUZZ_CHECK(!tag_verifies(taggers().insider, packet));
  }
  remember(lane, packet);
  return packet;
}

void deliver_sealed(Lane& lane, const Mutation& mutation, std::vector<std::uint8_t> packet,
                    OutMode mode, Sent* entry) {
  const std::vector<std::uint8_t> genuine = packet;
  const bool changed = mutation.apply(packet, lane.tagged);
  const OpenStatus status =
      deliver(lane, packet, mode, changed ? Origin::kModified : Origin::kGenuine);
  if (!changed && status == OpenStatus::kOk && entry != nullptr) entry->accepted = true;
  if (changed && mutation.then_genuine()) {
    // The forgery moved nothing: the genuine packet gets the verdict it would have had.
    if (deliver(lane, genuine, mode, Origin::kGenuine) == OpenStatus::kOk && entry != nullptr) {
      entry->accepted = true;
    }
  }
}

// The host removed a viewer (PROTOCOL.md §11): the sender's next epoch gets a fresh seed,
// which the receiver is given before any packet of that epoch is sealed.
void rekey_op(Lane& lane) {
  if (lane.sender.epoch() == std::numeric_limits<std::uint32_t>::max()) return;
  const std::uint32_t epoch = lane.sender.epoch() + 1;
  // Packets captured from another sender of the same session (raw inputs) can be genuine
  // and ahead of this lane's sender: the receiver derives up to kFutureEpochs ahead. A
  // re-key is staged only ahead of what the receiver reached, as a real sender's is.
  if (epoch <= lane.model.current()) return;
  const crypto::Secret seed = rekey_seed(epoch);
  if (!lane.model.rekey(epoch)) {
    FUZZ_CHECK(!lane.receiver.rekey(epoch, seed));
    return;
  }
  FUZZ_CHECK(lane.sender.prepare_rekey(seed) == std::optional<std::uint32_t>(epoch));
  FUZZ_CHECK(lane.receiver.rekey(epoch, seed));
  FUZZ_CHECK(lane.sender.commit_rekey(epoch));
  FUZZ_CHECK(lane.sender.epoch() == epoch);  // entered at once
}

void seed_op(Lane& lane, std::uint8_t arg) {
  if ((arg & kSeedRekey) != 0) return rekey_op(lane);
  const bool distributed = lane.config.seed_mode == net::SeedMode::kDistributed;
  const std::uint64_t offset = (arg >> 2) % 4U;
  switch (arg & 3U) {
    case 0: {  // the sender's next seed, at an offset from its epoch
      const auto epoch = static_cast<std::uint32_t>(lane.sender.epoch() + offset);
      const bool ok = lane.sender.set_next_seed(epoch, distributed_seed(epoch));
      FUZZ_CHECK(ok == (distributed && offset == 1));
      break;
    }
    case 1: {  // a receiver seed, at an offset from its epoch
      const auto epoch = static_cast<std::uint32_t>(lane.receiver.current_epoch() + offset);
      const bool ok = lane.receiver.provide_seed(epoch, distributed_seed(epoch));
      FUZZ_CHECK(ok == lane.model.provide_seed(epoch));
      break;
    }
    case 2: {  // a seed of the wrong size is refused by both ends
      const std::array<std::uint8_t, 16> short_seed{};
      const crypto::Secret bad{crypto::Bytes(short_seed)};
      FUZZ_CHECK(!lane.sender.set_next_seed(lane.sender.epoch() + 1, bad));
      FUZZ_CHECK(!lane.receiver.provide_seed(lane.receiver.current_epoch() + 1, bad));
      break;
    }
    default: {  // both ends' next seeds
      const std::uint32_t tx_epoch = lane.sender.epoch() + 1;
      FUZZ_CHECK(lane.sender.set_next_seed(tx_epoch, distributed_seed(tx_epoch)) == distributed);
      const std::uint32_t rx_epoch = lane.receiver.current_epoch() + 1;
      const bool ok = lane.receiver.provide_seed(rx_epoch, distributed_seed(rx_epoch));
      FUZZ_CHECK(ok == lane.model.provide_seed(rx_epoch));
      FUZZ_CHECK(ok == distributed);
      break;
    }
  }
}

void step(Reader& in) {
  const std::uint8_t op_bits = in.u8();
  const auto op = static_cast<Op>(op_bits & kOpMask);
  const std::size_t lane_index = (op_bits >> kLaneShift) % kLaneCount;
  const auto mode = static_cast<OutMode>((op_bits >> kOutShift) & 3U);
  Lane& l = lane(lane_index);

  switch (op) {
    case Op::kRaw16:
    case Op::kRaw8: {
      const std::size_t length = op == Op::kRaw16 ? in.u16() : in.u8();
      const crypto::Bytes bytes = in.take(length);
      std::vector<std::uint8_t> packet(bytes.begin(), bytes.end());
      if ((op_bits & kFixHeader) != 0 && packet.size() >= 4) {
        packet[0] = net::kProtocolVersion;
        packet[1] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(l.config.kind) |
                                              (l.tagged ? kTaggedBit : 0));
        packet[2] = static_cast<std::uint8_t>(l.config.label.stream_id >> 8);
        packet[3] = static_cast<std::uint8_t>(l.config.label.stream_id);
        // The origin-tagged lane: the sender's tag, so that the bytes reach the checks
        // behind it (fuzz_session.h).
        if (l.tagged && packet.size() >= net::kHeaderSize + crypto::kOriginTagSize) {
          retag(taggers().viewer, packet);
        }
      }
      deliver(l, packet, mode, Origin::kUnknown);
      break;
    }
    case Op::kSeal: {
      const std::size_t size = in.u8();
      const Mutation mutation = Mutation::read(in);
      if (auto packet = seal(l, size, false)) {
        Sent* entry = &l.history[(l.sealed - 1) % kHistorySize];
        deliver_sealed(l, mutation, std::move(*packet), mode, entry);
      }
      break;
    }
    case Op::kSealInPlace: {
      const std::size_t size = in.u8();
      if (auto packet = seal(l, size, true)) {
        Sent& entry = l.history[(l.sealed - 1) % kHistorySize];
        if (deliver(l, *packet, mode, Origin::kGenuine) == OpenStatus::kOk) entry.accepted = true;
      }
      break;
    }
    case Op::kDrop: {
      const std::uint32_t count = drop_count(in.u8());
      for (std::uint32_t i = 0; i < count && !l.exhausted; ++i)
        seal(l, drop_payload_size(l.sender.next_sequence()), false);
      break;
    }
    case Op::kHistory: {
      const std::size_t age = in.u8();
      const Mutation mutation = Mutation::read(in);
      if (age >= std::min(l.sealed, kHistorySize)) break;
      Sent& entry = l.history[(l.sealed - 1 - age) % kHistorySize];
      deliver_sealed(l, mutation, entry.packet, mode, &entry);
      break;
    }
    case Op::kSeed: {
      const std::uint8_t arg = in.u8();
      if ((arg & kSeedInstruction) != 0 && l.instructed) {
        instruction_op(l, arg);
        break;
      }
      seed_op(l, arg);
      if ((arg & kSeedInstruction) != 0) {  // synchronized selection takes no instructions
        FUZZ_CHECK(l.sender.instructions(0).empty());
        std::vector<crypto::UnitRun> runs(crypto::kScheduleBlockPackets, {0, 1});
        FUZZ_CHECK(!l.receiver.provide_instructions(0, runs));
      }
      break;
    }
    case Op::kHeader: {
      std::array<std::uint8_t, net::kHeaderSize> bytes{};
      const crypto::Bytes taken = in.take(bytes.size());
      std::copy(taken.begin(), taken.end(), bytes.begin());
      check_parse(bytes);
      check_parse(taken);
      check_round_trip(bytes);
      break;
    }
  }

  // A lane whose receiver can no longer follow its sender (the sender ran out of
  // sequence numbers, or is further ahead than the receiver derives or takes seeds for)
  // starts over.
  if (l.exhausted || l.sender.epoch() > std::uint64_t{l.receiver.current_epoch()} +
                                            net::ReceivingSection::kFutureEpochs) {
    lanes()[lane_index].reset();
  }
}

}  // namespace
}  // namespace agentcast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentcast::fuzz;
  Reader in(data, size);
  const std::uint8_t flags = in.u8();
  if ((flags & kFlagReset) != 0 || reset_each_input()) {
    reset_all();
    instructed_lanes = (flags & kFlagInstructed) != 0;
  }
  while (!in.empty())
    step(in);
  return 0;
}

// Called by replay_main.cpp after the last input: prints what the inputs reached and,
// when `strict`, fails (returns non-zero) unless the corpus reached every outcome of
// open() but kCipherFailure, an accepted packet in every lane, an epoch change, a
// reordered packet, both of the sender's refusals, instructions both accepted and
// refused, and every origin outcome (Outcomes).
extern "C" int AgentcastFuzzReplayReport(int strict) {
  using namespace agentcast;
  const fuzz::Outcomes& o = fuzz::outcomes;
  bool complete = true;
  std::printf("open() outcomes:");
  for (std::size_t i = 0; i < net::kOpenStatusCount; ++i) {
    const auto status = static_cast<net::OpenStatus>(i);
    std::printf(" %s=%llu", std::string(net::to_string(status)).c_str(),
                static_cast<unsigned long long>(o.by_status[i]));
    if (status != net::OpenStatus::kCipherFailure && o.by_status[i] == 0) complete = false;
  }
  std::printf("\naccepted per lane:");
  for (std::size_t lane = 0; lane < fuzz::kLaneCount; ++lane) {
    std::printf(" %llu", static_cast<unsigned long long>(o.accepted[lane]));
    if (o.accepted[lane] == 0) complete = false;
  }
  std::printf(
      "\nepoch changes=%llu reordered=%llu payload too large=%llu sequence exhausted=%llu\n",
      static_cast<unsigned long long>(o.epoch_changes),
      static_cast<unsigned long long>(o.reordered),
      static_cast<unsigned long long>(o.payload_too_large),
      static_cast<unsigned long long>(o.sequence_exhausted));
  std::printf("instructions accepted=%llu refused=%llu\n",
              static_cast<unsigned long long>(o.instructions_accepted),
              static_cast<unsigned long long>(o.instructions_refused));
  std::printf(
      "origin: wrong origin untagged=%llu insider's tag=%llu bad tag=%llu; tagged to an "
      "untagged lane=%llu; forged behind a valid tag=%llu\n",
      static_cast<unsigned long long>(o.origin_untagged),
      static_cast<unsigned long long>(o.origin_insider),
      static_cast<unsigned long long>(o.origin_bad_tag),
      static_cast<unsigned long long>(o.tagged_to_untagged),
      static_cast<unsigned long long>(o.forged_behind_tag));
  if (o.epoch_changes == 0 || o.reordered == 0 || o.payload_too_large == 0 ||
      o.sequence_exhausted == 0 || o.instructions_accepted == 0 || o.instructions_refused == 0) {
    complete = false;
  }
  if (o.origin_untagged == 0 || o.origin_insider == 0 || o.origin_bad_tag == 0 ||
      o.tagged_to_untagged == 0 || o.forged_behind_tag == 0) {
    complete = false;
  }
  if (strict && !complete) {
    std::fprintf(stderr, "the corpus does not reach every outcome above\n");
    return 1;
  }
  return 0;
}
