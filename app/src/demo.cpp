#include "demo.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>

#include "agentcast/agent/agent_loader.h"
#include "agentcast/agent/agent_session.h"
#include "agentcast/agent/agent_shelf.h"
#include "options.h"

namespace agentcast::app {
namespace {

struct DemoSettings {
  std::uint64_t packets;
  double loss;
  std::uint64_t reorder_depth;
  double duplicate;
  double tamper;
  std::uint64_t epoch_packets;
  net::SeedMode seeds;
  net::SelectMode select;
  bool reference_units;
  std::string agent_dir, agent_cache;
};

DemoSettings read_settings(const std::vector<std::string>& args) {
  const Options options(args,
                        {"--packets", "--loss", "--reorder", "--duplicate", "--tamper",
                         "--epoch-packets", "--seeds", "--select", "--agent-dir", "--agent-cache"},
                        {"--insecure-reference-units"});
  DemoSettings s{};
  s.packets = options.number("--packets", 100'000, 1, 100'000'000);
  s.loss = options.percent("--loss", 20);
  s.reorder_depth = options.number("--reorder", 64, 1, 1024);
  s.duplicate = options.percent("--duplicate", 1);
  s.tamper = options.percent("--tamper", 1);
  s.epoch_packets = options.number("--epoch-packets", 15'000, 1, crypto::kMaxSequence);
  const std::string seeds = options.value("--seeds").value_or("synchronized");
  if (seeds == "synchronized") {
    s.seeds = net::SeedMode::kSynchronized;
  } else if (seeds == "distributed") {
    s.seeds = net::SeedMode::kDistributed;
  } else {
    throw std::invalid_argument("--seeds must be synchronized or distributed, not '" + seeds + "'");
  }
  const std::string select = options.value("--select").value_or("synchronized");
  if (select == "synchronized") {
    s.select = net::SelectMode::kSynchronized;
  } else if (select == "instructed") {
    s.select = net::SelectMode::kInstructed;
  } else {
    throw std::invalid_argument("--select must be synchronized or instructed, not '" + select +
                                "'");
  }
  s.reference_units = options.flag("--insecure-reference-units");
  s.agent_dir = options.value("--agent-dir").value_or("");
  s.agent_cache = options.value("--agent-cache").value_or("");
  return s;
}

// The payload of packet `n`: recognisable text, so the receiver can check every byte.
std::string payload_for(std::uint64_t n) {
  return "frame fragment #" + std::to_string(n) + " of the AgentCast demo stream";
}

struct Tally {
  std::uint64_t lost = 0, delivered = 0, duplicated = 0, tampered = 0, wrong_plaintext = 0;
};

// Both agents come through the verified loader, as in a call: the full one is the sender's
// resident agent, the receive-only one what a broadcast viewer would be shipped. The demo
// signs them with a throwaway identity.
agent::LoadedAgent load(const agent::AgentShelf& shelf, agent::AgentKind kind,
                        const crypto::Identity& signer, const agent::AgentCache& cache) {
  agent::LoadPolicy policy;
  policy.trusted_signer = signer.fingerprint();
  policy.kind = kind;
  agent::LoadOutcome outcome = agent::load_agent(shelf.get(kind).bundle, policy, cache);
  if (!outcome.agent) throw std::runtime_error("the agent was refused: " + outcome.reason);
  return std::move(*outcome.agent);
}

}  // namespace

int run_demo(const std::vector<std::string>& args) {
  const DemoSettings settings = read_settings(args);
  agent::SessionParams params = agent::SessionParams::generate(settings.reference_units);
  params.seed_mode = settings.seeds;
  params.select_mode = settings.select;
  params.packets_per_epoch = settings.epoch_packets;
  const crypto::Identity signer = crypto::Identity::generate();
  const agent::AgentShelf shelf(signer, agent::find_agent_directory(settings.agent_dir));
  const agent::AgentCache cache(
      settings.agent_cache.empty() ? agent::AgentCache::default_directory() : settings.agent_cache);
  const agent::LoadedAgent full = load(shelf, agent::AgentKind::kFull, signer, cache);
  const agent::LoadedAgent receive_only =
      load(shelf, agent::AgentKind::kReceiveOnly, signer, cache);
  constexpr std::uint16_t kStream = 1;
  agent::AgentSession sender(full.library, params, agent::Role::kSender);
  agent::AgentSession receiver(receive_only.library, params, agent::Role::kViewer);
  sender.add_outgoing(kStream, net::MediaKind::kVideo);
  receiver.add_incoming(kStream, net::MediaKind::kVideo);

  std::printf("AgentCast demo: two loaded agents, one session, an in-memory channel\n");
  std::printf("agents: %s (%s, %zu bytes) and %s (%s, %zu bytes), verified and loaded\n",
              full.manifest.name.c_str(), full.content_hash.substr(0, 12).c_str(), full.bundle_size,
              receive_only.manifest.name.c_str(), receive_only.content_hash.substr(0, 12).c_str(),
              receive_only.bundle_size);
  if (settings.reference_units) {
    std::printf(
        "WARNING: the patent's LFSR reference units are enabled. They are INSECURE and "
        "exist only for study.\n");
  }
  std::printf("units:");
  for (crypto::UnitId id : params.units.units) {
    std::printf(" %s", std::string(crypto::unit_name(id)).c_str());
  }
  std::printf("\nselection: %s\n", settings.select == net::SelectMode::kSynchronized
                                       ? "synchronized (Fig. 6)"
                                       : "instructed by the sender (Fig. 5)");
  std::printf("seeds: %s, new epoch every %llu packets\n",
              settings.seeds == net::SeedMode::kSynchronized ? "synchronized (Fig. 17)"
                                                             : "distributed (Fig. 15)",
              static_cast<unsigned long long>(settings.epoch_packets));
  std::printf("channel: %.1f%% loss, reordering %llu deep, %.1f%% duplicated, %.1f%% tampered\n\n",
              settings.loss * 100, static_cast<unsigned long long>(settings.reorder_depth),
              settings.duplicate * 100, settings.tamper * 100);

  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> chance(0.0, 1.0);
  std::uniform_int_distribution<std::size_t> slot(0, settings.reorder_depth - 1);
  // Each arriving packet takes a random slot of the reorder window and pushes out the
  // packet that held it: packets leave up to `reorder_depth` places out of order.
  std::vector<std::vector<std::uint8_t>> window(settings.reorder_depth);
  Tally tally;
  std::vector<std::uint8_t> plaintext(params.mtu);
  std::optional<std::uint64_t> instructed_through;  // the last block posted
  std::uint64_t instruction_messages = 0;
  // Distributed seeds: the seed drawn for the sender's next epoch, and the receiver's
  // requests for a seed it lacks (answered as the sender does: current and next seed).
  std::optional<std::pair<std::uint32_t, crypto::Secret>> next_seed;
  std::uint64_t seeds_asked_again = 0, last_asked_at = 0;
  constexpr std::uint64_t kAskAgainEvery = 50;  // packets: the demo's half second

  auto deliver = [&](const std::vector<std::uint8_t>& packet) {
    const net::OpenResult result = receiver.open(packet, plaintext);
    if (result.status != net::OpenStatus::kOk) return;
    const std::string expected = payload_for(result.header.sequence);
    if (result.size != expected.size() ||
        !std::equal(expected.begin(), expected.end(), plaintext.begin())) {
      ++tally.wrong_plaintext;
    }
  };

  std::vector<std::uint8_t> packet(params.mtu);
  for (std::uint64_t n = 0; n < settings.packets; ++n) {
    if (const auto owed = sender.epoch_needing_seed(kStream)) {
      // The sender's seed generating section hands out the next epoch's seed ahead of use.
      const crypto::Secret seed = crypto::Secret::random(crypto::kSeedSize);
      sender.set_next_seed(kStream, *owed, seed);
      receiver.provide_seed(kStream, *owed, seed);
      next_seed.emplace(*owed, seed);
    }
    if (receiver.missing_seed(kStream) && n >= last_asked_at + kAskAgainEvery) {
      // The receiver fell so far behind that it refused a seed: it asks again.
      last_asked_at = n;
      ++seeds_asked_again;
      const agent::StreamJoinState now = sender.join_state(kStream);
      receiver.provide_seed(kStream, now.epoch, now.seed);
      if (next_seed && next_seed->first == now.epoch + 1) {
        receiver.provide_seed(kStream, next_seed->first, next_seed->second);
      }
    }
    if (settings.select == net::SelectMode::kInstructed) {
      // The sender's selection control posts the next block's units before it starts this one.
      const std::uint64_t due = n / crypto::kScheduleBlockPackets + 1;
      for (std::uint64_t block = instructed_through ? *instructed_through + 1 : 0; block <= due;
           ++block) {
        receiver.provide_instructions(kStream, block, sender.instructions(kStream, block));
        ++instruction_messages;
        instructed_through = block;
      }
    }
    const std::string payload = payload_for(n);
    const net::SealResult sealed = sender.seal(
        kStream,
        crypto::Bytes(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()),
        packet);
    if (sealed.status != net::SealStatus::kOk) {
      std::fprintf(stderr, "seal failed: %s\n", std::string(to_string(sealed.status)).c_str());
      return 1;
    }
    std::vector<std::uint8_t> wire(packet.begin(), packet.begin() + static_cast<long>(sealed.size));
    if (chance(rng) < settings.loss) {
      ++tally.lost;
      continue;
    }
    if (chance(rng) < settings.tamper) {
      auto forged = wire;
      forged[net::kHeaderSize + n % (forged.size() - net::kHeaderSize)] ^= 0x20;
      ++tally.tampered;
      deliver(forged);
    }
    std::swap(window[slot(rng)], wire);
    if (wire.empty()) continue;
    ++tally.delivered;
    deliver(wire);
    if (chance(rng) < settings.duplicate) {
      ++tally.duplicated;
      deliver(wire);
    }
  }
  for (const auto& held : window) {
    if (held.empty()) continue;
    ++tally.delivered;
    deliver(held);
  }

  const agent::AgentStats sender_stats = sender.stats();
  const agent::AgentStats receiver_stats = receiver.stats();
  const net::SendingStats& sent = sender_stats.sending.at(kStream);
  const net::ReceivingStats& got = receiver_stats.receiving.at(kStream);
  std::uint64_t other_rejections = 0;
  for (std::size_t s = 0; s < net::kOpenStatusCount; ++s) {
    const auto status = static_cast<net::OpenStatus>(s);
    if (status != net::OpenStatus::kOk && status != net::OpenStatus::kReplay &&
        status != net::OpenStatus::kForged) {
      other_rejections += got.count(status);
    }
  }
  auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("sender:   %llu packets sealed, %llu unit switches, %llu epoch changes\n",
              u(sent.packets_sealed), u(sent.unit_switches), u(sent.epochs));
  std::printf("channel:  %llu lost, %llu delivered, %llu duplicated, %llu tampered copies\n",
              u(tally.lost), u(tally.delivered), u(tally.duplicated), u(tally.tampered));
  std::printf(
      "receiver: %llu accepted (%llu out of order), %llu replays and %llu forgeries "
      "rejected, %llu other rejections\n",
      u(got.accepted()), u(got.packets_reordered), u(got.count(net::OpenStatus::kReplay)),
      u(got.count(net::OpenStatus::kForged)), u(other_rejections));
  std::printf("          followed %llu unit switches and %llu epoch changes\n",
              u(got.unit_switches), u(got.epochs));
  if (settings.select == net::SelectMode::kInstructed) {
    std::printf("          from %llu instruction blocks posted by the sender\n",
                u(instruction_messages));
  }
  if (settings.seeds == net::SeedMode::kDistributed) {
    std::printf("          %llu packets of epochs whose seed it lacked; asked again %llu times\n",
                u(got.count(net::OpenStatus::kUnknownEpoch)), u(seeds_asked_again));
  }
  const bool in_sync = tally.wrong_plaintext == 0 && got.accepted() == tally.delivered &&
                       got.count(net::OpenStatus::kForged) == tally.tampered &&
                       other_rejections == 0;
  std::printf("\n%s\n", in_sync ? "in sync: every delivered packet opened to exactly what was "
                                  "sent; every replay and forgery was refused"
                                : "OUT OF SYNC: see the counts above");
  return in_sync ? 0 : 1;
}

}  // namespace agentcast::app
