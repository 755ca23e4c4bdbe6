// Attack 6: probe address hopping. An attacker admitted as a full-agent viewer (through
// the project's own TLS client) holds two UDP sockets, A on 127.0.0.1 and B on 127.0.0.3,
// and seals its probes with its own feedback key, as a real viewer does:
//   1. it probes from A and echoes the path challenges A receives: its media flow to A;
//   2. for five seconds it probes from B ten times a second without echoing anything
//      there (an address it does not own, say a victim's), while A keeps its usual
//      once-a-second keepalive;
//   3. for four seconds it hops A, B, A, B ... every 20 ms (50 Hz), echoing on both.
//
// What the user sees once path validation lands (docs/PROTOCOL.md §12): in phase 2, B
// receives nothing but 18-byte challenges, at most about ten a second, never a media
// packet, so B gets fewer bytes than it sent (no amplification toward a victim), and the
// media keep going to A; in phase 3 the sender's `keyframes_forced` grows by at most 12.5
// a second (the 80 ms throttle) however fast the attacker hops; the viewer already
// watching keeps playing without a freeze over a second.
//
// Today: any authenticated probe moves the media at once: B gets the whole stream (a
// bandwidth amplifier aimed at whoever owns B) and A none; every hop forces a keyframe,
// unthrottled.

#include <gtest/gtest.h>

#include <poll.h>

#include <functional>
#include <iostream>

#include "adversarial/attacker.h"
#include "adversarial/harness.h"

