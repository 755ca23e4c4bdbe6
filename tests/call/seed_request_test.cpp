// Asking again for a distributed seed (docs/PROTOCOL.md §11, "Asking again"): a viewer
// whose packets arrive in an epoch whose seed it lacks sends seed_request; the sender
// answers with the seed of the stream's current epoch (and the next, if drawn), at most
// once per viewer every 0.2 s, and only for its own media streams. Tried against a real
// Sender on loopback with a viewer made by hand, which sees every message the sender sends.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stop_token>
#include <thread>
#include <utility>

#include <QtCore/QJsonObject>

#include "agentcast/agent/bundle.h"
#include "agentcast/call/agent_handshake.h"
#include "agentcast/call/sender.h"
#include "agentcast/crypto/join_proof.h"
#include "agentcast/net/call_code.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/tls_channel.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

qint64 number(const QJsonObject& stats, const char* key) {
  return stats[QLatin1String(key)].toInteger(-1);
}

class SeedRequest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("agentcast-seed-request-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    SenderOptions options;
    options.media.video = "test";
    options.media.audio = "none";
    options.media.width = 320;
    options.media.height = 180;
    options.media.fps = 30;
    options.media.bitrate_kbps = 2000;
    options.seeds = net::SeedMode::kDistributed;
    options.packets_per_epoch = 10;  // epochs change several times a second
    options.agent_dir = AGENTCAST_TEST_AGENT_DIR;
    options.identity_path = (dir_ / "identity.pem").string();
    options.agent_cache = (dir_ / "sender-agents").string();
    sender_ = std::make_unique<Sender>(options);
    thread_ = std::jthread([this](std::stop_token stop) { sender_->run(stop); });
  }
  void TearDown() override {
    thread_.request_stop();
    thread_.join();
    sender_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Joins as a receive-only viewer by hand, through to the session message.
  void join() {
    const net::CallCode code = net::CallCode::parse(sender_->call_code());
    connection_ =
        net::tls_connect(net::Endpoint::resolve(code.host, code.port), code.fingerprint, 5s);
    net::HelloMessage hello;
    hello.name = "asks-again";
    hello.agent = "receive-only";
    hello.platform = agent::this_platform();
    hello.abi = agent::kAgentAbiVersion;
    const crypto::JoinProof proof =
        crypto::join_proof(code.join_secret, connection_->channel_binding());
    hello.join_proof.assign(proof.begin(), proof.end());
    connection_->send(net::encode_control(hello));
    agent::LoadPolicy policy;
    policy.trusted_signer = code.fingerprint;
    policy.kind = agent::AgentKind::kReceiveOnly;
    const agent::AgentCache cache((dir_ / "viewer-agents").string());
    fetched_ = fetch_agent(*connection_, policy, cache, 10s);
    for (int i = 0; i < 64 && video_stream_ < 0; ++i) {
      const auto message = next(5s);
      ASSERT_TRUE(message) << "no session message";
      if (const auto* session = std::get_if<net::SessionMessage>(&*message)) {
        for (const auto& stream : session->streams) {
          if (stream.kind != net::MediaKind::kVideo) continue;
          video_stream_ = stream.id;
          joined_at_ = {stream.epoch, stream.seed};
        }
      }
    }
    ASSERT_GE(video_stream_, 0);
  }

  // The next message within `timeout`, noting every seed.
  std::optional<net::ControlMessage> next(std::chrono::milliseconds timeout) {
    const auto bytes = connection_->receive(timeout);
    if (!bytes) return std::nullopt;
    net::DecodedControl decoded = net::decode_control(*bytes);
    EXPECT_TRUE(decoded.message) << decoded.error;
    if (decoded.message) {
      if (const auto* seed = std::get_if<net::SeedMessage>(&*decoded.message)) {
        ++seeds_[{seed->stream_id, seed->epoch}];
        if (seed->stream_id == video_stream_ && seed->epoch == joined_at_.first) {
          current_seed_again_ = seed->seed == joined_at_.second;
        }
      }
    }
    return decoded.message;
  }

  // Reads messages until `done` or `timeout`.
  bool read_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const Clock::time_point end = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() > end) return false;
      next(50ms);
    }
    return true;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Sender> sender_;
  std::jthread thread_;
  std::unique_ptr<net::TlsConnection> connection_;
  std::optional<FetchedAgent> fetched_;
  int video_stream_ = -1;
  std::pair<std::uint32_t, crypto::Secret> joined_at_;  // the session's epoch and seed
  std::optional<bool> current_seed_again_;  // a seed message for that epoch: the same seed?
  std::map<std::pair<std::uint16_t, std::uint32_t>, int> seeds_;
};

TEST_F(SeedRequest, TheSenderAnswersWithTheStreamsCurrentSeedAndNoMore) {
  ASSERT_NO_FATAL_FAILURE(join());
  // The session message carried the current epoch's seed; nothing sends it again unasked.
  read_until([] { return false; }, 300ms);
  ASSERT_FALSE(current_seed_again_);

  const auto stream = static_cast<std::uint16_t>(video_stream_);
  // Twice at once: the second comes too soon after the first and is not answered.
  connection_->send(net::encode_control(net::SeedRequestMessage{stream, 1}));
  connection_->send(net::encode_control(net::SeedRequestMessage{stream, 1}));
  ASSERT_TRUE(read_until([&] { return current_seed_again_.has_value(); }, 5s))
      << "the current seed was not sent";
  EXPECT_TRUE(*current_seed_again_) << "the seed sent is not the current epoch's";
  ASSERT_TRUE(
      read_until([&] { return number(sender_->stats_json(), "seed_requests_ignored") >= 1; }, 5s));
  read_until([] { return false; }, 300ms);
  EXPECT_EQ((seeds_[{stream, joined_at_.first}]), 1) << "answered once";
  for (const auto& [key, count] : seeds_) {
    EXPECT_LE(key.second, joined_at_.first + 1) << "only the current seed and the next";
  }
  QJsonObject stats = sender_->stats_json();
  EXPECT_EQ(number(stats, "seed_requests_answered"), 1);
  EXPECT_EQ(number(stats, "seed_requests_ignored"), 1);

  // A stream that is not the sender's: not answered.
  const auto before = seeds_;
  connection_->send(net::encode_control(net::SeedRequestMessage{0x7777, 1}));
  ASSERT_TRUE(
      read_until([&] { return number(sender_->stats_json(), "seed_requests_ignored") >= 2; }, 5s));
  read_until([] { return false; }, 300ms);
  EXPECT_EQ(number(sender_->stats_json(), "seed_requests_answered"), 1);
  EXPECT_EQ(seeds_, before);
}

}  // namespace
}  // namespace agentcast::app
