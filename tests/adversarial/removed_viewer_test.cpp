// Attack 10: a removed viewer keeps listening. The attacker is admitted like any viewer
// (it holds the session's media keys in its own agent session), and it also has a copy of
// every datagram the sender sends a real `agentcast view` that watches through a relay
// (tap_relay.h): what anyone on that viewer's path, or a host that relays for it, has.
// The host then removes the attacker (`remove N` on the sender's standard input).
//
// What the user sees: the attacker's session ends with `removed` and a bye that says "removed
// by the host"; from the re-key epoch on (the sender's log names it per stream) the
// attacker opens none of the packets sent to the remaining viewer, in either seed mode
// (in synchronized mode it could otherwise derive every later seed from the one it had),
// while before the removal it opened them: the attack had keys to use. The remaining
// viewer plays on without a freeze over a second and without a packet refused.
//
// Today (before the re-key): the removed viewer's route is dropped, but the keys go on as
// they were: it opens everything the others are sent.

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <variant>

#include "adversarial/attacker.h"
#include "adversarial/harness.h"
#include "adversarial/tap_relay.h"
#include "agentcast/net/packet.h"

namespace agentcast::test::adversarial {
namespace {

constexpr auto kBeforeRemoval = 3s;  // the remaining viewer watches, the attacker listens
constexpr auto kAfterRemoval = 4s;   // several epochs after the re-key
constexpr const char* kEpochPackets = "150";

struct RemovedRun {
  std::unique_ptr<Stage> stage;
  std::string bye;                                     // what the removed attacker was told
  std::string end_reason;                              // the sender's [REASON] for it
  std::map<std::uint16_t, std::uint32_t> rekey_epoch;  // by stream, from the sender's log
  std::uint64_t opened_before = 0, sealed_before = 0;  // tapped packets before the re-key
  std::uint64_t opened_after = 0, sealed_after = 0;    // from the re-key epoch on
  std::uint32_t newest_epoch_after = 0;                // the chain went on past the re-key epoch
  double frames_at_removal = -1;
  QJsonObject viewer;
  int viewer_exit = -1;
};

// The attacker's view of the call, in the order it came: the seeds it was sent on its
// control channel (distributed mode), and the tapped datagrams.
class Recording {
 public:
  void seed(const net::SeedMessage& seed) {
    std::lock_guard lock(mutex_);
    seeds_.push_back({tapped_at_(), seed});
  }
  void bye(const std::string& reason) {
    std::lock_guard lock(mutex_);
    bye_ = reason;
  }
  std::optional<std::string> bye() const {
    std::lock_guard lock(mutex_);
    return bye_;
  }
  std::function<std::size_t()> tapped_at_;
  struct Seed {
    std::size_t before_datagram;  // arrived when the tap held this many
    net::SeedMessage message;
  };
  std::vector<Seed> seeds() const {
    std::lock_guard lock(mutex_);
    return seeds_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Seed> seeds_;
  std::optional<std::string> bye_;
};

void play(RemovedRun& r, const std::string& mode) {
  r.stage = std::make_unique<Stage>("removed-viewer-" + mode);
  Stage& stage = *r.stage;
  stage.take_host_input();
  stage.start_sender({"--seeds", mode, "--epoch-packets", kEpochPackets}, 4);
  const net::Endpoint sender = stage.invitation().sender();

  TapRelay relay(sender);
  Recording recording;
  recording.tapped_at_ = [&] { return relay.tapped(); };

  // The attacker joins first, so that its join state opens everything the tap records.
  ProjectChannel channel(stage.invitation(), 10s);
  JoinRequest request;
  request.name = "attacker";
  request.cache_dir = stage.dir() + "/attacker-agents";
  Admission admission = join_as_viewer(channel, stage.invitation(), request, 30s);
  // Its own key ring for the tapped copies: the one its presence opens its own media with
  // would take them for replays.
  agent::AgentSession spy(admission.agent.library, admission.session.params, agent::Role::kViewer);
  for (const auto& stream : admission.session.streams) {
    const agent::StreamJoinState start{stream.epoch, stream.seed, stream.first_sequence};
    spy.add_incoming(stream.id, stream.kind, &start);
  }
  Presence presence(admission, sender);
  std::jthread control = read_control(channel, [&](const net::ControlMessage& message) {
    if (const auto* seed = std::get_if<net::SeedMessage>(&message)) {
      recording.seed(*seed);
    } else if (const auto* bye = std::get_if<net::ByeMessage>(&message)) {
      recording.bye(bye->reason);
    }
  });

  ViewerOptions options;
  options.invitation = stage.invitation().via_port(relay.port());
  ViewerProcess& viewer = stage.start_viewer("keeper", options);
  if (!viewer.wait_playing(15s)) throw std::runtime_error("the remaining viewer never played");
  const auto playing = Clock::now();
  wait_until([&] { return Clock::now() >= playing + kBeforeRemoval; }, kBeforeRemoval + 1s);

  r.frames_at_removal = number(viewer.stats(), "frames_decoded");
  stage.tell_sender("remove " + std::to_string(admission.slot()));
  const std::optional<SessionEnd> ended = stage.wait_session_end("attacker", 10s);
  if (!ended) throw std::runtime_error("the sender did not end the removed viewer's session");
  r.end_reason = ended->reason;
  const std::regex rekeyed(R"(re-keyed for the \d+ remaining viewers?: (.*))");
  std::smatch line;
  std::string log;
  if (!wait_until(
          [&] {
            log = stage.sender_err();
            return std::regex_search(log, line, rekeyed);
          },
          5s)) {
    throw std::runtime_error("the sender did not re-key");
  }
  const std::string epochs = line[1].str();
  const std::regex entry(R"(stream (\d+) from epoch (\d+))");
  for (auto it = std::sregex_iterator(epochs.begin(), epochs.end(), entry);
       it != std::sregex_iterator(); ++it) {
    r.rekey_epoch[static_cast<std::uint16_t>(std::stoul((*it)[1].str()))] =
        static_cast<std::uint32_t>(std::stoul((*it)[2].str()));
  }
  wait_until([&] { return recording.bye().has_value(); }, 5s);
  r.bye = recording.bye().value_or("");
  const auto removed = Clock::now();
  // Watch until the tap holds enough of the call after the re-key — more than 300 packets,
  // some of them two epochs past it — however slowly this machine (or a sanitizer build)
  // seals; and at least kAfterRemoval, for the remaining viewer's gaps.
  auto enough_after_rekey = [&] {
    std::uint64_t after = 0;
    bool two_epochs_past = false;
    for (const auto& datagram : relay.copies()) {
      net::PacketHeader header;
      if (net::parse_path_challenge(datagram) ||
          net::parse_header(datagram, header) != net::HeaderStatus::kOk) {
        continue;
      }
      const auto rekey = r.rekey_epoch.find(header.stream_id);
      if (rekey == r.rekey_epoch.end() || header.epoch < rekey->second) continue;
      ++after;
      two_epochs_past = two_epochs_past || header.epoch >= rekey->second + 2;
    }
    return after > 400 && two_epochs_past;
  };
  wait_until([&] { return Clock::now() >= removed + kAfterRemoval && enough_after_rekey(); },
             kAfterRemoval + 30s);

  stage.finish();
  control.request_stop();
  r.viewer = viewer.stats();
  r.viewer_exit = viewer.exit_code().value_or(-1);

  // The attacker tries every tapped datagram, in the order they came, with the seeds it
  // was given in between.
  const auto datagrams = relay.copies();
  const auto seeds = recording.seeds();
  std::size_t next_seed = 0;
  Buffer payload(net::kMaxMtu);
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    for (; next_seed < seeds.size() && seeds[next_seed].before_datagram <= i; ++next_seed) {
      const net::SeedMessage& seed = seeds[next_seed].message;
      spy.provide_seed(seed.stream_id, seed.epoch, seed.seed);
    }
    const auto& datagram = datagrams[i];
    if (net::parse_path_challenge(datagram)) continue;
    net::PacketHeader header;
    if (net::parse_header(datagram, header) != net::HeaderStatus::kOk) continue;
    const auto rekey = r.rekey_epoch.find(header.stream_id);
    if (rekey == r.rekey_epoch.end()) continue;
    // The copy ends in the remaining viewer's origin tag, which the spy's own agent would
    // refuse before trying its keys: the attacker puts its own tag in its place.
    const Buffer retagged =
        header.origin_tagged
            ? with_own_origin_tag(admission.session.params, datagram, OriginTagNow::kSendersTag)
            : datagram;
    const bool opened = spy.open(retagged, payload).status == net::OpenStatus::kOk;
    if (header.epoch >= rekey->second) {
      ++r.sealed_after;
      r.opened_after += opened ? 1 : 0;
      r.newest_epoch_after = std::max(r.newest_epoch_after, header.epoch - rekey->second);
    } else {
      ++r.sealed_before;
      r.opened_before += opened ? 1 : 0;
    }
  }

