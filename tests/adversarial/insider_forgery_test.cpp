// Attack 11: an insider forges for another viewer (DESIGN.md rule 11). The attacker is
// admitted to a broadcast like any viewer: its session message holds the session's
// parameters and, per stream, the join epoch, seed and first sequence number, the same keys
// every viewer holds, from which it derives every later epoch's seed (synchronized seeds,
// 150-packet epochs, so that the epoch changes during the attack). A real `agentcast view`
// watches through a relay (tap_relay.h) whose port is in its call code, so the address the
// victim takes for the sender's is the relay's; the attacker reads from the relay's tap where
// each stream is (epoch, newest sequence number) and sends its forgeries to the victim from
// the relay's port. That models an insider that spoofs the sender's source address or sits
// on the victim's path: a datagram from any other address is already dropped unread as
// `packets_from_strangers` (stranger_media_test.cpp). The forgeries, sealed with the
// stream's keys as the sender seals (a net::SendingSection of the attacker's own): per
// stream one packet numbered 2^40, then every 200 ms for at least 4 s a burst of the 40
// numbers just ahead of the newest genuine one, which, if taken, make the genuine packets
// that follow look like replays.
//
// What the user sees: the victim plays on as if nothing happened (no freeze over a second,
// no decrypt failure, the frames it decodes from the attack on keep pace with what the
// sender sends, and keep coming after it), every forgery is refused and counted under
// `packets_wrong_origin` (each carries an origin tag, but under the attacker's own origin
// key, the only one it has: only the sender can compute the victim's), and no genuine
// packet is taken for a replay.
//
// Before origin authentication (measured at 290deb4): every viewer holds the keys that
// seal the stream, so the victim accepts each forgery just ahead and refuses the genuine
// packets it displaced as replays (`packets_duplicate` 1680 of 1682 forgeries), its picture
// stops while the attack lasts (a 4.5 s freeze; 80 frames decoded of 221 sent) and there
// is no `packets_wrong_origin`. The 2^40 jump was refused already (`packets_too_far_ahead`)
// and moved nothing.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <random>
#include <variant>

#include "adversarial/attacker.h"
#include "adversarial/harness.h"
#include "adversarial/tap_relay.h"
#include "agentcast/crypto/seed_chain.h"
#include "agentcast/net/packet.h"
#include "agentcast/net/sending_section.h"

namespace agentcast::test::adversarial {
namespace {

constexpr const char* kEpochPackets = "150";
constexpr auto kBeforeAttack = 1s;           // the victim watches before the attack
constexpr auto kAttackAtLeast = 4s;          // and then until a forged stream changed epoch
constexpr int kMinBursts = 20;               // however slowly this machine forges
constexpr auto kBurstEvery = 200ms;          // a burst of forgeries just ahead, per stream
constexpr std::uint64_t kBurstAhead = 40;    // newest + 1 ... newest + 40
constexpr auto kAfterAttack = 3s;            // the victim plays on after the last forgery
constexpr std::size_t kForgedPayload = 900;  // bytes, a plausible fragment
constexpr std::uint64_t kFarSequence = std::uint64_t{1} << 40;
// What the victim must still decode from the attack's start to the end of the call, as a
// share of the frames the sender sent meanwhile (both read from statistics files that are
// refreshed once a second).
constexpr double kMinShareDecoded = 0.6;
// The victim's statistics key once viewers check the origin of what they are sent (docs/
// STATS.md then): packets whose origin tag is missing or does not verify, refused.
constexpr const char* kPacketsWrongOrigin = "packets_wrong_origin";

struct ForgeryRun {
  std::unique_ptr<Stage> stage;
  std::uint64_t injected = 0;         // forgeries sent to the victim, the far jumps included
  std::uint64_t far_jumps = 0;        // of those, numbered 2^40
  std::uint64_t inject_failures = 0;  // forgeries the relay could not send (not counted above)
  std::uint64_t bursts = 0;           // rounds of forgeries just ahead
  std::uint64_t epochs_crossed = 0;   // epoch changes the forger followed, most of any stream
  std::uint64_t genuine_media = 0;    // the sender's media datagrams the relay forwarded
  std::uint64_t rekeys_seen = 0;      // re-key seeds on the attacker's control channel
  double attack_seconds = 0;
  // From the victim's and the sender's statistics files at the attack's start and end.
  double frames_at_attack = -1, frames_after_attack = -1, received_after_attack = -1;
  double sent_at_attack = -1, video_frames_sent = -1;
  QJsonObject victim;
  int victim_exit = -1;
};

// What the attacker holds from its admission: the session's parameters and, per stream,
// its kind and the chain of its seeds from the join epoch on (synchronized seeds).
struct ForgedStream {
  net::MediaKind kind = net::MediaKind::kVideo;
  crypto::SeedChain chain;
};
struct ForgeKeys {
  net::SessionParams params;
  std::map<std::uint16_t, ForgedStream> streams;

