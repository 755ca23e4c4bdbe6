// The verified loader and the agent plugins behind the C ABI: what a viewer does with a
// bundle that arrives, and every reason it refuses one, with nothing loaded.

#include "agentcast/agent/agent_loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "agentcast/agent/agent_session.h"
#include "agentcast/agent/agent_shelf.h"

namespace agentcast::agent {
namespace {

namespace fs = std::filesystem;
using Buffer = std::vector<std::uint8_t>;

Buffer read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Buffer((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool mapped_into_this_process(const std::string& path_part) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(path_part) != std::string::npos) return true;
  }
  return false;
}

class AgentLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    cache_dir_ = fs::temp_directory_path() /
                 ("agentcast-cache-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(cache_dir_);
    cache_ = std::make_unique<AgentCache>(cache_dir_.string());
  }
  void TearDown() override { fs::remove_all(cache_dir_); }

  BundleManifest manifest(AgentKind kind) const {
    BundleManifest m;
    m.name = "test-agent";
    m.version = "1";
    m.kind = kind;
    m.capabilities = capabilities_of(kind);
    m.units = {crypto::UnitId::kAes256Gcm};
    return m;
  }
  Buffer plugin(AgentKind kind) const {
    return read_file(std::string(AGENTCAST_TEST_AGENT_DIR) + "/" + plugin_file_name(kind));
  }
  Buffer broken(const std::string& name) const {
    return read_file(std::string(AGENTCAST_TEST_BROKEN_AGENT_DIR) + "/broken_agent_" + name +
                     ".so");
  }
  LoadPolicy policy(std::optional<AgentKind> kind = std::nullopt) const {
    LoadPolicy p;
    p.trusted_signer = signer_.fingerprint();
    p.kind = kind;
    return p;
  }
  // The real agent of `kind`, packed, signed and loaded as a viewer loads what it is shipped.
  LoadOutcome load_shipped(AgentKind kind) const {
    return load_agent(pack_bundle(manifest(kind), plugin(kind), signer_), policy(kind), *cache_);
  }
  // The refusal, checked to have left nothing loaded and nothing cached.
  LoadOutcome refused(const Buffer& bundle, const LoadPolicy& p) const {
    LoadOutcome outcome = load_agent(bundle, p, *cache_);
    EXPECT_FALSE(outcome.agent.has_value());
    EXPECT_FALSE(outcome.reason.empty());
    EXPECT_TRUE(cache_->hashes().empty()) << "a refused bundle stays out of the cache";
    EXPECT_FALSE(mapped_into_this_process(cache_dir_.string())) << "a refused agent is unloaded";
    return outcome;
  }

  crypto::Identity signer_ = crypto::Identity::generate();
  fs::path cache_dir_;
  std::unique_ptr<AgentCache> cache_;
};

