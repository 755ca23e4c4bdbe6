// Asking the host (SenderOptions::ask_host, issue 10): a viewer that has proven its call
// code waits, told so, and is sent nothing of the call (no agent byte, no session) until
// the host admits it; the host's no, or its silence past the deadline, refuses it with a
// reason of its own. Tried against a real Sender on loopback with a hand-made client (to
// see every message the sender sends) and with a real app::Viewer (what its user sees).

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include <QtCore/QJsonObject>

#include "admission.h"
#include "agentcast/agent/bundle.h"
#include "agentcast/call/sender.h"
#include "agentcast/call/viewer.h"
#include "agentcast/crypto/join_proof.h"
#include "agentcast/net/call_code.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/tls_channel.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Polls `done` until it holds or `timeout` passes; true if it held.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  const Clock::time_point end = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

qint64 number(const QJsonObject& stats, const char* key, const char* inner = nullptr) {
  if (inner == nullptr) return stats[QLatin1String(key)].toInteger(-1);
  return stats[QLatin1String(key)].toObject()[QLatin1String(inner)].toInteger(0);
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("agentcast-host-admission-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const char* name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// A Sender that asks its host, running on a thread of its own.
class AskingSender {
 public:
  AskingSender(const TempDir& dir, std::chrono::milliseconds within = 60s, bool ask = true) {
    SenderOptions options;
    options.listen = "127.0.0.1:0";
    options.media.video = "test";
    options.media.audio = "none";
    options.media.width = 320;
    options.media.height = 180;
    options.media.fps = 15;
    options.media.bitrate_kbps = 300;
    options.max_viewers = 4;
    options.agent_dir = AGENTCAST_TEST_AGENT_DIR;
    options.identity_path = dir.file("identity.pem");
    options.agent_cache = dir.file("sender-agents");
    options.ask_host = ask;
    options.ask_host_within = within;
    sender_ = std::make_unique<Sender>(options);
    sender_->on_waiting_viewers_changed([this] { ++changes_; });
    thread_ = std::jthread([this](std::stop_token stop) { sender_->run(stop); });
  }
  ~AskingSender() {
    thread_.request_stop();
    thread_.join();
  }
  Sender& operator*() { return *sender_; }
  Sender* operator->() { return sender_.get(); }
  int changes() const { return changes_; }

 private:
  std::unique_ptr<Sender> sender_;
  std::atomic<int> changes_{0};
  std::jthread thread_;
};

// A viewer made by hand: a correct hello with a valid join proof, then whatever the sender
// sends, one message at a time.
class Knocker {
 public:
  Knocker(const std::string& call_code, const std::string& name) {
    const net::CallCode code = net::CallCode::parse(call_code);
    connection_ =
        net::tls_connect(net::Endpoint::resolve(code.host, code.port), code.fingerprint, 5s);
    net::HelloMessage hello;
    hello.name = name;
    hello.agent = "full";
    hello.platform = agent::this_platform();
    hello.abi = agent::kAgentAbiVersion;
    const crypto::JoinProof proof =
        crypto::join_proof(code.join_secret, connection_->channel_binding());
    hello.join_proof.assign(proof.begin(), proof.end());
    connection_->send(net::encode_control(hello));
  }

  // The next message within `timeout`; empty on timeout or when the sender closed.
  std::optional<net::ControlMessage> next(std::chrono::milliseconds timeout) {
    try {
      const auto bytes = connection_->receive(timeout);
      if (!bytes) return std::nullopt;
      net::DecodedControl decoded = net::decode_control(*bytes);
      EXPECT_TRUE(decoded.message) << decoded.error;
      return decoded.message;
    } catch (const net::ControlError&) {
      return std::nullopt;
    }
  }
  net::TlsConnection& connection() { return *connection_; }
  void close() { connection_.reset(); }

 private:
  std::unique_ptr<net::TlsConnection> connection_;
};

bool is_agent_message(const net::ControlMessage& m) {
  return std::holds_alternative<net::AgentOfferMessage>(m) ||
         std::holds_alternative<net::AgentChunkMessage>(m) ||
         std::holds_alternative<net::UseCachedAgentMessage>(m);
}

TEST(HostAdmission, AWaitingViewerGetsNoAgentByteUntilAdmitted) {
  TempDir dir;
  AskingSender sender(dir);
  Knocker knocker(sender->call_code(), "knocker");
  const auto first = knocker.next(5s);
  ASSERT_TRUE(first);
  const auto* pending = std::get_if<net::AdmissionPendingMessage>(&*first);
  ASSERT_NE(pending, nullptr) << "the viewer is told that it waits, before anything else";
  EXPECT_EQ(pending->wait_ms, 60'000u);

  std::vector<PendingViewer> waiting;
  ASSERT_TRUE(wait_until([&] {
    waiting = sender->waiting_viewers();
    return waiting.size() == 1;
  }));
  EXPECT_EQ(waiting[0].name, "knocker");
  EXPECT_EQ(waiting[0].address.rfind("127.0.0.1:", 0), 0u) << waiting[0].address;
  EXPECT_GE(sender.changes(), 1);
  // While the host thinks, nothing more comes: no agent, no session.
  const auto meanwhile = knocker.next(500ms);
  EXPECT_FALSE(meanwhile) << "message " << meanwhile->index() << " sent before the host decided";
  QJsonObject stats = sender->stats_json();
  EXPECT_EQ(number(stats, "control", "agent_bytes_sent"), 0);
  EXPECT_EQ(number(stats, "control", "sessions_sent"), 0);
  EXPECT_EQ(number(stats, "viewers_awaiting_host"), 1);
  EXPECT_EQ(number(stats, "viewers_admitted_by_host"), 0);

  ASSERT_TRUE(sender->decide(waiting[0].id, true));
  EXPECT_FALSE(sender->decide(waiting[0].id, false)) << "decided once";
  const auto agent = knocker.next(5s);
  ASSERT_TRUE(agent);
  EXPECT_TRUE(is_agent_message(*agent)) << "admitted: its agent comes, got " << agent->index();
  ASSERT_TRUE(
      wait_until([&] { return number(sender->stats_json(), "control", "agent_bytes_sent") > 0; }));
  stats = sender->stats_json();
  EXPECT_EQ(number(stats, "viewers_awaiting_host"), 0);
  EXPECT_EQ(number(stats, "viewers_admitted_by_host"), 1);
  EXPECT_TRUE(sender->waiting_viewers().empty());
}

TEST(HostAdmission, DenyRefusesWithTheHostsAnswerAndSendsNothing) {
  TempDir dir;
  AskingSender sender(dir);
  Knocker knocker(sender->call_code(), "unwelcome");
  ASSERT_TRUE(wait_until([&] { return sender->waiting_viewers().size() == 1; }));
  const std::uint64_t id = sender->waiting_viewers()[0].id;
  ASSERT_TRUE(sender->decide(id, false));

  std::optional<std::string> bye;
  for (int i = 0; i < 4 && !bye; ++i) {
    const auto message = knocker.next(5s);
    ASSERT_TRUE(message) << "the sender closed without saying why";
    ASSERT_FALSE(is_agent_message(*message)) << "a denied viewer got agent messages";
    if (const auto* b = std::get_if<net::ByeMessage>(&*message)) bye = b->reason;
  }
  ASSERT_TRUE(bye);
  EXPECT_EQ(*bye, "the host declined to let you in");
  ASSERT_TRUE(wait_until([&] {
    return number(sender->stats_json(), "viewers_refused_by_reason", "denied_by_host") == 1;
  }));
  const QJsonObject stats = sender->stats_json();
  EXPECT_EQ(number(stats, "viewers_refused"), 1);
  EXPECT_EQ(number(stats, "control", "agent_bytes_sent"), 0);
  EXPECT_EQ(number(stats, "control", "sessions_sent"), 0);
  EXPECT_EQ(number(stats, "viewers_admitted_by_host"), 0);
  EXPECT_TRUE(sender->waiting_viewers().empty());
  EXPECT_FALSE(sender->decide(id, true)) << "a refused viewer cannot be admitted afterwards";
}

TEST(HostAdmission, AHostThatDoesNotAnswerRefusesAtTheDeadline) {
  TempDir dir;
  AskingSender sender(dir, 400ms);
  const Clock::time_point asked = Clock::now();
  Knocker knocker(sender->call_code(), "patient");
  const auto first = knocker.next(5s);
  ASSERT_TRUE(first);
  ASSERT_TRUE(std::holds_alternative<net::AdmissionPendingMessage>(*first));
  EXPECT_EQ(std::get<net::AdmissionPendingMessage>(*first).wait_ms, 400u);
  ASSERT_TRUE(wait_until([&] { return sender->waiting_viewers().size() == 1; }));
  const std::uint64_t id = sender->waiting_viewers()[0].id;

  const auto answer = knocker.next(5s);
  const auto waited = Clock::now() - asked;
  ASSERT_TRUE(answer);
  const auto* bye = std::get_if<net::ByeMessage>(&*answer);
  ASSERT_NE(bye, nullptr) << answer->index();
  EXPECT_NE(bye->reason.find("did not answer"), std::string::npos) << bye->reason;
  EXPECT_GE(waited, 400ms);
  EXPECT_LT(waited, 3s);
  ASSERT_TRUE(wait_until([&] {
    return number(sender->stats_json(), "viewers_refused_by_reason", "host_did_not_answer") == 1;
  }));
  EXPECT_TRUE(sender->waiting_viewers().empty());
  EXPECT_FALSE(sender->decide(id, true)) << "too late";
  EXPECT_EQ(number(sender->stats_json(), "control", "agent_bytes_sent"), 0);
}

TEST(HostAdmission, AViewerThatGivesUpLeavesTheHostsList) {
  TempDir dir;
  AskingSender sender(dir);
  Knocker knocker(sender->call_code(), "impatient");
  ASSERT_TRUE(wait_until([&] { return sender->waiting_viewers().size() == 1; }));
  const int changes = sender.changes();
  knocker.connection().send(net::encode_control(net::ByeMessage{"gave up"}));
  knocker.close();
  ASSERT_TRUE(wait_until([&] { return sender->waiting_viewers().empty(); }));
  EXPECT_GT(sender.changes(), changes) << "the host's UI is told the viewer went";
  const QJsonObject stats = sender->stats_json();
  EXPECT_EQ(number(stats, "viewers_refused"), 0) << "it left: nobody refused it";
  EXPECT_EQ(number(stats, "viewers_awaiting_host"), 0);
}

TEST(HostAdmission, WithoutAskingNobodyWaits) {
  TempDir dir;
  AskingSender sender(dir, 60s, /*ask=*/false);
  Knocker knocker(sender->call_code(), "direct");
  const auto first = knocker.next(5s);
  ASSERT_TRUE(first);
  EXPECT_TRUE(is_agent_message(*first)) << first->index();
  EXPECT_TRUE(sender->waiting_viewers().empty());
  EXPECT_FALSE(sender->decide(1, true));
  EXPECT_FALSE(sender->stats_json().contains(QLatin1String("viewers_awaiting_host")));
}

// What the real viewer's user sees: the waiting step, with the host's time, then the
// host's no as the reason it could not join.
TEST(HostAdmission, ARealViewerShowsTheWaitAndIsTurnedAwayByDeny) {
  TempDir dir;
  AskingSender sender(dir);
  ViewerOptions options;
  options.call_code = sender->call_code();
  options.audio_out = "none";
  options.agent_cache = dir.file("viewer-agents");
  options.name = "real viewer";
  std::mutex mutex;
  std::vector<ViewerProgress> steps;
  options.on_progress = [&](const ViewerProgress& p) {
    const std::lock_guard lock(mutex);
    steps.push_back(p);
  };
  std::atomic<bool> done{false};
  std::optional<ViewerError> error;
  std::jthread viewer([&](std::stop_token stop) {
    try {
      Viewer v(options);
      v.run(stop);
    } catch (const ViewerError& e) {
      error = e;
    }
    done = true;
  });
  ASSERT_TRUE(wait_until([&] { return sender->waiting_viewers().size() == 1; }));
  ASSERT_TRUE(wait_until([&] {
    const std::lock_guard lock(mutex);
    return !steps.empty() && steps.back().step == ViewerStep::kWaitingForHost;
  })) << "the viewer does not show that it waits for the host";
  {
    const std::lock_guard lock(mutex);
    EXPECT_EQ(steps.back().host_wait_ms, 60'000u);
    EXPECT_EQ(to_string(steps.back().step), "waiting for the host to let you in");
  }
  EXPECT_EQ(sender->waiting_viewers()[0].name, "real viewer");
  ASSERT_TRUE(sender->decide(sender->waiting_viewers()[0].id, false));
  ASSERT_TRUE(wait_until([&] { return done.load(); }));
  viewer.join();
  ASSERT_TRUE(error) << "the viewer joined although the host said no";
  EXPECT_EQ(error->kind(), ViewerError::Kind::kSenderRefused);
  EXPECT_NE(std::string(error->what()).find("the host declined to let you in"), std::string::npos)
      << error->what();
  const std::lock_guard lock(mutex);
  for (const ViewerProgress& p : steps)
    EXPECT_NE(p.step, ViewerStep::kReceivingAgent) << "a denied viewer received an agent";
}

// The waiting room alone: its callback runs with no lock held (it may read the list and
// decide), and a ticket that goes away takes its viewer off the list.
TEST(WaitingRoom, CallbacksRunUnlockedAndTicketsLeaveTheList) {
  WaitingRoom room;
  std::vector<std::size_t> sizes;
  room.on_change([&] { sizes.push_back(room.waiting().size()); });
  std::optional<WaitingRoom::Ticket> first = room.enter("a", "127.0.0.1:1");
  WaitingRoom::Ticket second = room.enter("b", "127.0.0.1:2");
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 2}));
  EXPECT_NE(first->id(), second.id());
  EXPECT_FALSE(room.decision(second.id()));
  EXPECT_TRUE(room.decide(second.id(), true));
  EXPECT_EQ(room.decision(second.id()), std::optional<bool>(true));
  EXPECT_EQ(room.waiting().size(), 1u) << "a decided viewer is no longer asked about";
  EXPECT_EQ(room.admitted(), 1u);
  const std::uint64_t gone = first->id();
  first.reset();
  EXPECT_TRUE(room.waiting().empty());
  EXPECT_FALSE(room.decide(gone, true));
  EXPECT_FALSE(room.decision(gone));
  // A decision wakes the greeter's poll().
  WaitingRoom::Ticket third = room.enter("c", "127.0.0.1:3");
  pollfd fd{room.wake_fd(), POLLIN, 0};
  room.drain();
  EXPECT_EQ(::poll(&fd, 1, 0), 0);
  ASSERT_TRUE(room.decide(third.id(), false));
  EXPECT_EQ(::poll(&fd, 1, 0), 1);
  room.drain();
  EXPECT_EQ(::poll(&fd, 1, 0), 0);
}

}  // namespace
}  // namespace agentcast::app
