// Writes the generated part of the receiving-section fuzz corpus:
//
//   fuzz_make_corpus DIRECTORY
//
// Sealed packets depend on the fixed seed and the exact key schedule, so they are made at
// build time by a real SendingSection of the fuzzer's session (fuzz_session.h) rather than
// checked in. Every input here starts with kFlagReset, so it means the same thing
// whatever ran before it. The hand-made malformed inputs are checked in under corpus/.
// Lane kOriginLane is origin-tagged: its captured packets carry the sender's origin tag
// for the fuzzer's viewer, which depends on the keys too.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "agentcast/crypto/origin_tag.h"
#include "agentcast/net/sending_section.h"
#include "fuzz_session.h"

namespace agentcast::fuzz {
namespace {

namespace fs = std::filesystem;
using Packet = std::vector<std::uint8_t>;

// An input in the fuzzer's format (fuzz_session.h).
class Input {
 public:
  explicit Input(std::uint8_t flags = kFlagReset) { bytes_.push_back(flags); }

  Input& raw(std::size_t lane, const Packet& packet, OutMode out = OutMode::kExact,
             bool fix_header = false) {
    if (packet.size() <= 0xFF) {
      put({op_byte(Op::kRaw8, lane, out, fix_header), static_cast<std::uint8_t>(packet.size())});
    } else {
      put({op_byte(Op::kRaw16, lane, out, fix_header),
           static_cast<std::uint8_t>(packet.size() >> 8),
           static_cast<std::uint8_t>(packet.size())});
    }
    bytes_.insert(bytes_.end(), packet.begin(), packet.end());
    return *this;
  }
  // `mutation` is the mutation byte followed by its arguments.
  Input& seal(std::size_t lane, std::uint8_t size, std::initializer_list<std::uint8_t> mutation,
              OutMode out = OutMode::kExact) {
    put({op_byte(Op::kSeal, lane, out), size});
    put(mutation);
    return *this;
  }
  Input& seal_in_place(std::size_t lane, std::uint8_t size, OutMode out = OutMode::kInPlace) {
    put({op_byte(Op::kSealInPlace, lane, out), size});
    return *this;
  }
  Input& drop(std::size_t lane, std::uint8_t arg) {
    put({op_byte(Op::kDrop, lane), arg});
    return *this;
  }
  Input& history(std::size_t lane, std::uint8_t age, std::initializer_list<std::uint8_t> mutation,
                 OutMode out = OutMode::kExact) {
    put({op_byte(Op::kHistory, lane, out), age});
    put(mutation);
    return *this;
  }
  Input& seed(std::size_t lane, std::uint8_t arg) {
    put({op_byte(Op::kSeed, lane), arg});
    return *this;
  }
  Input& instruction(std::size_t lane, InstructionOp op, unsigned offset = 0,
                     unsigned variant = 0) {
    return seed(lane, instruction_arg(op, offset, variant));
  }

  const std::vector<std::uint8_t>& bytes() const { return bytes_; }

 private:
  void put(std::initializer_list<std::uint8_t> bytes) {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  }

  std::vector<std::uint8_t> bytes_;
};

// A sender of the fuzzer's session, as the fuzzer builds it for `lane`: its packets are
// the ones the fuzzer's receiving section accepts (in kOriginLane, tagged for the fuzzer's
// viewer as the fuzzer tags them).
class Capture {
 public:
  explicit Capture(std::size_t lane)
      : sender_(lane_config(lane), initial_seed()),
        tagged_(lane_config(lane).origin_tagged),
        viewer_(viewer_origin_key()) {}

  Packet next(std::size_t size) {
    Packet packet = next_sealed(size);
    if (tagged_) tag(viewer_, packet);
    return packet;
  }
  // The packet as seal() returns it, before any origin tag.
  Packet next_sealed(std::size_t size) {
    const std::uint64_t sequence = sender_.next_sequence();
    Packet payload(size);
    for (std::size_t i = 0; i < size; ++i)
      payload[i] = payload_byte(sequence, size, i);
    Packet packet(size + net::kPacketOverhead);
    const net::SealResult result = sender_.seal(payload, packet);
    if (result.status != net::SealStatus::kOk) {
      throw std::runtime_error("cannot seal: " + std::string(net::to_string(result.status)));
    }
    return packet;
  }
  static void tag(crypto::OriginTag& key, Packet& packet) {
    if (!append_origin_tag(key, packet)) throw std::runtime_error("cannot compute an origin tag");
  }
  void skip(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i)
      next(drop_payload_size(sender_.next_sequence()));
  }
  std::size_t max_payload() const { return sender_.max_payload(); }