TEST_F(AgentLoader, LoadsTheFullAgentAndEveryByteGoesThroughIt) {
  const Buffer bundle = pack_bundle(manifest(AgentKind::kFull), plugin(AgentKind::kFull), signer_);
  const LoadOutcome outcome = load_agent(bundle, policy(AgentKind::kFull), *cache_);
  ASSERT_TRUE(outcome.agent) << outcome.reason;
  EXPECT_EQ(outcome.agent->content_hash, content_hash(bundle));
  EXPECT_EQ(outcome.agent->library->kind(), AgentKind::kFull);
  EXPECT_EQ(outcome.agent->library->name(), "agentcast-agent-full");
  EXPECT_TRUE(mapped_into_this_process(cache_dir_.string()));

  const SessionParams params = SessionParams::generate();
  AgentSession sender(outcome.agent->library, params, Role::kSender);
  AgentSession viewer(outcome.agent->library, params, Role::kViewer);
  sender.add_outgoing(1, net::MediaKind::kVideo);
  viewer.add_incoming(1, net::MediaKind::kVideo);
  const Buffer payload = {1, 2, 3, 4, 5};
  Buffer packet(sender.mtu()), opened(sender.mtu());
  for (int i = 0; i < 200; ++i) {
    const net::SealResult sealed = sender.seal(1, payload, packet);
    ASSERT_EQ(sealed.status, net::SealStatus::kOk);
    EXPECT_EQ(sealed.size, payload.size() + net::kPacketOverhead);
    const net::OpenResult result = viewer.open(crypto::Bytes(packet.data(), sealed.size), opened);
    ASSERT_EQ(result.status, net::OpenStatus::kOk);
    EXPECT_EQ(result.header.sequence, static_cast<std::uint64_t>(i));
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), opened.begin()));
  }
  // Taken before the forged packet: if sealing it switches units, the viewer never sees that.
  const std::uint64_t switches_before_forgery = sender.stats().sending.at(1).unit_switches;
  const net::SealResult next = sender.seal(1, payload, packet);
  packet[net::kHeaderSize] ^= 1;  // forged on the way
  EXPECT_EQ(viewer.open(crypto::Bytes(packet.data(), next.size), opened).status,
            net::OpenStatus::kForged);
  const AgentStats sent = sender.stats(), got = viewer.stats();
  EXPECT_EQ(sent.sending.at(1).packets_sealed, 201u);
  EXPECT_EQ(got.receiving.at(1).accepted(), 200u);
  EXPECT_EQ(got.receiving.at(1).count(net::OpenStatus::kForged), 1u);
  EXPECT_EQ(switches_before_forgery, got.receiving.at(1).unit_switches);
}

// A broadcast viewer joining late takes the join state the sender's agent gives (epoch,
// seed, next sequence number). Someone who recorded the packets sent before (to the
// viewers already watching) replays them to it: its shipped receive-only agent refuses
// every one as sealed before its join, and opens what follows.
TEST_F(AgentLoader, ALateJoinersAgentRefusesReplaysOfWhatWasSealedBeforeItsJoin) {
  const LoadOutcome full = load_shipped(AgentKind::kFull);
  const LoadOutcome receive_only = load_shipped(AgentKind::kReceiveOnly);
  ASSERT_TRUE(full.agent && receive_only.agent);
  SessionParams params = SessionParams::generate();
  params.packets_per_epoch = 64;
  AgentSession sender(full.agent->library, params, Role::kSender);
  sender.add_outgoing(1, net::MediaKind::kVideo);
  const Buffer payload = {7, 7, 7};
  Buffer packet(sender.mtu()), opened(sender.mtu());
  std::vector<Buffer> recorded;
  for (int i = 0; i < 300; ++i) {  // into epoch 4
    const net::SealResult sealed = sender.seal(1, payload, packet);
    ASSERT_EQ(sealed.status, net::SealStatus::kOk);
    recorded.emplace_back(packet.begin(), packet.begin() + static_cast<long>(sealed.size));
  }
  const StreamJoinState state = sender.join_state(1);
  EXPECT_EQ(state.first_sequence, 300U);
  AgentSession joiner(receive_only.agent->library, params, Role::kViewer);
  joiner.add_incoming(1, net::MediaKind::kVideo, &state);
  for (const Buffer& old : recorded) {
    const net::OpenResult replayed = joiner.open(old, opened);
    EXPECT_EQ(replayed.status, net::OpenStatus::kBeforeStart)
        << "packet " << replayed.header.sequence << ": " << net::to_string(replayed.status);
  }
  for (int i = 0; i < 100; ++i) {
    const net::SealResult sealed = sender.seal(1, payload, packet);
    ASSERT_EQ(joiner.open(crypto::Bytes(packet.data(), sealed.size), opened).status,
              net::OpenStatus::kOk);
  }
  const net::ReceivingStats got = joiner.stats().receiving.at(1);
  EXPECT_EQ(got.accepted(), 100U);
  EXPECT_EQ(got.count(net::OpenStatus::kBeforeStart), 300U);
}