  std::cout << "RemovedViewer (" << mode << "): re-keyed " << epochs << "; the removed viewer"
            << " opened " << r.opened_before << " of " << r.sealed_before
            << " tapped packets before the re-key and " << r.opened_after << " of "
            << r.sealed_after << " after it (" << r.newest_epoch_after << " epochs past it); bye \""
            << r.bye << "\" [" << r.end_reason << "]; the remaining viewer: gap "
            << number(r.viewer, "longest_video_gap_ms") << " ms, frames " << r.frames_at_removal
            << " -> " << number(r.viewer, "frames_decoded") << ", decrypt_failures "
            << number(r.viewer, "decrypt_failures") << ", rekeys " << number(r.viewer, "rekeys")
            << "\n";
}

void expect_removal(const RemovedRun& r) {
  EXPECT_EQ(r.end_reason, "removed");
  EXPECT_EQ(r.bye, "removed by the host");
  EXPECT_EQ(count_in(r.stage->final_sender_stats(), key::kSessionsEndedByReason, "removed"), 1);
  EXPECT_EQ(number(r.stage->final_sender_stats(), "rekeys"), 2) << "video and audio";
}

void expect_nothing_opened_after(const RemovedRun& r) {
  ASSERT_EQ(r.rekey_epoch.size(), 2U);
  EXPECT_GT(r.opened_before, 100U) << "before the removal the attacker could open the tap";
  EXPECT_GT(r.sealed_after, 300U) << "the call went on after the re-key";
  EXPECT_GE(r.newest_epoch_after, 2U) << "epochs after the re-key epoch were tried too";
  EXPECT_EQ(r.opened_after, 0U);
}

void expect_the_remaining_viewer_plays(const RemovedRun& r) {
  EXPECT_EQ(r.viewer_exit, 0);
  EXPECT_LE(number(r.viewer, "longest_video_gap_ms"), kMaxVideoGapMs);
  EXPECT_GT(number(r.viewer, "frames_decoded") - r.frames_at_removal,
            0.7 * kFps * std::chrono::duration<double>(kAfterRemoval).count());
  EXPECT_EQ(number(r.viewer, "decrypt_failures"), 0);
  EXPECT_EQ(number(r.viewer, "rekeys"), 2);
}

class RemovedViewer : public Scene<RemovedViewer, RemovedRun> {
 public:
  static void run(RemovedRun& r) { play(r, "synchronized"); }
};

TEST_F(RemovedViewer, ItsSessionEndsAsRemoved) {
  expect_removal(*run_);
}
TEST_F(RemovedViewer, ItOpensNothingFromTheRekeyOn) {
  expect_nothing_opened_after(*run_);
}
TEST_F(RemovedViewer, TheOthersPlayOn) {
  expect_the_remaining_viewer_plays(*run_);
}

class RemovedViewerDistributed : public Scene<RemovedViewerDistributed, RemovedRun> {
 public:
  static void run(RemovedRun& r) { play(r, "distributed"); }
};

TEST_F(RemovedViewerDistributed, ItsSessionEndsAsRemoved) {
  expect_removal(*run_);
}
TEST_F(RemovedViewerDistributed, ItOpensNothingFromTheRekeyOn) {
  expect_nothing_opened_after(*run_);
}
TEST_F(RemovedViewerDistributed, TheOthersPlayOn) {
  expect_the_remaining_viewer_plays(*run_);
}

}  // namespace
}  // namespace agentcast::test::adversarial