 private:
  net::SendingSection sender_;
  bool tagged_;
  crypto::OriginTag viewer_;
};

class Writer {
 public:
  explicit Writer(fs::path directory) : directory_(std::move(directory)) {}

  void write(const std::string& name, const Input& input) {
    const fs::path path = directory_ / ("gen_" + name);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    const auto& bytes = input.bytes();
    file.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    if (!file) throw std::runtime_error("cannot write " + path.string());
    ++count_;
  }
  int count() const { return count_; }

 private:
  fs::path directory_;
  int count_ = 0;
};

constexpr std::uint8_t kNoMutation = 0;

void make(Writer& out) {
  // The first packets of each lane: the smallest, a middling and the largest payload.
  for (std::size_t lane = 0; lane < kLaneCount; ++lane) {
    Capture tx(lane);
    Input in;
    in.raw(lane, tx.next(0));
    in.raw(lane, tx.next(17), OutMode::kInPlace);
    in.raw(lane, tx.next(tx.max_payload()), OutMode::kLarge);
    out.write("valid_lane" + std::to_string(lane), in);
  }

  // Across the first epoch change after a loss.
  for (std::size_t lane : {0, 1, 3}) {
    Capture tx(lane);
    tx.skip(lane_config(lane).packets_per_epoch - 5);
    Input in;
    for (int i = 0; i < 10; ++i)
      in.raw(lane, tx.next(8), static_cast<OutMode>(i % 2));
    out.write("epoch_change_lane" + std::to_string(lane), in);
  }

  // Reordering and a replay.
  {
    Capture tx(0);
    std::vector<Packet> p;
    for (int i = 0; i < 6; ++i)
      p.push_back(tx.next(static_cast<std::size_t>(5 + i)));
    Input in;
    for (int i : {2, 0, 1, 5, 3, 4, 1})
      in.raw(0, p[static_cast<std::size_t>(i)], static_cast<OutMode>(i % 4 == 2 ? 3 : i % 2));
    out.write("reorder_replay_lane0", in);
  }

  // One byte more than the MTU.
  for (std::size_t lane : {0, 3}) {
    Capture tx(lane);
    Packet packet = tx.next(tx.max_payload());
    packet.push_back(0);
    out.write("oversized_lane" + std::to_string(lane), Input().raw(lane, packet));
  }

  // Many seals delivered at once: every unit of the lane, several epoch changes.
  for (std::size_t lane : {0, 1, 3}) {
    Input in;
    for (int i = 0; i < 420; ++i) {
      if (i % 7 == 3) {
        in.seal_in_place(lane, static_cast<std::uint8_t>(i % 23));
      } else {
        in.seal(lane, static_cast<std::uint8_t>(i % 19), {kNoMutation},
                static_cast<OutMode>(i % 4 == 2 ? 3 : i % 2));
      }
    }
    out.write("many_seals_lane" + std::to_string(lane), in);
  }

  // Distributed seeds: the seed after next, then next, epoch changes on both ends, a
  // delayed sender epoch change, and a seed of the wrong size.
  {
    constexpr std::size_t kLane = 2;
    Input in;
    in.seed(kLane, 1 | 2 << 2);  // receiver: epoch 2, kept until it is next
    in.seed(kLane, 3);           // sender and receiver: epoch 1
    for (int i = 0; i < 60; ++i)
      in.seal(kLane, 4, {kNoMutation});
    in.seed(kLane, 0 | 1 << 2);  // sender: epoch 2
    for (int i = 0; i < 50; ++i)
      in.seal(kLane, 4, {kNoMutation}, static_cast<OutMode>(i % 2));
    for (int i = 0; i < 60; ++i)  // no seed for epoch 3: the sender stays in epoch 2
      in.seal(kLane, 2, {kNoMutation});
    in.seed(kLane, 2);
    in.seed(kLane, 3);
    for (int i = 0; i < 60; ++i)
      in.seal(kLane, 1, {kNoMutation});
    out.write("distributed_seeds_lane2", in);
  }

  // Re-keys (a viewer removed), in every lane: packets before and after, old ones replayed
  // and reordered across the change, distributed seeds handed out before it dropped.
  for (std::size_t lane = 0; lane < kLaneCount; ++lane) {
    Input in;
    in.seed(lane, 3);  // distributed lanes: the next seed, which the re-key replaces
    for (int i = 0; i < 30; ++i)
      in.seal(lane, 4, {kNoMutation}, static_cast<OutMode>(i % 2));
    in.seed(lane, kSeedRekey);
    in.seed(lane, 0 | 1 << 2);  // refused until the re-key's epoch is entered
    for (int i = 0; i < 40; ++i)
      in.seal(lane, 4, {kNoMutation});
    in.history(lane, 45, {kNoMutation});
    in.seed(lane, kSeedRekey);
    in.seed(lane, 3);
    for (int i = 0; i < 40; ++i)
      in.seal(lane, 4, {kNoMutation});
    out.write("rekey_lane" + std::to_string(lane), in);
  }

  // Mutated packets: every header byte, the ciphertext, the tag, truncation and
  // extension; most followed by the genuine packet. In the origin-tagged lane each change
  // breaks the origin tag (wrong origin), so the same changes again with the tag redone by
  // the sender (TagOp::kSender) reach the checks behind it.
  for (std::size_t lane = 0; lane < kLaneCount; ++lane) {
    for (const TagOp tag_op : {TagOp::kKeep, TagOp::kSender}) {
      if (tag_op != TagOp::kKeep && lane != kOriginLane) continue;
      // The mutation byte: `flags` with the lane's tag operation.
      const auto m = [t = mutation_tag(tag_op)](unsigned flags) {
        return static_cast<std::uint8_t>(flags | t);
      };
      Input in;
      for (std::uint8_t i = 0; i < net::kHeaderSize; ++i)
        in.seal(lane, 12, {m(1 | kMutThenGenuine), 0, i, static_cast<std::uint8_t>(1U << (i % 8))});
      in.seal(lane, 12, {m(1 | kMutThenGenuine), 0, 16, 0x40});                // ciphertext
      in.seal(lane, 12, {m(1 | kMutThenGenuine), 0, 30, 0x01});                // tag
      in.seal(lane, 12, {m(2), 0, 20, 0xFF, 0, 41, 0x80}, OutMode::kInPlace);  // no genuine
      in.seal(lane, 12, {m(kMutTruncate | kMutThenGenuine), 1});
      in.seal(lane, 12, {m(kMutTruncate | kMutThenGenuine), 16}, OutMode::kLarge);
      in.seal(lane, 12, {m(kMutTruncate | kMutThenGenuine), 30});
      in.seal(lane, 12, {m(kMutExtend | kMutThenGenuine), 1, 0xAA});
      in.seal(lane, 0, {m(1 | kMutThenGenuine), 0, 14, 0x01});  // an empty payload's tag
      in.seal(lane, 12, {m(1), 0, 5, 0x00});                    // a flip that changes nothing
      in.seal(lane, 12, {kNoMutation}, OutMode::kTooSmall);
      out.write("mutations_lane" + std::to_string(lane) +
                    (tag_op == TagOp::kKeep ? "" : "_sender_retagged"),
                in);
    }
  }

  // Origin authentication in the origin-tagged lane: copies tagged under an insider's key
  // (another viewer's, which holds every key of the call: the packets would open, but are
  // not the sender's for this viewer; the genuine packet after each is accepted, so the
  // forgery moved nothing), untagged copies (the tag stripped and the flag cleared, or only
  // one of the two), a changed origin or AEAD tag, a second tag, a change the sender's tag
  // covers (forged), the tag's room at the MTU, old packets re-tagged by the insider; then
  // captured packets: the insider's copy, the sealed packet without a tag, the genuine.
  {
    constexpr std::size_t kLane = kOriginLane;
    constexpr std::uint8_t insider = mutation_tag(TagOp::kInsider);
    constexpr std::uint8_t strip = mutation_tag(TagOp::kStrip);
    constexpr std::uint8_t sender = mutation_tag(TagOp::kSender);
    Input in;
    in.seal(kLane, 20, {insider | kMutThenGenuine});
    in.seal(kLane, 20, {insider | kMutThenGenuine}, OutMode::kInPlace);
    in.seal(kLane, 20, {strip | kMutThenGenuine});                            // untagged copy
    in.seal(kLane, 4, {strip | kMutThenGenuine});                             // untagged: truncated
    in.seal(kLane, 20, {1 | kMutThenGenuine, 0, 1, 0x40});                    // flag cleared
    in.seal(kLane, 20, {1 | sender | kMutThenGenuine, 0, 1, 0x40});           // ... and re-tagged
    in.seal(kLane, 20, {kMutTruncate | kMutThenGenuine, 16});                 // tag stripped
    in.seal(kLane, 20, {1 | kMutThenGenuine, 0, 60, 0x01});                   // origin tag changed
    in.seal(kLane, 20, {1 | kMutThenGenuine, 0, 40, 0x80}, OutMode::kLarge);  // AEAD tag
    // A second tag after the genuine one.
    in.seal(
        kLane, 20,
        {kMutExtend | kMutThenGenuine, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
    in.seal(kLane, 20, {kMutExtend | sender | kMutThenGenuine, 3, 1, 2, 3});  // forged
    // Numbered before the stream's start, tagged by the insider (wrong origin first), then
    // by the sender (before start).
    in.seal(kLane, 20, {1 | insider | kMutThenGenuine, 0, 9, 0x10});
    in.seal(kLane, 20, {1 | sender | kMutThenGenuine, 0, 9, 0x10});
    in.seal(kLane, 20, {kNoMutation}, OutMode::kTooSmall);
    in.seal(kLane, 210, {kNoMutation}, OutMode::kLarge);  // the largest payload: MTU
    in.seal(kLane, 211, {kNoMutation});                   // too large: room for the tag
    in.drop(kLane, 4);
    for (std::uint8_t age = 0; age < 5; ++age)
      in.history(kLane, age, {insider | kMutThenGenuine});
    in.history(kLane, 3, {strip});
    in.history(kLane, 2, {insider});  // a replay, but refused for its origin first
    Capture tx(kLane);
    tx.skip(40);  // ahead of the seals above: the genuine copies are accepted
    for (int i = 0; i < 4; ++i) {
      const Packet sealed = tx.next_sealed(static_cast<std::size_t>(24 + i));
      crypto::OriginTag insider_key(insider_origin_key());
      Packet forged = sealed;
      Capture::tag(insider_key, forged);
      in.raw(kLane, forged);
      in.raw(kLane, sealed);  // no tag at all
      crypto::OriginTag viewer_key(viewer_origin_key());
      Packet genuine = sealed;
      Capture::tag(viewer_key, genuine);
      in.raw(kLane, genuine, static_cast<OutMode>(i));
    }
    out.write("origin_lane3", in);
  }

  // Tagged copies sent to the lanes that are not origin-tagged (bad flags): re-tagged by
  // the sender or an insider, the flag alone, and a captured packet tagged after sealing;
  // the genuine packet after each.
  for (std::size_t lane = 0; lane < kLaneCount; ++lane) {
    if (lane == kOriginLane) continue;
    Input in;
    for (const TagOp tag_op : {TagOp::kSender, TagOp::kInsider, TagOp::kStrip})
      in.seal(lane, 9, {static_cast<std::uint8_t>(mutation_tag(tag_op) | kMutThenGenuine)});
    in.seal(lane, 9, {1 | kMutThenGenuine, 0, 1, 0x40});
    Capture tx(lane);
    tx.skip(3);
    Packet tagged = tx.next(10);
    tagged[1] |= net::kOriginTaggedFlag;
    crypto::OriginTag viewer_key(viewer_origin_key());
    Capture::tag(viewer_key, tagged);
    in.raw(lane, tagged);
    out.write("tagged_to_untagged_lane" + std::to_string(lane), in);
  }

  // kFixHeader in the origin-tagged lane: the header and the sender's tag are written over
  // raw bytes, which then reach the window and the AEAD: a genuine packet with its flags
  // and stream id zeroed (accepted once fixed), one whose sequence number was changed
  // (forged), bytes of nothing behind a genuine header (forged) and one numbered before the
  // stream's start; each but the first also without kFixHeader (wrong origin).
  {
    constexpr std::size_t kLane = kOriginLane;
    Capture tx(kLane);
    tx.skip(2);
    Packet genuine = tx.next(30);
    Packet changed = tx.next(30);
    changed[13] ^= 0x04;  // 4 later
    Packet zeros(70, 0);
    std::copy(changed.begin(), changed.begin() + net::kHeaderSize, zeros.begin());
    Packet before_start = changed;
    before_start[9] ^= 0x10;
    for (std::size_t i = 1; i < 4; ++i)
      genuine[i] = 0;
    Input in;
    in.raw(kLane, genuine, OutMode::kInPlace, true);
    for (const Packet* p : {&changed, &zeros, &before_start}) {
      in.raw(kLane, *p, OutMode::kExact, true);
      in.raw(kLane, *p);
    }
    in.raw(kLane, tx.next(30));  // the genuine next one
    out.write("fix_header_lane3", in);
  }

  // Lost packets arriving late (reordered), then again (replays), then mutated.
  for (std::size_t lane : {0, 1}) {
    Input in;
    in.drop(lane, 9);  // ten packets
    for (std::uint8_t age = 0; age < 10; ++age)
      in.history(lane, age, {kNoMutation}, static_cast<OutMode>(age % 4));
    for (std::uint8_t age = 0; age < 10; ++age)
      in.history(lane, age, {kNoMutation});
    in.drop(lane, 3);
    in.history(lane, 1, {1 | kMutThenGenuine, 0, 9, 0x04});
    in.history(lane, 2, {kMutTruncate | kMutThenGenuine, 3});
    out.write("late_and_replayed_lane" + std::to_string(lane), in);
  }

  // Packets of past epochs, still held, arriving late.
  {
    Input in;
    in.drop(0, 9);  // packets 0-9, epoch 0
    for (int i = 0; i < 141; ++i)
      in.seal(0, 1, {kNoMutation});  // packets 10-150: the receiver moves to epoch 3
    for (std::uint8_t age = 141; age < 151; ++age)
      in.history(0, age, {kNoMutation});
    out.write("late_epochs_lane0", in);
  }

  // Whole epochs lost (32 at a time, the most the receiver derives ahead), then a packet
  // whose epoch field names one whose keys are already wiped (stale).
  {
    Input in;
    in.seal(0, 1, {kNoMutation});  // packet 0, epoch 0
    for (int jump = 0; jump < 3; ++jump) {
      for (int i = 0; i < 25; ++i)
        in.drop(0, 63);              // 1600 packets: 32 epochs
      in.seal(0, 1, {kNoMutation});  // epochs 32, 64, 96
    }
    in.seal(0, 1, {1 | kMutThenGenuine, 0, 7, 0x60});  // epoch 96 read as 0: stale
    out.write("stale_epoch_lane0", in);
  }

  // Lane 3 (2500 packets per epoch, 5001 sequence numbers): a loss longer than the replay
  // window within one epoch, the first packet (now too old), an epoch change, and the
  // sender running out of sequence numbers.
  {
    constexpr std::size_t kLane = 3;
    Capture tx(kLane);
    const Packet first = tx.next(drop_payload_size(0));
    Input in;
    in.seal(kLane, 3, {kNoMutation});  // packet 0
    for (int i = 0; i < 33; ++i)
      in.drop(kLane, 63);              // packets 1-2112 lost
    in.seal(kLane, 3, {kNoMutation});  // packet 2113: the window moves by 2113
    in.raw(kLane, first);              // too old
    for (int i = 0; i < 6; ++i)
      in.drop(kLane, 63);              // packets 2114-2497
    in.drop(kLane, 9);                 // packets 2498-2507: the sender moves to epoch 1
    in.seal(kLane, 3, {kNoMutation});  // packet 2508: so does the receiver
    for (int i = 0; i < 39; ++i)
      in.drop(kLane, 63);  // packets 2509-5000, then the sender refuses: the lane starts over
    in.seal(kLane, 3, {kNoMutation});
    out.write("long_loss_and_exhaustion_lane3", in);
  }

  // Behind the replay window: one packet delivered per epoch for 42 epochs, then the
  // first packet (too old) and one inside the window from a wiped epoch (stale).
  {
    Capture tx(0);
    const Packet first = tx.next(drop_payload_size(0));
    tx.skip(59);
    const Packet sixtieth = tx.next(drop_payload_size(60));
    Input in;
    for (int i = 0; i < 42; ++i) {
      in.drop(0, 48);  // 49 packets lost
      in.seal(0, 3, {kNoMutation});
    }
    in.raw(0, first);
    in.raw(0, sixtieth);
    out.write("too_old_lane0", in);
  }

  // Instructed selection. The sender's instruction key is random, so these inputs are
  // made of operations only, never of captured packets.
  constexpr std::uint8_t kInstructed = kFlagReset | kFlagInstructed;

  // Every lane: many seals across epoch changes, and the mutations.
  // In the origin-tagged lane every other mutation is re-tagged by the sender, so that
  // changes reach the instructed checks there too.
  for (std::size_t lane = 0; lane < kLaneCount; ++lane) {
    Input in(kInstructed);
    for (int i = 0; i < 160; ++i) {
      if (i % 11 == 5) {
        const std::uint8_t t =
            lane == kOriginLane && i % 22 == 16 ? mutation_tag(TagOp::kSender) : 0;
        in.seal(lane, 12,
                {static_cast<std::uint8_t>(1 | t | kMutThenGenuine), 0,
                 static_cast<std::uint8_t>(i % 40), 0x10});
      } else {
        in.seal(lane, static_cast<std::uint8_t>(i % 19), {kNoMutation},
                static_cast<OutMode>(i % 4 == 2 ? 3 : i % 2));
      }
    }
    in.drop(lane, 7);
    for (std::uint8_t age = 0; age < 8; ++age)
      in.history(lane, age, {kNoMutation});
    out.write("instructed_seals_lane" + std::to_string(lane), in);
  }

  // A packet before its instructions (no instruction, twice), the same packet once they
  // arrived, then every kind of refused instructions, repeats and blocks far ahead.
  {
    Input in(kInstructed);
    in.instruction(0, InstructionOp::kTogglePause);
    in.seal(0, 4, {kNoMutation});
    in.history(0, 0, {kNoMutation});
    in.instruction(0, InstructionOp::kPostAhead, 0);
    in.history(0, 0, {kNoMutation});
    in.instruction(0, InstructionOp::kTogglePause);
    for (int i = 0; i < 20; ++i)
      in.seal(0, 4, {kNoMutation});
    in.instruction(0, InstructionOp::kPostAhead, 0);  // a repeat
    in.instruction(0, InstructionOp::kPostBehind, 0);
    in.instruction(0, InstructionOp::kConflict);
    in.instruction(0, InstructionOp::kEmpty);
    for (unsigned variant = 0; variant < 2; ++variant) {
      in.instruction(0, InstructionOp::kBadUnit, 1, variant);
      in.instruction(0, InstructionOp::kBadLength, 2, variant);
      in.instruction(0, InstructionOp::kBadTotal, 0, variant);
    }
    in.seal(0, 4, {kNoMutation});
    in.seed(1, kSeedInstruction);  // lane 1 is instructed too: a real instruction op
    in.seal(1, 4, {kNoMutation});
    out.write("instructed_ops_lane0", in);
  }

  // Lane 2 (distributed seeds, none handed out: its packets all stay in epoch 0) walks
  // through blocks: four held, the lowest evicted, then refused as lower than every one.
  {
    constexpr std::size_t kLane = 2;
    Input in(kInstructed);
    in.seal(kLane, 4, {kNoMutation});  // blocks 0 and 1 posted
    in.instruction(kLane, InstructionOp::kPostAhead, 2);
    in.instruction(kLane, InstructionOp::kPostAhead, 3);
    for (int i = 0; i < 64; ++i)
      in.drop(kLane, 63);  // 4096 packets lost: the sender is in block 1
    in.instruction(kLane, InstructionOp::kPostAhead, 3);   // block 4 evicts block 0
    in.instruction(kLane, InstructionOp::kPostBehind, 0);  // block 0 again: refused
    in.seal(kLane, 4, {kNoMutation});
    out.write("instructed_eviction_lane2", in);
  }

  // Lane 3 crosses into the last block of the sequence space; the block after it does not
  // exist, and a block far behind the window is refused.
  {
    constexpr std::size_t kLane = 3;
    Input in(kInstructed);
    in.seal(kLane, 3, {kNoMutation});
    for (int i = 0; i < 16; ++i)
      in.drop(kLane, 63);  // 1024 packets lost: into the last block
    in.seal(kLane, 3, {kNoMutation});
    for (int i = 0; i < 40; ++i)
      in.drop(kLane, 63);  // through the epoch change at 2500
    in.seal(kLane, 3, {kNoMutation});
    in.instruction(kLane, InstructionOp::kPostBehind, 1);  // wholly behind the window
    in.instruction(kLane, InstructionOp::kPostAhead, 1);   // past the sequence space
    out.write("instructed_last_block_lane3", in);
  }

  // Synchronized selection refuses instructions (lane 0 built without kFlagInstructed).
  out.write("synchronized_refuses_instructions",
            Input().seal(0, 4, {kNoMutation}).seed(0, kSeedInstruction | 3));
}

}  // namespace
}  // namespace agentcast::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  try {
    const std::filesystem::path directory(argv[1]);
    std::filesystem::create_directories(directory);
    agentcast::fuzz::Writer writer(directory);
    agentcast::fuzz::make(writer);
    std::printf("make_corpus: wrote %d inputs to %s\n", writer.count(), directory.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_corpus: %s\n", e.what());
    return 1;
  }
  return 0;
}