// Origin authentication through the shipped agents: the sender's full agent seals a
// broadcast packet once and tags each viewer's copy under that viewer's origin key (from
// the seed of its own session message); each receive-only agent opens its own copy only,
// and a viewer's agent with every key of the call still cannot forge for another.
TEST_F(AgentLoader, EachViewersAgentAcceptsOnlyTheCopyTaggedForItByTheSender) {
  const LoadOutcome full = load_shipped(AgentKind::kFull);
  const LoadOutcome receive_only = load_shipped(AgentKind::kReceiveOnly);
  ASSERT_TRUE(full.agent && receive_only.agent);
  SessionParams params = SessionParams::generate();
  params.origin_tags = true;
  AgentSession sender(full.agent->library, params, Role::kSender);
  sender.add_outgoing(1, net::MediaKind::kVideo);
  EXPECT_TRUE(sender.origin_tagged());
  EXPECT_EQ(sender.max_payload(), params.mtu - net::kPacketOverhead - AGENTCAST_ORIGIN_TAG_SIZE);
  const StreamJoinState start = sender.join_state(1);

  // Each viewer's session message carries its own initial seed.
  auto viewer_params = [&](const crypto::Secret& seed) {
    SessionParams own = params;
    own.initial_seed = seed;
    return own;
  };
  const crypto::Secret alice_seed = crypto::Secret::random(crypto::kSeedSize);
  const crypto::Secret bob_seed = crypto::Secret::random(crypto::kSeedSize);
  ASSERT_TRUE(sender.add_origin_key(0, alice_seed));
  ASSERT_TRUE(sender.add_origin_key(1, bob_seed));
  AgentSession alice(receive_only.agent->library, viewer_params(alice_seed), Role::kViewer);
  AgentSession bob(receive_only.agent->library, viewer_params(bob_seed), Role::kViewer);
  alice.add_incoming(1, net::MediaKind::kVideo, &start);
  bob.add_incoming(1, net::MediaKind::kVideo, &start);

  const Buffer payload(sender.max_payload(), 7);
  Buffer packet(sender.mtu()), opened(sender.mtu());
  for (int i = 0; i < 10; ++i) {
    const net::SealResult sealed = sender.seal(1, payload, packet);
    ASSERT_EQ(sealed.status, net::SealStatus::kOk);
    const std::size_t to_alice = sender.tag_for_viewer(0, packet, sealed.size);
    ASSERT_EQ(to_alice, sealed.size + AGENTCAST_ORIGIN_TAG_SIZE);
    EXPECT_LE(to_alice, sender.mtu());
    EXPECT_EQ(bob.open(crypto::Bytes(packet.data(), to_alice), opened).status,
              net::OpenStatus::kWrongOrigin);
    EXPECT_EQ(alice.open(crypto::Bytes(packet.data(), to_alice), opened).status,
              net::OpenStatus::kOk);
    const std::size_t to_bob = sender.tag_for_viewer(1, packet, sealed.size);
    EXPECT_EQ(bob.open(crypto::Bytes(packet.data(), to_bob), opened).status, net::OpenStatus::kOk);
  }
  // A viewer that left has no key any more: nothing is tagged for it.
  sender.remove_origin_key(1);
  const net::SealResult sealed = sender.seal(1, payload, packet);
  EXPECT_EQ(sender.tag_for_viewer(1, packet, sealed.size), 0U);
  EXPECT_EQ(sender.tag_for_viewer(7, packet, sealed.size), 0U);

  // Bob, an insider: it holds the stream's seed (its join state) and its own origin key,
  // and seals with a sender-role agent of its own, as the sender would.
  AgentSession forger(full.agent->library, viewer_params(start.seed), Role::kSender);
  forger.add_outgoing(1, net::MediaKind::kVideo);
  ASSERT_TRUE(forger.add_origin_key(0, bob_seed));
  for (int i = 0; i < 11; ++i)  // the numbers the sender used: its forgeries come next
    ASSERT_EQ(forger.seal(1, payload, packet).status, net::SealStatus::kOk);
  for (int i = 0; i < 20; ++i) {
    const net::SealResult forged = forger.seal(1, payload, packet);
    const std::size_t tagged = forger.tag_for_viewer(0, packet, forged.size);
    EXPECT_EQ(alice.open(crypto::Bytes(packet.data(), tagged), opened).status,
              net::OpenStatus::kWrongOrigin);
  }
  EXPECT_EQ(alice.stats().receiving.at(1).count(net::OpenStatus::kWrongOrigin), 20U);
  EXPECT_EQ(alice.stats().receiving.at(1).accepted(), 10U);
}

