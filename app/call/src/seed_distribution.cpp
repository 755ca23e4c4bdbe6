#include "agentcast/call/seed_distribution.h"

#include <cstdio>
#include <utility>

namespace agentcast::app {

SeedDistributor::SeedDistributor(SessionAgent& agent, std::vector<std::uint16_t> streams)
    : agent_(agent), streams_(std::move(streams)) {}

// A stream may use its next epoch's seed only after packets_per_epoch more packets, so
// drawing it as soon as the previous one is taken puts it at every peer a whole epoch
// ahead of use.
void SeedDistributor::distribute(const Deliver& deliver) {
  if (agent_.params().seed_mode != net::SeedMode::kDistributed) return;
  for (const std::uint16_t stream : streams_) {
    // Only this thread hands out seeds, and a stream cannot change epoch without one, so
    // the epoch owed stays owed until set_next_seed() below.
    const std::optional<std::uint32_t> epoch = agent_.epoch_needing_seed(stream);
    if (!epoch) continue;
    net::SeedMessage seed{stream, *epoch, crypto::Secret::random(crypto::kSeedSize)};
    generated_.fetch_add(1, std::memory_order_relaxed);
    // The peers first: a stream already past its quota changes epoch on its next packet.
    deliver(seed);
    if (!agent_.set_next_seed(stream, seed.epoch, seed.seed)) {
      std::fprintf(stderr, "stream %u refused the seed of epoch %u\n", stream, seed.epoch);
      continue;
    }
    pending_[stream] = std::move(seed);
  }
}

std::vector<net::SeedMessage> SeedDistributor::rekey() {
  std::vector<net::SeedMessage> messages;
  for (const std::uint16_t stream : streams_) {
    net::SeedMessage seed{stream, 0, crypto::Secret::random(crypto::kSeedSize), true};
    const std::optional<std::uint32_t> epoch = agent_.rekey_outgoing(stream, seed.seed);
    if (!epoch) {
      std::fprintf(stderr, "stream %u refused a re-key\n", stream);
      continue;
    }
    seed.epoch = *epoch;
    generated_.fetch_add(1, std::memory_order_relaxed);
    rekeys_.fetch_add(1, std::memory_order_relaxed);
    // What a joiner or a viewer asking again gets as the stream's next seed from now on;
    // the seed drawn before, which the removed viewer holds, is never handed out again.
    if (agent_.params().seed_mode == net::SeedMode::kDistributed) {
      pending_[stream] = net::SeedMessage{stream, seed.epoch, seed.seed, false};
    }
    rekeys_staged_[stream] = seed;
    messages.push_back(std::move(seed));
  }
  return messages;
}

void SeedDistributor::commit_rekey() {
  for (const auto& [stream, seed] : rekeys_staged_) {
    if (!agent_.commit_rekey(stream, seed.epoch)) {
      std::fprintf(stderr, "stream %u refused to enter its re-key epoch %u\n", stream, seed.epoch);
    }
  }
  rekeys_staged_.clear();
}

const net::SeedMessage* SeedDistributor::pending_rekey(std::uint16_t stream,
                                                       std::uint32_t epoch) const {
  auto it = rekeys_staged_.find(stream);
  return it != rekeys_staged_.end() && it->second.epoch == epoch ? &it->second : nullptr;
}

const net::SeedMessage* SeedDistributor::pending(std::uint16_t stream, std::uint32_t epoch) const {
  auto it = pending_.find(stream);
  return it != pending_.end() && it->second.epoch == epoch ? &it->second : nullptr;
}

bool SeedDistributor::send(net::TlsConnection& control, const net::SeedMessage& seed) {
  try {
    control.send(net::encode_control(seed));
  } catch (const net::ControlError&) {
    return false;
  }
  distributed_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void SeedIntake::ask_again(const SessionAgent& agent, const std::vector<std::uint16_t>& streams,
                           std::int64_t now_us, const Ask& send) {
  if (agent.params().seed_mode != net::SeedMode::kDistributed) return;
  for (const std::uint16_t stream : streams) {
    const std::optional<std::uint32_t> missing = agent.missing_seed(stream);
    if (!missing) continue;
    auto [last, first_time] = last_asked_us_.try_emplace(stream, now_us);
    if (!first_time && now_us - last->second < kAskAgainEveryUs) continue;
    last->second = now_us;
    requested_.fetch_add(1, std::memory_order_relaxed);
    send(net::SeedRequestMessage{stream, *missing});
  }
}

bool SeedIntake::provide(SessionAgent& agent, const net::SeedMessage& seed, bool allowed) {
  received_.fetch_add(1, std::memory_order_relaxed);
  if (allowed && seed.rekey) {
    if (agent.rekey_incoming(seed.stream_id, seed.epoch, seed.seed)) {
      rekeys_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  } else if (allowed && agent.provide_seed(seed.stream_id, seed.epoch, seed.seed)) {
    return true;
  }
  refused_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

}  // namespace agentcast::app
