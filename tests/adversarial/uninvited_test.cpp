// Attack 9: joining without the call code's join secret (issue 10).
//
// HOST:PORT is in every packet and the fingerprint is in the sender's certificate, so an
// eavesdropper can rebuild everything of a call code but its secret. Tried, while an
// invited viewer watches:
// - the real `agentcast view` with the rebuilt code (no `&k=`): it refuses the code itself,
//   saying it is incomplete, and never connects;
// - the attacker's own client with the rebuilt code: TLS, then a hello with no proof;
// - the real `agentcast view` with a made-up secret, and the attacker's client with one;
// - the attacker's client holding the right secret, with the proof computed for another
//   connection (all zeros for the exporter value): a proof seen on one connection, relayed
//   to another, is worth nothing.
// - a single-use invitation (`--invites 2`) used by a guest, then by the attacker again.
// What the user sees: each is refused with its reason (the viewer's message, the sender's
// `viewers_refused_by_reason`), the sender sent none of them an agent byte or a session
// (`control.agent_bytes_sent` and `control.sessions_sent` do not move), the invited
// viewer keeps playing, and an invited viewer joining afterwards plays.

#include <gtest/gtest.h>

#include <iostream>

#include "adversarial/attacker.h"
#include "adversarial/harness.h"
#include "agentcast/crypto/join_proof.h"

