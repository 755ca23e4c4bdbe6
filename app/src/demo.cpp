#include "demo.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <stdexcept>
#include <string>

#include "agentcast/agent/crypto_session.h"
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
  bool reference_units;
};

DemoSettings read_settings(const std::vector<std::string>& args) {
  const Options options(
      args,
      {"--packets", "--loss", "--reorder", "--duplicate", "--tamper", "--epoch-packets", "--seeds"},
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
  s.reference_units = options.flag("--insecure-reference-units");
  return s;
}

// The payload of packet `n`: recognisable text, so the receiver can check every byte.
std::string payload_for(std::uint64_t n) {
  return "frame fragment #" + std::to_string(n) + " of the AgentCast demo stream";
}

struct Tally {
  std::uint64_t lost = 0, delivered = 0, duplicated = 0, tampered = 0, wrong_plaintext = 0;
};

}  // namespace

int run_demo(const std::vector<std::string>& args) {
  const DemoSettings settings = read_settings(args);
  agent::SessionParams params = agent::SessionParams::generate(settings.reference_units);
  params.seed_mode = settings.seeds;
  params.packets_per_epoch = settings.epoch_packets;
  const agent::CryptoSession sender_agent(params);
  const agent::CryptoSession viewer_agent(params);  // in a call: the shipped agent
  constexpr auto kDirection = crypto::Direction::kSenderToViewer;
  auto sender = sender_agent.sending_section(kDirection, 1, net::MediaKind::kVideo);
  auto receiver = viewer_agent.receiving_section(kDirection, 1, net::MediaKind::kVideo);

  std::printf("AgentCast demo: two agents, one session, an in-memory channel\n");
  if (settings.reference_units) {
    std::printf(
        "WARNING: the patent's LFSR reference units are enabled. They are INSECURE and "
        "exist only for study.\n");
  }
  std::printf("units:");
  for (crypto::UnitId id : params.units.units) {
    std::printf(" %s", std::string(crypto::unit_name(id)).c_str());
  }
  std::printf("\nseeds: %s, new epoch every %llu packets\n",
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
  std::uint32_t seeds_announced = 0;

  auto deliver = [&](const std::vector<std::uint8_t>& packet) {
    const net::OpenResult result = receiver->open(packet, plaintext);
    if (result.status != net::OpenStatus::kOk) return;
    const std::string expected = payload_for(result.header.sequence);
    if (result.size != expected.size() ||
        !std::equal(expected.begin(), expected.end(), plaintext.begin())) {
      ++tally.wrong_plaintext;
    }
  };

  std::vector<std::uint8_t> packet(params.mtu);
  for (std::uint64_t n = 0; n < settings.packets; ++n) {
    if (settings.seeds == net::SeedMode::kDistributed && sender->epoch() + 1 > seeds_announced) {
      // The sender's seed generating section hands out the next epoch's seed ahead of use.
      seeds_announced = sender->epoch() + 1;
      const crypto::Secret seed = crypto::Secret::random(crypto::kSeedSize);
      sender->set_next_seed(seeds_announced, seed);
      receiver->provide_seed(seeds_announced, seed);
    }
    const std::string payload = payload_for(n);
    const net::SealResult sealed = sender->seal(
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

  const net::SendingStats& sent = sender->stats();
  const net::ReceivingStats& got = receiver->stats();
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
  const bool in_sync = tally.wrong_plaintext == 0 && got.accepted() == tally.delivered &&
                       got.count(net::OpenStatus::kForged) == tally.tampered &&
                       other_rejections == 0;
  std::printf("\n%s\n", in_sync ? "in sync: every delivered packet opened to exactly what was "
                                  "sent; every replay and forgery was refused"
                                : "OUT OF SYNC: see the counts above");
  return in_sync ? 0 : 1;
}

}  // namespace agentcast::app
