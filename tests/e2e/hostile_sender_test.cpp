// A real `agentcast view` against a sender that ships it a bad agent. The fake sender has a
// genuine identity and TLS certificate (so the call code's pin holds) and speaks the
// control protocol, but offers one broken bundle per test: each must be refused with the
// reason on the viewer's standard error, exit status 6, a `bye` that says why, and
// nothing loaded or cached.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "agentcast/agent/bundle.h"
#include "agentcast/crypto/identity.h"
#include "agentcast/crypto/join_proof.h"
#include "agentcast/net/call_code.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/tls_channel.h"
#include "support/process.h"

namespace agentcast::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Buffer = std::vector<std::uint8_t>;

Buffer read_binary(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Buffer((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

agent::BundleManifest manifest() {
  agent::BundleManifest m;
  m.name = "agentcast-agent-full";
  m.version = "1";
  m.units = {crypto::UnitId::kAes256Gcm};
  return m;
}

struct Outcome {
  int exit_code = -1;
  std::string viewer_stderr;
  std::string bye;  // what the viewer told the fake sender
  std::vector<std::string> cached_files;
};

// What the fake sender does after the viewer's hello.
using Script = std::function<void(net::TlsConnection&)>;

void offer(net::TlsConnection& connection, const Buffer& bundle, std::uint64_t announced_size = 0) {
  connection.send(net::encode_control(net::AgentOfferMessage{
      "full", agent::content_hash(bundle), announced_size != 0 ? announced_size : bundle.size()}));
  for (std::size_t at = 0; at < bundle.size(); at += net::kAgentChunkSize) {
    const std::size_t n = std::min(net::kAgentChunkSize, bundle.size() - at);
    connection.send(net::encode_control(
        net::AgentChunkMessage{at, Buffer(bundle.begin() + static_cast<std::ptrdiff_t>(at),
                                          bundle.begin() + static_cast<std::ptrdiff_t>(at + n))}));
  }
}

class HostileSender : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::string(AGENTCAST_TEST_OUTPUT_DIR) + "/e2e-hostile-" + info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  Buffer plugin() const {
    return read_binary(std::string(AGENTCAST_TEST_AGENT_DIR) + "/agentcast-agent-full.so");
  }

  Outcome run(const Script& script) {
    net::TlsServer server(identity_, net::Endpoint::resolve("127.0.0.1:0"));
    const net::CallCode code{"127.0.0.1", server.local_endpoint().port(), identity_.fingerprint(),
                             crypto::random_join_secret()};
    ChildProcess viewer({AGENTCAST_BINARY, "view", code.to_string(), "--headless", "--audio-out",
                         "none", "--duration", "20", "--agent-cache", dir_ + "/cache"},
                        dir_ + "/viewer.out", dir_ + "/viewer.err");
    Outcome outcome;
    std::unique_ptr<net::TlsConnection> connection;
    for (int attempt = 0; attempt < 100 && !connection; ++attempt) {
      connection = server.accept(100ms);
    }
    EXPECT_TRUE(connection) << "the viewer did not connect";
    if (connection) {
      const auto hello = connection->receive(5s);
      EXPECT_TRUE(hello) << "no hello";
      script(*connection);
      // The viewer's answer: a bye with its reason (or the connection closing).
      try {
        for (int i = 0; i < 50; ++i) {
          const auto message = connection->receive(100ms);
          if (!message) continue;
          auto decoded = net::decode_control(*message);
          if (decoded.message) {
            if (const auto* bye = std::get_if<net::ByeMessage>(&*decoded.message)) {
              outcome.bye = bye->reason;
              break;
            }
          }
        }
      } catch (const net::ControlError&) {
      }
    }
    outcome.exit_code = viewer.wait_for(20s).value_or(-1);
    outcome.viewer_stderr = read_file(dir_ + "/viewer.err");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_ + "/cache", ec)) {
      outcome.cached_files.push_back(entry.path().filename().string());
    }
    return outcome;
  }

  // The refusal a user sees: status 6, the reason on stderr, the sender told, nothing kept.
  void expect_refused(const Outcome& outcome, const std::string& reason) {
    EXPECT_EQ(outcome.exit_code, 6) << outcome.viewer_stderr;
    EXPECT_NE(outcome.viewer_stderr.find(reason), std::string::npos) << outcome.viewer_stderr;
    EXPECT_NE(outcome.bye.find("refused the agent"), std::string::npos) << outcome.bye;
    EXPECT_TRUE(outcome.cached_files.empty())
        << "left in the cache: " << (outcome.cached_files.empty() ? "" : outcome.cached_files[0]);
  }

  crypto::Identity identity_ = crypto::Identity::generate();
  std::string dir_;
};