namespace agentcast::test::adversarial {
namespace {

constexpr const char* kNoProof = "no_join_proof";
constexpr const char* kWrongProof = "wrong_join_proof";
constexpr const char* kInviteUsed = "invite_used";

// What a connection got in answer to its hello.
struct Answer {
  std::string bye;           // the sender's reason, if it said bye
  int agent_messages = 0;    // agent offers, chunks or use-cached: must stay 0
  int session_messages = 0;  // must stay 0
  std::string error;         // the connection failed otherwise
};

// Connects to the sender in `invitation` and sends a hello whose proof `prove` makes, then
// reads what comes back until the sender closes (bounded).
Answer knock(const Invitation& invitation, const std::string& name,
             const std::function<void(net::HelloMessage&, const MessageChannel&)>& prove) {
  Answer answer;
  try {
    auto client = TlsClient::connect(invitation, TcpOptions{}, 5s);
    JoinRequest request;
    request.name = name;
    net::HelloMessage hello = hello_for(request, *client, invitation);
    prove(hello, *client);
    client->send(net::encode_control(hello));
    for (int messages = 0; messages < 64; ++messages) {
      const auto bytes = client->receive(5s);
      if (!bytes) break;
      const net::DecodedControl decoded = net::decode_control(*bytes);
      if (!decoded.message) continue;
      std::visit(
          [&](const auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, net::ByeMessage>) answer.bye = m.reason;
            if constexpr (std::is_same_v<M, net::AgentOfferMessage> ||
                          std::is_same_v<M, net::AgentChunkMessage> ||
                          std::is_same_v<M, net::UseCachedAgentMessage>) {
              ++answer.agent_messages;
            }
            if constexpr (std::is_same_v<M, net::SessionMessage> ||
                          std::is_same_v<M, net::SeedMessage>) {
              ++answer.session_messages;
            }
          },
          *decoded.message);
    }
  } catch (const AttackError& e) {
    answer.error = e.what();  // the sender closed after its bye: expected
  }
  return answer;
}

struct UninvitedRun {
  std::unique_ptr<Stage> stage;
  int rebuilt_viewer_exit = -1;
  std::string rebuilt_viewer_err;
  int wrong_viewer_exit = -1;
  std::string wrong_viewer_err;
  Answer no_proof, wrong_secret, relayed_proof;
  double agent_bytes_before = -1, agent_bytes_after = -1;
  double sessions_before = -1, sessions_after = -1;
  QJsonObject sender_after_attacks;
  QJsonObject watcher;
  bool joiner_played = false;
  double joiner_first_frame_ms = -1;
  std::size_t invites_printed = 0;
  bool guest_played = false;
  Answer invite_reused;
};

class Uninvited : public Scene<Uninvited, UninvitedRun> {
 public:
  static void run(UninvitedRun& r) {
    r.stage = std::make_unique<Stage>("uninvited");
    Stage& stage = *r.stage;
    stage.start_sender({"--invites", "2"}, 4);
    ViewerProcess& watcher = stage.start_viewer("watcher");
    ASSERT_TRUE(watcher.wait_playing(20s)) << watcher.err();
    ASSERT_TRUE(stage.wait_joined("watcher", 10s));
    const QJsonObject before = stage.sender_stats();
    r.agent_bytes_before = number(before, key::kControl, "agent_bytes_sent");
    r.sessions_before = number(before, key::kControl, "sessions_sent");

    // Everything an eavesdropper can learn: host, port and fingerprint.
    net::CallCode rebuilt_code = stage.invitation().code;
    rebuilt_code.join_secret = crypto::Secret();
    const Invitation rebuilt{rebuilt_code.to_string(), rebuilt_code};
    net::CallCode made_up_code = stage.invitation().code;
    made_up_code.join_secret = crypto::random_join_secret();
    const Invitation made_up{made_up_code.to_string(), made_up_code};

    ViewerOptions rebuilt_options;
    rebuilt_options.invitation = rebuilt;
    ViewerProcess& rebuilt_viewer = stage.start_viewer("rebuilt-code", rebuilt_options);
    r.rebuilt_viewer_exit = rebuilt_viewer.process().wait_for(20s).value_or(-1);
    r.rebuilt_viewer_err = rebuilt_viewer.err();

    ViewerOptions made_up_options;
    made_up_options.invitation = made_up;
    ViewerProcess& wrong_viewer = stage.start_viewer("made-up-secret", made_up_options);
    r.wrong_viewer_exit = wrong_viewer.process().wait_for(20s).value_or(-1);
    r.wrong_viewer_err = wrong_viewer.err();

    r.no_proof = knock(rebuilt, "no-proof", [](net::HelloMessage&, const MessageChannel&) {});
    r.wrong_secret =
        knock(made_up, "wrong-secret", [](net::HelloMessage&, const MessageChannel&) {});
    const crypto::Secret real_secret = stage.invitation().code.join_secret;
    r.relayed_proof = knock(
        stage.invitation(), "relayed-proof", [&](net::HelloMessage& hello, const MessageChannel&) {
          const std::array<std::uint8_t, 32> elsewhere{};
          const crypto::JoinProof proof = crypto::join_proof(real_secret, elsewhere);
          hello.join_proof.assign(proof.begin(), proof.end());
        });

    // The refusals are counted by the time the sender's next statistics are written.
    wait_until(
        [&] {
          r.sender_after_attacks = stage.sender_stats();
          return count_in(r.sender_after_attacks, key::kViewersRefusedByReason, kWrongProof) >= 3 &&
                 count_in(r.sender_after_attacks, key::kViewersRefusedByReason, kNoProof) >= 1;
        },
        10s);
    r.agent_bytes_after = number(r.sender_after_attacks, key::kControl, "agent_bytes_sent");
    r.sessions_after = number(r.sender_after_attacks, key::kControl, "sessions_sent");

    // A guest uses the first invitation; then the attacker, who saw it, tries it again.
    const std::vector<Invitation> invites = stage.invites();
    r.invites_printed = invites.size();
    ASSERT_EQ(invites.size(), 2U) << stage.sender_err();
    ViewerOptions guest_options;
    guest_options.invitation = invites[0];
    ViewerProcess& guest = stage.start_viewer("guest", guest_options);
    r.guest_played = guest.wait_playing(20s);
    r.invite_reused =
        knock(invites[0], "reused-invite", [](net::HelloMessage&, const MessageChannel&) {});
    wait_until(
        [&] {
          return count_in(stage.sender_stats(), key::kViewersRefusedByReason, kInviteUsed) >= 1;
        },
        10s);

    ViewerProcess& joiner = stage.start_viewer("invited-later");
    r.joiner_played = joiner.wait_playing(20s);
    r.joiner_first_frame_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - joiner.started()).count();
    stage.finish();
    r.watcher = watcher.stats();