namespace agentcast::test::adversarial {
namespace {

constexpr auto kFlowWithin = 5s;
constexpr auto kForeignFor = 5s;
constexpr auto kForeignProbeEvery = 100ms;
constexpr auto kHopFor = 4s;
constexpr auto kHopEvery = 20ms;
constexpr double kMaxMediaGapAtAS = 1.0;

struct HopRun {
  std::unique_ptr<Stage> stage;
  std::optional<int> slot;
  bool media_reached_a = false;
  SeatCounts a_before_foreign, a_after_foreign, b_after_foreign;
  double longest_gap_at_a_s = -1;  // during phase 2
  double foreign_s = 0, hop_s = 0;
  double forced_before = -1, forced_after = -1;
  double window_s = 0;  // between the two readings of keyframes_forced
  std::size_t keyframes_seen_hopping = 0;
  std::uint64_t hops = 0;
  QJsonObject watcher, sender_after_hops;
};

class ProbeHopping : public Scene<ProbeHopping, HopRun> {
 public:
  static void run(HopRun& r) {
    r.stage = std::make_unique<Stage>("probe-hopping");
    Stage& stage = *r.stage;
    stage.start_sender({}, 4);
    ViewerProcess& watcher = stage.start_viewer("watcher");
    ASSERT_TRUE(watcher.wait_playing(20s)) << watcher.err();

    ProjectChannel channel(stage.invitation(), 5s);
    JoinRequest request;
    request.name = "hopper";
    request.cache_dir = stage.dir() + "/attacker-agents";
    Admission admitted = join_as_viewer(channel, stage.invitation(), request, 20s);
    r.slot = stage.wait_joined(request.name, 10s);
    ASSERT_TRUE(r.slot) << stage.sender_err();
    const net::Endpoint sender = stage.invitation().sender();
    Seat a("127.0.0.1:0");
    Seat b("127.0.0.3:0");
    const net::ProbeFeedback probe{admitted.slot()};

    // Runs one phase: `tick` sends what is due; both seats are read, each echoing its
    // challenges or not. Bounded by time (and by turns, a thousand a second at most).
    bool echo_at_b = false;
    auto last_media_at_a = Clock::now();
    double longest_gap_at_a = 0;
    auto phase = [&](std::chrono::milliseconds length,
                     const std::function<void(Clock::time_point)>& tick,
                     const std::function<bool()>& done = {}) {
      const auto end = Clock::now() + length;
      const auto turns = static_cast<int>(length.count()) * 20 + 100;
      for (int turn = 0; turn < turns && Clock::now() < end; ++turn) {
        tick(Clock::now());
        pollfd fds[2] = {{a.socket().native_handle(), POLLIN, 0},
                         {b.socket().native_handle(), POLLIN, 0}};
        ::poll(fds, 2, 1);
        const std::uint64_t media_at_a = a.counts().media;
        a.take(admitted, sender, true);
        b.take(admitted, sender, echo_at_b);
        if (a.counts().media != media_at_a) last_media_at_a = Clock::now();
        longest_gap_at_a = std::max(longest_gap_at_a, seconds_since(last_media_at_a));
        if (done && done()) return;
      }
    };

    // 1. A: probes ten times a second until the media flow, echoing its challenges.
    auto next = Clock::now();
    phase(
        kFlowWithin,
        [&](Clock::time_point now) {
          if (now < next) return;
          a.send(admitted, probe, sender);
          next = now + 100ms;
        },
        [&] { return a.counts().media >= 30; });
    r.media_reached_a = a.counts().media >= 30;
    phase(1s, [](Clock::time_point) {});

    // 2. B probes without echoing; A keeps its once-a-second keepalive and report.
    r.a_before_foreign = a.counts();
    const auto foreign_start = Clock::now();
    last_media_at_a = foreign_start;
    longest_gap_at_a = 0;
    auto next_b = foreign_start;
    auto next_a = foreign_start + 1s;
    phase(kForeignFor, [&](Clock::time_point now) {
      if (now >= next_b) {
        b.send(admitted, probe, sender);
        next_b = now + kForeignProbeEvery;
      }
      if (now >= next_a) {
        a.send(admitted, probe, sender);
        a.send(admitted, net::ReceiverReport{}, sender);
        next_a = now + 1s;
      }
    });
    r.foreign_s = seconds_since(foreign_start);
    r.longest_gap_at_a_s = longest_gap_at_a;
    r.a_after_foreign = a.counts();
    r.b_after_foreign = b.counts();

    // 3. Hop A, B, A, B ... at 50 Hz, echoing everywhere.
    echo_at_b = true;
    r.forced_before = number(stage.sender_stats(), key::kKeyframesForced);
    const auto forced_read = Clock::now();
    const std::size_t keyframes_before =
        a.counts().video_keyframes.size() + b.counts().video_keyframes.size();
    const auto hop_start = Clock::now();
    auto next_hop = hop_start;
    phase(kHopFor, [&](Clock::time_point now) {
      if (now < next_hop) return;
      (r.hops++ % 2 == 0 ? a : b).send(admitted, probe, sender);
      next_hop = now + kHopEvery;
    });
    r.hop_s = seconds_since(hop_start);
    r.keyframes_seen_hopping =
        a.counts().video_keyframes.size() + b.counts().video_keyframes.size() - keyframes_before;
    // Settle on A (its keepalives, as a viewer that stopped moving) while the statistics
    // catch up with the hops: the file is written once a second.
    auto settle_next = Clock::now();
    phase(1500ms, [&](Clock::time_point now) {
      if (now < settle_next) return;
      a.send(admitted, probe, sender);
      settle_next = now + 500ms;
    });
    r.sender_after_hops = stage.sender_stats();
    r.forced_after = number(r.sender_after_hops, key::kKeyframesForced);
    r.window_s = seconds_since(forced_read) + 1;  // the first reading may be a second old

    try {
      channel.send(net::encode_control(net::ByeMessage{"done"}));
    } catch (const AttackError&) {
    }
    stage.finish();
    r.watcher = watcher.stats();

    const SeatCounts& b2 = r.b_after_foreign;
    std::cout << "ProbeHopping: media reached A: " << r.media_reached_a << "; phase 2 ("
              << r.foreign_s << " s): B got " << b2.datagrams << " datagrams, " << b2.bytes
              << " bytes (" << b2.media << " media, " << b2.challenges << " challenges) for "
              << b2.sent << " probes, " << b2.sent_bytes << " bytes; A got "
              << r.a_after_foreign.media - r.a_before_foreign.media
              << " media packets, longest gap " << r.longest_gap_at_a_s << " s; phase 3 (" << r.hops
              << " hops in " << r.hop_s << " s): keyframes_forced " << r.forced_before << " -> "
              << r.forced_after << " over " << r.window_s << " s, video keyframes seen "
              << r.keyframes_seen_hopping << " (" << r.keyframes_seen_hopping / r.hop_s
              << "/s); watcher gap " << number(r.watcher, "longest_video_gap_ms") << " ms\n";
  }
};

TEST_F(ProbeHopping, MediaGoOnlyWhereChallengesAreEchoed) {
  ASSERT_TRUE(run_->media_reached_a) << "probing and echoing from A brought no media";
  EXPECT_EQ(run_->b_after_foreign.media, 0U) << "B never echoed a challenge";
  EXPECT_GT(run_->a_after_foreign.media, run_->a_before_foreign.media);
  EXPECT_LE(run_->longest_gap_at_a_s, kMaxMediaGapAtAS) << "the media stayed with A";
}

TEST_F(ProbeHopping, AnAddressThatNeverAnswersGetsOnlyRareSmallChallenges) {
  const SeatCounts& b = run_->b_after_foreign;
  EXPECT_EQ(b.datagrams, b.challenges) << "nothing but challenges reached B";
  EXPECT_EQ(b.odd_sized_challenges, 0U);
  EXPECT_LE(static_cast<double>(b.challenges), kMaxChallengesPerSecond * run_->foreign_s + 2);
  EXPECT_GT(b.sent, 0U);
}

TEST_F(ProbeHopping, NoAmplification) {
  const SeatCounts& b = run_->b_after_foreign;
  EXPECT_LE(b.bytes, b.sent_bytes) << "bytes that reached B against the bytes B sent";
}

TEST_F(ProbeHopping, HoppingForcesAtMostTwelveAndAHalfKeyframesASecond) {
  ASSERT_GE(run_->forced_before, 0) << "no " << key::kKeyframesForced << " in the statistics";
  ASSERT_GE(run_->forced_after, 0);
  EXPECT_LE(run_->forced_after - run_->forced_before,
            kMaxForcedKeyframesPerSecond * run_->window_s + 3)
      << run_->hops << " hops";
}

TEST_F(ProbeHopping, TheWatcherKeepsPlaying) {
  EXPECT_GT(number(run_->watcher, "frames_decoded"), 0);
  EXPECT_LE(number(run_->watcher, "longest_video_gap_ms"), kMaxVideoGapMs);
  EXPECT_EQ(number(run_->watcher, "decrypt_failures"), 0);
}

}  // namespace
}  // namespace agentcast::test::adversarial