TEST_F(AgentLoader, TheReceiveOnlyAgentCannotSend) {
  const Buffer bundle =
      pack_bundle(manifest(AgentKind::kReceiveOnly), plugin(AgentKind::kReceiveOnly), signer_);
  const LoadOutcome outcome = load_agent(bundle, policy(AgentKind::kReceiveOnly), *cache_);
  ASSERT_TRUE(outcome.agent) << outcome.reason;
  EXPECT_FALSE(outcome.agent->library->can_send());
  AgentSession viewer(outcome.agent->library, SessionParams::generate(), Role::kViewer);
  try {
    viewer.add_outgoing(0x100, net::MediaKind::kControl);
    FAIL() << "a receive-only agent added an outgoing stream";
  } catch (const AgentError& e) {
    EXPECT_NE(std::string(e.what()).find("receive-only agent: it has no sending section"),
              std::string::npos)
        << e.what();
  }
  Buffer packet(1200);
  EXPECT_EQ(viewer.seal(0x100, Buffer{1}, packet).status, net::SealStatus::kUnknownStream);
  EXPECT_THROW(viewer.join_state(1), AgentError);
}

TEST_F(AgentLoader, RefusesABundleFromAnotherSigner) {
  const crypto::Identity stranger = crypto::Identity::generate();
  const Buffer bundle = pack_bundle(manifest(AgentKind::kFull), plugin(AgentKind::kFull), stranger);
  const LoadOutcome outcome = refused(bundle, policy());
  EXPECT_EQ(outcome.bundle_error, BundleError::kUnknownSigner);
  EXPECT_NE(outcome.reason.find(crypto::to_hex(signer_.fingerprint())), std::string::npos);
}

TEST_F(AgentLoader, RefusesABrokenSignature) {
  Buffer bundle = pack_bundle(manifest(AgentKind::kFull), plugin(AgentKind::kFull), signer_);
  const auto parsed = std::get<ParsedBundle>(parse_bundle(bundle));
  const auto at =
      std::search(bundle.begin(), bundle.end(), parsed.signature.begin(), parsed.signature.end());
  ASSERT_NE(at, bundle.end());
  at[5] ^= 0x01;
  EXPECT_EQ(refused(bundle, policy()).bundle_error, BundleError::kBadSignature);
}

TEST_F(AgentLoader, RefusesATamperedBinary) {
  Buffer bundle = pack_bundle(manifest(AgentKind::kFull), plugin(AgentKind::kFull), signer_);
  bundle[bundle.size() - 100] ^= 0x01;
  EXPECT_EQ(refused(bundle, policy()).bundle_error, BundleError::kTamperedBinary);
}

TEST_F(AgentLoader, RefusesAnotherPlatformOrAbi) {
  BundleManifest m = manifest(AgentKind::kFull);
  m.platform = "aarch64-apple-darwin";
  EXPECT_EQ(refused(pack_bundle(m, plugin(AgentKind::kFull), signer_), policy()).bundle_error,
            BundleError::kWrongPlatform);
  m = manifest(AgentKind::kFull);
  m.abi = kAgentAbiVersion + 1;
  EXPECT_EQ(refused(pack_bundle(m, plugin(AgentKind::kFull), signer_), policy()).bundle_error,
            BundleError::kWrongAbi);
}

TEST_F(AgentLoader, RefusesTruncatedAndOversizedBundles) {
  const Buffer bundle = pack_bundle(manifest(AgentKind::kFull), plugin(AgentKind::kFull), signer_);
  for (std::size_t keep : {std::size_t{0}, std::size_t{5}, std::size_t{200}, bundle.size() - 1}) {
    const Buffer cut(bundle.begin(), bundle.begin() + static_cast<std::ptrdiff_t>(keep));
    EXPECT_EQ(refused(cut, policy()).bundle_error, BundleError::kTruncated) << keep;
  }
  LoadPolicy small = policy();
  small.max_bundle_size = bundle.size() - 1;
  EXPECT_EQ(refused(bundle, small).bundle_error, BundleError::kOversized);
}