    std::cout << "Uninvited: rebuilt code exit " << r.rebuilt_viewer_exit
              << ", made-up secret exit " << r.wrong_viewer_exit << "; attacker byes: \""
              << r.no_proof.bye << "\", \"" << r.wrong_secret.bye << "\", \"" << r.relayed_proof.bye
              << "\"; refused "
              << count_in(r.sender_after_attacks, key::kViewersRefusedByReason, kNoProof)
              << " no proof, "
              << count_in(r.sender_after_attacks, key::kViewersRefusedByReason, kWrongProof)
              << " wrong proof; agent bytes sent " << r.agent_bytes_before << " -> "
              << r.agent_bytes_after << ", sessions " << r.sessions_before << " -> "
              << r.sessions_after << "; watcher gap " << number(r.watcher, "longest_video_gap_ms")
              << " ms; later joiner " << r.joiner_first_frame_ms << " ms to its first frame\n";
  }
};

TEST_F(Uninvited, TheViewerRefusesACodeWithoutItsSecretAsIncomplete) {
  EXPECT_EQ(run_->rebuilt_viewer_exit, 2) << run_->rebuilt_viewer_err;
  EXPECT_NE(run_->rebuilt_viewer_err.find("incomplete"), std::string::npos)
      << run_->rebuilt_viewer_err;
}

TEST_F(Uninvited, AMadeUpSecretIsRefusedByTheSender) {
  EXPECT_EQ(run_->wrong_viewer_exit, 6) << run_->wrong_viewer_err;
  EXPECT_NE(run_->wrong_viewer_err.find("wrong join secret"), std::string::npos)
      << run_->wrong_viewer_err;
}

TEST_F(Uninvited, ProoflessWrongAndRelayedProofsAreRefusedWithTheirReasons) {
  EXPECT_NE(run_->no_proof.bye.find("no join proof"), std::string::npos)
      << run_->no_proof.bye << run_->no_proof.error;
  EXPECT_NE(run_->wrong_secret.bye.find("wrong join secret"), std::string::npos)
      << run_->wrong_secret.bye << run_->wrong_secret.error;
  EXPECT_NE(run_->relayed_proof.bye.find("wrong join secret"), std::string::npos)
      << run_->relayed_proof.bye << run_->relayed_proof.error;
  EXPECT_EQ(count_in(run_->sender_after_attacks, key::kViewersRefusedByReason, kNoProof), 1);
  // The made-up secret twice (the real viewer, the attacker) and the relayed proof.
  EXPECT_EQ(count_in(run_->sender_after_attacks, key::kViewersRefusedByReason, kWrongProof), 3);
}

TEST_F(Uninvited, NoAgentByteAndNoSessionReachedThem) {
  for (const Answer* answer : {&run_->no_proof, &run_->wrong_secret, &run_->relayed_proof}) {
    EXPECT_EQ(answer->agent_messages, 0);
    EXPECT_EQ(answer->session_messages, 0);
  }
  ASSERT_GT(run_->agent_bytes_before, 0) << "the watcher's agent is counted";
  EXPECT_EQ(run_->agent_bytes_after, run_->agent_bytes_before);
  EXPECT_EQ(run_->sessions_before, 1);
  EXPECT_EQ(run_->sessions_after, run_->sessions_before);
}

TEST_F(Uninvited, ASingleUseInvitationAdmitsOneViewerOnce) {
  ASSERT_EQ(run_->invites_printed, 2U);
  EXPECT_TRUE(run_->guest_played) << "the guest with the first invitation plays";
  EXPECT_NE(run_->invite_reused.bye.find("already used"), std::string::npos)
      << run_->invite_reused.bye << run_->invite_reused.error;
  EXPECT_EQ(run_->invite_reused.agent_messages, 0);
  EXPECT_EQ(run_->invite_reused.session_messages, 0);
  const QJsonObject& stats = run_->stage->final_sender_stats();
  EXPECT_EQ(count_in(stats, key::kViewersRefusedByReason, kInviteUsed), 1);
  EXPECT_EQ(number(stats, "invites_issued"), 2);
  EXPECT_EQ(number(stats, "invites_used"), 1);
}

TEST_F(Uninvited, TheInvitedKeepPlaying) {
  EXPECT_GT(number(run_->watcher, "frames_decoded"), 0);
  EXPECT_LE(number(run_->watcher, "longest_video_gap_ms"), kMaxVideoGapMs);
  EXPECT_TRUE(run_->joiner_played);
  EXPECT_LE(run_->joiner_first_frame_ms, kMaxFirstFrameMs * 2)
      << "an invited viewer joined as usual";
}

}  // namespace
}  // namespace agentcast::test::adversarial
