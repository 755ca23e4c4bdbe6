// Origin authentication (DESIGN.md rule 11, docs/PROTOCOL.md §13): a member of the group
// holds every key that opens the call, and still cannot make another viewer accept a
// packet.

#include <gtest/gtest.h>

#include <vector>

#include "agentcast/crypto/origin_tag.h"
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/sending_section.h"

namespace agentcast::net {
namespace {

using crypto::Secret;
using Packet = std::vector<std::uint8_t>;

Secret origin_key_of(const Secret& viewer_seed, const crypto::SessionId& session) {
  Secret key;
  EXPECT_TRUE(crypto::derive_origin_key(viewer_seed, session, key));
  return key;
}

// A broadcast's video stream, two viewers (each with its own origin key), and an
// insider: a third viewer, which holds the stream's seed like everyone.
struct Broadcast {
  Broadcast() {
    config.label = {crypto::random_session_id(), crypto::Direction::kSenderToViewer, 2};
    config.kind = MediaKind::kVideo;
    config.origin_tagged = true;
  }
  ReceivingSection viewer(const Secret& own_seed) const {
    SectionConfig viewer_config = config;
    viewer_config.origin_key = origin_key_of(own_seed, config.label.session);
    return ReceivingSection(viewer_config, stream_seed);
  }
  // Sealed once, tagged for the viewer whose seed is `for_seed`.
  Packet send(SendingSection& sender, const Secret& for_seed, std::uint8_t fill = 7) const {
    Packet packet(config.mtu);
    const Packet payload(100, fill);
    const SealResult sealed = sender.seal(payload, packet);
    EXPECT_EQ(sealed.status, SealStatus::kOk);
    crypto::OriginTag tag(origin_key_of(for_seed, config.label.session));
    crypto::OriginTagBytes bytes{};
    EXPECT_TRUE(tag.compute(crypto::Bytes(packet.data(), sealed.size), bytes));
    packet.resize(sealed.size);
    packet.insert(packet.end(), bytes.begin(), bytes.end());
    return packet;
  }
  static OpenStatus open(ReceivingSection& receiver, const Packet& packet) {
    Packet out(packet.size());
    return receiver.open(packet, out).status;
  }

  SendingConfig config;
  Secret stream_seed = Secret::random(crypto::kSeedSize);
  Secret alice_seed = Secret::random(crypto::kSeedSize);
  Secret bob_seed = Secret::random(crypto::kSeedSize);
  Secret mallory_seed = Secret::random(crypto::kSeedSize);
};

TEST(OriginTags, EachViewerAcceptsOnlyTheCopyTaggedForIt) {
  Broadcast b;
  SendingSection sender(b.config, b.stream_seed);
  ReceivingSection alice = b.viewer(b.alice_seed);
  ReceivingSection bob = b.viewer(b.bob_seed);
  EXPECT_EQ(sender.max_payload(), b.config.mtu - kPacketOverhead - crypto::kOriginTagSize);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Broadcast::open(alice, b.send(sender, b.alice_seed)), OpenStatus::kOk);
    EXPECT_EQ(Broadcast::open(bob, b.send(sender, b.alice_seed)), OpenStatus::kWrongOrigin);
  }
  EXPECT_EQ(bob.stats().count(OpenStatus::kWrongOrigin), 5U);
  EXPECT_EQ(bob.stats().accepted(), 0U);
}