TEST_F(AgentLoader, RefusesTheWrongKind) {
  const Buffer bundle =
      pack_bundle(manifest(AgentKind::kReceiveOnly), plugin(AgentKind::kReceiveOnly), signer_);
  const LoadOutcome outcome = refused(bundle, policy(AgentKind::kFull));
  EXPECT_EQ(outcome.error, LoadError::kWrongKind);
  // A manifest that lies about its binary's kind is caught when the binary says otherwise.
  const Buffer liar =
      pack_bundle(manifest(AgentKind::kFull), plugin(AgentKind::kReceiveOnly), signer_);
  EXPECT_EQ(refused(liar, policy()).error, LoadError::kWrongKind);
}

TEST_F(AgentLoader, RefusesAgentsThatDoNotLoadOrInitialise) {
  const auto bundle_of = [&](const Buffer& binary) {
    return pack_bundle(manifest(AgentKind::kFull), binary, signer_);
  };
  const LoadOutcome not_elf = refused(bundle_of(Buffer(4096, 0x90)), policy());
  EXPECT_EQ(not_elf.error, LoadError::kNotLoadable);
  const LoadOutcome no_entry = refused(bundle_of(broken("no_entry")), policy());
  EXPECT_EQ(no_entry.error, LoadError::kNotLoadable);
  EXPECT_NE(no_entry.reason.find("no entry point"), std::string::npos) << no_entry.reason;
  const LoadOutcome abi = refused(bundle_of(broken("refuses_abi")), policy());
  EXPECT_NE(abi.reason.find("refused ABI version " + std::to_string(AGENTCAST_AGENT_ABI_VERSION)),
            std::string::npos)
      << abi.reason;
  const LoadOutcome init = refused(bundle_of(broken("fails_init")), policy());
  EXPECT_EQ(init.error, LoadError::kInitFailed);
  EXPECT_NE(init.reason.find("no cipher unit could be keyed"), std::string::npos) << init.reason;
  // A table with a function missing would crash the host when it calls it: refused at load.
  const LoadOutcome hole = refused(bundle_of(broken("table_with_hole")), policy());
  EXPECT_EQ(hole.error, LoadError::kNotLoadable);
  EXPECT_NE(hole.reason.find("function table is not ABI version"), std::string::npos)
      << hole.reason;
}

TEST_F(AgentLoader, TheCacheIsPrivateAndVerifiedAgainOnEveryLoad) {
  struct stat info {};
  ASSERT_EQ(::stat(cache_dir_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);

  const Buffer bundle = pack_bundle(manifest(AgentKind::kFull), plugin(AgentKind::kFull), signer_);
  const std::string hash = content_hash(bundle);
  ASSERT_TRUE(load_agent(bundle, policy(), *cache_).agent);
  EXPECT_EQ(cache_->hashes(), std::vector<std::string>{hash});
  const LoadOutcome again = load_cached_agent(hash, policy(), *cache_);
  ASSERT_TRUE(again.agent) << again.reason;
  EXPECT_EQ(again.agent->content_hash, hash);

  // Another sender's fingerprint does not accept what this sender signed, cached or not.
  LoadPolicy other = policy();
  other.trusted_signer = crypto::Identity::generate().fingerprint();
  EXPECT_EQ(load_cached_agent(hash, other, *cache_).bundle_error, BundleError::kUnknownSigner);

  // A damaged cache entry is refused, not loaded.
  {
    std::fstream file(cache_dir_ / (hash + ".bundle"),
                      std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(bundle.size() - 10));
    file.put('\x5a');
  }
  const LoadOutcome damaged = load_cached_agent(hash, policy(), *cache_);
  EXPECT_FALSE(damaged.agent);
  EXPECT_NE(damaged.reason.find("not in the cache"), std::string::npos) << damaged.reason;
}

}  // namespace
}  // namespace agentcast::agent