  // Moves the stream's chain on to `epoch`: false for an unknown stream or an epoch
  // behind the chain's (a synchronized chain only goes forward).
  bool reach(std::uint16_t stream, std::uint32_t epoch) {
    const auto it = streams.find(stream);
    if (it == streams.end() || epoch < it->second.chain.epoch()) return false;
    while (it->second.chain.epoch() < epoch) {
      if (!it->second.chain.advance()) return false;
    }
    return true;
  }
};

ForgeKeys keys_of(const Admission& admission) {
  const net::SessionParams& params = admission.session.params;
  if (params.seed_mode != net::SeedMode::kSynchronized ||
      params.select_mode != net::SelectMode::kSynchronized) {
    throw std::runtime_error("the scene forges in synchronized seeds and selection");
  }
  ForgeKeys keys{params, {}};
  for (const auto& stream : admission.session.streams) {
    keys.streams.emplace(stream.id,
                         ForgedStream{stream.kind, crypto::SeedChain(stream.seed, stream.epoch)});
  }
  return keys;
}

// The one place the attacker makes a packet: numbered `sequence` in `epoch` of `stream`,
// sealed under the stream's keys exactly as the sender seals (the chain must have reached
// `epoch`), `payload` inside. Throws if it cannot.
Buffer forge(const ForgeKeys& keys, std::uint16_t stream, std::uint32_t epoch,
             std::uint64_t sequence, crypto::Bytes payload) {
  const auto it = keys.streams.find(stream);
  if (it == keys.streams.end() || it->second.chain.epoch() != epoch) {
    throw std::runtime_error("no seed for stream " + std::to_string(stream) + " epoch " +
                             std::to_string(epoch));
  }
  net::SendingConfig config;
  config.label = {keys.params.session_id, crypto::Direction::kSenderToViewer, stream};
  config.kind = it->second.kind;
  config.units = keys.params.units;
  config.seed_mode = keys.params.seed_mode;
  config.select_mode = keys.params.select_mode;
  config.mtu = keys.params.mtu;
  config.first_epoch = epoch;
  config.first_sequence = sequence;
  config.packets_per_epoch = std::uint64_t{1} << 40;  // one packet: never a change of epoch
  // As the sender's are: flagged, and tagged, but under the only origin key the insider
  // has, its own (an untagged packet would be refused for that alone).
  config.origin_tagged = keys.params.origin_tags;
  net::SendingSection section(config, it->second.chain.seed());
  Buffer packet(payload.size() + net::kPacketOverhead);
  const net::SealResult sealed = section.seal(payload, packet);
  if (sealed.status != net::SealStatus::kOk) {
    throw std::runtime_error("cannot forge: " + std::string(net::to_string(sealed.status)));
  }
  packet.resize(sealed.size);
  if (!keys.params.origin_tags) return packet;
  return with_own_origin_tag(keys.params, packet, OriginTagNow::kNone);
}

// A fragment of frame 0 of the stream's codec (docs/MEDIA_FRAMING.md §2): long released by
// the time it comes, so that all the harm a forgery taken by the victim does is to the
// replay window, and garbage after its header.
Buffer forged_payload(net::MediaKind kind) {
  Buffer payload(kForgedPayload);
  std::mt19937 noise(static_cast<std::uint32_t>(kind));
  for (auto& byte : payload)
    byte = static_cast<std::uint8_t>(noise());
  // version 1, flags (no keyframe, the codec: H.264 or Opus), frame_id 0, index 0, count 2,
  // capture time 0.
  std::fill(payload.begin(), payload.begin() + 22, std::uint8_t{0});
  payload[0] = 1;
  payload[1] = kind == net::MediaKind::kVideo ? 1 : 2;
  payload[13] = 2;
  return payload;
}

// Where each of the sender's streams is, from what the relay tapped.
struct Newest {
  std::uint32_t epoch = 0;
  std::uint64_t sequence = 0;
};

void play(ForgeryRun& r) {
  r.stage = std::make_unique<Stage>("insider-forgery");
  Stage& stage = *r.stage;
  stage.start_sender({"--epoch-packets", kEpochPackets}, 4);
  const net::Endpoint sender = stage.invitation().sender();
  TapRelay relay(sender);

  // The attacker joins first, and stays: its presence keeps it from being ended silent.
  ProjectChannel channel(stage.invitation(), 10s);
  JoinRequest request;
  request.name = "insider";
  request.cache_dir = stage.dir() + "/insider-agents";
  Admission admission = join_as_viewer(channel, stage.invitation(), request, 30s);
  ForgeKeys keys = keys_of(admission);
  Presence presence(admission, sender);
  std::atomic<std::uint64_t> rekeys{0};
  // Reads what the sender says, so that its control channel never backs up.
  std::jthread control = read_control(channel, [&](const net::ControlMessage& message) {
    if (const auto* seed = std::get_if<net::SeedMessage>(&message); seed && seed->rekey) {
      rekeys.fetch_add(1);
    }
  });

  ViewerOptions options;
  options.invitation = stage.invitation().via_port(relay.port());
  ViewerProcess& victim = stage.start_viewer("victim", options);
  if (!victim.wait_playing(15s)) throw std::runtime_error("the victim never played");
  const auto playing = Clock::now();

  std::map<std::uint16_t, Newest> newest;
  std::map<std::uint16_t, std::uint32_t> first_epoch;  // forged, per stream
  std::size_t tapped = 0;
  auto read_tap = [&] {
    const auto datagrams = relay.copies(tapped);
    tapped += datagrams.size();
    for (const auto& datagram : datagrams) {
      net::PacketHeader header;
      if (net::parse_path_challenge(datagram) ||
          net::parse_header(datagram, header) != net::HeaderStatus::kOk ||
          !keys.streams.contains(header.stream_id)) {
        continue;
      }
      ++r.genuine_media;
      Newest& n = newest[header.stream_id];
      if (header.sequence >= n.sequence) n = {header.epoch, header.sequence};
    }
    return newest.size() == keys.streams.size();
  };
  if (!wait_until([&] { return read_tap() && Clock::now() >= playing + kBeforeAttack; },
                  kBeforeAttack + 10s)) {
    throw std::runtime_error("the relay carried no packet of some stream");
  }

  std::map<std::uint16_t, Buffer> payloads;
  for (const auto& [id, stream] : keys.streams)
    payloads[id] = forged_payload(stream.kind);
  auto send = [&](std::uint16_t stream, std::uint32_t epoch, std::uint64_t sequence) {
    if (!keys.reach(stream, epoch)) throw std::runtime_error("the seed chain cannot go back");
    const Buffer packet = forge(keys, stream, epoch, sequence, payloads[stream]);
    const bool sent = relay.inject(packet);
    ++(sent ? r.injected : r.inject_failures);
    return sent;
  };

  r.frames_at_attack = number(victim.stats(), "frames_decoded");
  r.sent_at_attack = number(stage.sender_stats(), "video_frames_sent");
  const auto attack = Clock::now();
  // (1) A jump to 2^40, per stream.
  for (const auto& [id, n] : newest) {
    if (send(id, n.epoch, kFarSequence)) ++r.far_jumps;
  }
  // (2) Bursts just ahead of the newest genuine packet, until the attack has lasted long
  // enough, sent at least kMinBursts bursts and followed a stream into another epoch
  // (bounded: 300 rounds).
  auto next_burst = Clock::now();
  for (int round = 1; round <= 300; ++round) {
    wait_until([&] { return Clock::now() >= next_burst; }, kBurstEvery + 100ms);
    next_burst += kBurstEvery;
    read_tap();
    for (const auto& [id, n] : newest) {
      first_epoch.try_emplace(id, n.epoch);
      r.epochs_crossed = std::max<std::uint64_t>(r.epochs_crossed, n.epoch - first_epoch[id]);
      for (std::uint64_t ahead = 1; ahead <= kBurstAhead; ++ahead)
        send(id, n.epoch, n.sequence + ahead);
    }
    ++r.bursts;
    if (round >= kMinBursts && Clock::now() >= attack + kAttackAtLeast && r.epochs_crossed >= 1) {
      break;
    }
  }
  r.attack_seconds = seconds_since(attack);
  const auto attack_ended = Clock::now();
  // The victim plays on: its statistics file, refreshed once a second, shows the frames
  // it had decoded once the attack was over.
  wait_until([&] { return Clock::now() >= attack_ended + 1100ms; }, 2s);
  r.frames_after_attack = number(victim.stats(), "frames_decoded");
  r.received_after_attack = number(victim.stats(), "packets_received");
  wait_until([&] { return Clock::now() >= attack_ended + kAfterAttack; }, kAfterAttack + 1s);

  stage.finish();  // the sender's bye reaches the victim through the relay
  control.request_stop();
  read_tap();
  r.rekeys_seen = rekeys.load();
  r.victim = victim.stats();
  r.victim_exit = victim.exit_code().value_or(-1);
  r.video_frames_sent = number(stage.final_sender_stats(), "video_frames_sent");

  std::cout << "InsiderForgery: " << r.injected << " forgeries injected (" << r.far_jumps
            << " numbered 2^40, " << r.bursts << " bursts of " << kBurstAhead
            << " just ahead per stream over " << r.attack_seconds << " s, " << r.epochs_crossed
            << " epoch changes followed, " << r.inject_failures << " not sent); " << r.genuine_media
            << " genuine media packets relayed; victim: " << kPacketsWrongOrigin << " "
            << number(r.victim, kPacketsWrongOrigin) << ", packets_received "
            << number(r.victim, "packets_received") << ", packets_duplicate "
            << number(r.victim, "packets_duplicate") << ", replays_rejected "
            << number(r.victim, "replays_rejected") << ", packets_too_far_ahead "
            << number(r.victim, "packets_too_far_ahead") << ", decrypt_failures "
            << number(r.victim, "decrypt_failures") << ", frames_decoded " << r.frames_at_attack
            << " -> " << r.frames_after_attack << " -> " << number(r.victim, "frames_decoded")
            << " while the sender sent " << r.sent_at_attack << " -> " << r.video_frames_sent
            << ", gap " << number(r.victim, "longest_video_gap_ms") << " ms, exit " << r.victim_exit
            << "; re-key seeds " << r.rekeys_seen << "\n";
}

class InsiderForgery : public Scene<InsiderForgery, ForgeryRun> {
 public:
  static void run(ForgeryRun& r) { play(r); }
};

TEST_F(InsiderForgery, TheForgeriesAreRefusedAndCounted) {
  const ForgeryRun& r = *run_;
  const std::uint64_t at_least = kMinBursts * kBurstAhead * 2 * 95 / 100;  // two streams
  ASSERT_GE(r.injected, at_least) << "the attack ran (" << r.inject_failures << " not sent)";
  EXPECT_GE(r.epochs_crossed, 1U) << "the forger followed the seed chain into a new epoch";
  EXPECT_EQ(r.rekeys_seen, 0U) << "no re-key during the scene: the attacker's keys held";
  const double wrong_origin = number(r.victim, kPacketsWrongOrigin);
  const double injected = static_cast<double>(r.injected);
  EXPECT_GE(wrong_origin, 0.95 * injected) << "-1: no such key";
  EXPECT_LE(wrong_origin, injected) << "a genuine packet was taken for a forgery";
}

TEST_F(InsiderForgery, NoGenuinePacketIsTakenForAReplay) {
  const ForgeryRun& r = *run_;
  const double received = number(r.victim, "packets_received");
  EXPECT_GE(received, 0.95 * static_cast<double>(r.genuine_media));
  EXPECT_LE(number(r.victim, "packets_duplicate"), 0.01 * received + 10);
  EXPECT_LE(number(r.victim, "replays_rejected"), 0.01 * received + 10);
}

TEST_F(InsiderForgery, TheVictimPlaysOn) {
  const ForgeryRun& r = *run_;
  EXPECT_EQ(r.victim_exit, 0);
  EXPECT_EQ(number(r.victim, "decrypt_failures"), 0);
  EXPECT_LE(number(r.victim, "longest_video_gap_ms"), kMaxVideoGapMs);
  const double decoded = number(r.victim, "frames_decoded") - r.frames_at_attack;
  const double sent = r.video_frames_sent - r.sent_at_attack;
  ASSERT_GT(sent, 0) << "the sender sent during the attack";
  EXPECT_GE(decoded, kMinShareDecoded * sent)
      << "frames decoded from the attack on, of " << sent << " sent";
  EXPECT_GT(number(r.victim, "frames_decoded"), r.frames_after_attack)
      << "frames keep coming after the attack";
  EXPECT_GT(number(r.victim, "packets_received"), r.received_after_attack);
}

}  // namespace
}  // namespace agentcast::test::adversarial