TEST(OriginTags, AnInsiderWithEveryKeyOfTheCallCannotForgeForAnotherViewer) {
  Broadcast b;
  SendingSection sender(b.config, b.stream_seed);
  ReceivingSection alice = b.viewer(b.alice_seed);
  ASSERT_EQ(Broadcast::open(alice, b.send(sender, b.alice_seed)), OpenStatus::kOk);

  // Mallory seals with the stream's own seed (so the AEAD tag verifies), right after the
  // newest genuine packet and far ahead, and tags with the only origin key it has, its own.
  SendingConfig next = b.config;
  next.first_sequence = sender.next_sequence();
  SendingSection forger_next(next, b.stream_seed);
  SendingConfig far = b.config;
  far.first_sequence = std::uint64_t{1} << 40;
  SendingSection forger_far(far, b.stream_seed);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Broadcast::open(alice, b.send(forger_next, b.mallory_seed, 0xEE)),
              OpenStatus::kWrongOrigin);
  }
  EXPECT_EQ(Broadcast::open(alice, b.send(forger_far, b.mallory_seed, 0xEE)),
            OpenStatus::kWrongOrigin);
  // Without a tag at all, or with the flag taken off (the AEAD then fails too).
  Packet untagged = b.send(forger_next, b.mallory_seed);
  untagged.resize(untagged.size() - crypto::kOriginTagSize);
  EXPECT_EQ(Broadcast::open(alice, untagged), OpenStatus::kWrongOrigin);
  untagged[1] = static_cast<std::uint8_t>(MediaKind::kVideo);
  EXPECT_EQ(Broadcast::open(alice, untagged), OpenStatus::kWrongOrigin);

  // Nothing moved: the sender's next packets, numbered where Mallory's were, are accepted.
  EXPECT_EQ(alice.highest_sequence(), std::optional<std::uint64_t>(0));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Broadcast::open(alice, b.send(sender, b.alice_seed)), OpenStatus::kOk) << i;
  }
  EXPECT_EQ(alice.stats().count(OpenStatus::kWrongOrigin), 23U);
  EXPECT_EQ(alice.stats().count(OpenStatus::kReplay), 0U);
}

TEST(OriginTags, ATamperedTagOrPacketIsRefused) {
  Broadcast b;
  SendingSection sender(b.config, b.stream_seed);
  ReceivingSection alice = b.viewer(b.alice_seed);
  Packet tag_flipped = b.send(sender, b.alice_seed);
  tag_flipped.back() ^= 0x01;
  EXPECT_EQ(Broadcast::open(alice, tag_flipped), OpenStatus::kWrongOrigin);
  Packet body_flipped = b.send(sender, b.alice_seed);
  body_flipped[kHeaderSize + 3] ^= 0x80;
  EXPECT_EQ(Broadcast::open(alice, body_flipped), OpenStatus::kWrongOrigin);
  Packet short_packet(kPacketOverhead + crypto::kOriginTagSize - 1, 0);
  short_packet[0] = kProtocolVersion;
  short_packet[1] = static_cast<std::uint8_t>(MediaKind::kVideo) | kOriginTaggedFlag;
  short_packet[3] = 2;
  EXPECT_EQ(Broadcast::open(alice, short_packet), OpenStatus::kTruncated);
  EXPECT_EQ(Broadcast::open(alice, b.send(sender, b.alice_seed)), OpenStatus::kOk);
}

TEST(OriginTags, AStreamWithoutThemRefusesATaggedPacket) {
  Broadcast b;
  SendingSection sender(b.config, b.stream_seed);
  SectionConfig plain = b.config;
  plain.origin_tagged = false;
  ReceivingSection receiver(plain, b.stream_seed);
  EXPECT_EQ(Broadcast::open(receiver, b.send(sender, b.alice_seed)), OpenStatus::kBadFlags);
}

TEST(OriginTags, AReceiverOfATaggedStreamNeedsItsKey) {
  Broadcast b;
  EXPECT_THROW(ReceivingSection(b.config, b.stream_seed), std::invalid_argument);
}

TEST(OriginTags, KeysAreTheViewersOwnAndTheSessionsOwn) {
  const Secret seed = Secret::random(crypto::kSeedSize);
  const crypto::SessionId one = crypto::random_session_id();
  const crypto::SessionId two = crypto::random_session_id();
  EXPECT_EQ(origin_key_of(seed, one), origin_key_of(seed, one));
  EXPECT_FALSE(origin_key_of(seed, one) == origin_key_of(seed, two));
  EXPECT_FALSE(origin_key_of(seed, one) == origin_key_of(Secret::random(crypto::kSeedSize), one));
  // The origin key is not the seed it comes from.
  EXPECT_FALSE(origin_key_of(seed, one) == seed);
}

}  // namespace
}  // namespace agentcast::net