TEST_F(HostileSender, UnknownSignerIsRefused) {
  const crypto::Identity stranger = crypto::Identity::generate();
  const Buffer bundle = agent::pack_bundle(manifest(), plugin(), stranger);
  expect_refused(run([&](net::TlsConnection& c) { offer(c, bundle); }),
                 "not by the trusted signer " + crypto::to_hex(identity_.fingerprint()));
}

TEST_F(HostileSender, BrokenSignatureIsRefused) {
  Buffer bundle = agent::pack_bundle(manifest(), plugin(), identity_);
  const auto parsed = std::get<agent::ParsedBundle>(agent::parse_bundle(bundle));
  auto at =
      std::search(bundle.begin(), bundle.end(), parsed.signature.begin(), parsed.signature.end());
  ASSERT_NE(at, bundle.end());
  at[10] ^= 0x04;
  expect_refused(run([&](net::TlsConnection& c) { offer(c, bundle); }),
                 "the signature does not verify");
}

TEST_F(HostileSender, TamperedBinaryIsRefused) {
  Buffer bundle = agent::pack_bundle(manifest(), plugin(), identity_);
  bundle[bundle.size() - 4096] ^= 0x01;
  expect_refused(run([&](net::TlsConnection& c) { offer(c, bundle); }), "tampered");
}

TEST_F(HostileSender, AnotherPlatformOrAbiIsRefused) {
  agent::BundleManifest other_platform = manifest();
  other_platform.platform = "aarch64-apple-darwin";
  const Buffer wrong_platform = agent::pack_bundle(other_platform, plugin(), identity_);
  expect_refused(run([&](net::TlsConnection& c) { offer(c, wrong_platform); }),
                 "built for aarch64-apple-darwin");
  fs::remove_all(dir_ + "/cache");
  agent::BundleManifest other_abi = manifest();
  other_abi.abi = agent::kAgentAbiVersion + 1;
  const Buffer wrong_abi = agent::pack_bundle(other_abi, plugin(), identity_);
  expect_refused(run([&](net::TlsConnection& c) { offer(c, wrong_abi); }), "ABI version");
}

TEST_F(HostileSender, TruncatedAndOversizedBundlesAreRefused) {
  const Buffer bundle = agent::pack_bundle(manifest(), plugin(), identity_);
  const Buffer cut(bundle.begin(), bundle.begin() + static_cast<std::ptrdiff_t>(bundle.size() / 2));
  expect_refused(run([&](net::TlsConnection& c) { offer(c, cut); }), "truncated");
  // Announced beyond the viewer's limit (16 MiB by default): refused before any byte.
  expect_refused(run([&](net::TlsConnection& c) {
                   c.send(net::encode_control(net::AgentOfferMessage{
                       "full", agent::content_hash(bundle), std::uint64_t{1} << 30}));
                 }),
                 "more than the limit");
}

TEST_F(HostileSender, AnAgentThatFailsToInitialiseIsRefused) {
  const Buffer broken =
      read_binary(std::string(AGENTCAST_TEST_BROKEN_AGENT_DIR) + "/broken_agent_fails_init.so");
  ASSERT_FALSE(broken.empty());
  const Buffer bundle = agent::pack_bundle(manifest(), broken, identity_);
  expect_refused(run([&](net::TlsConnection& c) { offer(c, bundle); }),
                 "the agent failed to initialise");
}

TEST_F(HostileSender, AMessageThatDoesNotParseIsRefused) {
  expect_refused(run([&](net::TlsConnection& c) {
                   const Buffer garbage = {0xa1, 0x64, 't', 'y', 'p', 'e', 0x1b};  // cut CBOR
                   c.send(garbage);
                 }),
                 "did not parse");
}

}  // namespace
}  // namespace agentcast::test
