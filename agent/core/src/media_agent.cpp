#include "agentcast/agent/media_agent.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "agentcast/crypto/origin_tag.h"

namespace agentcast::agent {

// Each stream's section with the lock that lets another thread read its state. The lock
// is uncontended on the packet path (one thread per stream); it exists for snapshots.
#ifndef AGENTCAST_AGENT_RECEIVE_ONLY
struct MediaAgent::Outgoing {
  mutable std::mutex mutex;
  std::unique_ptr<net::SendingSection> section;
};
#else
struct MediaAgent::Outgoing {};  // never instantiated: there is no sending section
#endif

struct MediaAgent::Incoming {
  mutable std::mutex mutex;
  std::unique_ptr<net::ReceivingSection> section;
};

struct MediaAgent::OriginKey {
  explicit OriginKey(const crypto::Secret& key) : tag(key) {}
  std::mutex mutex;  // an HMAC context computes one tag at a time
  crypto::OriginTag tag;
};

MediaAgent::MediaAgent(SessionParams params, Role role)
    : params_(params), session_(std::move(params)), role_(role) {}

MediaAgent::~MediaAgent() = default;

#ifdef AGENTCAST_AGENT_RECEIVE_ONLY
namespace {
[[noreturn]] void no_sending_section() {
  throw std::logic_error("this is a receive-only agent: it has no sending section");
}
}  // namespace
#endif

void MediaAgent::add_outgoing(std::uint16_t stream_id, net::MediaKind kind) {
#ifdef AGENTCAST_AGENT_RECEIVE_ONLY
  (void)stream_id;
  (void)kind;
  no_sending_section();
#else
  const auto direction = role_ == Role::kSender ? crypto::Direction::kSenderToViewer
                                                : crypto::Direction::kViewerToSender;
  auto out = std::make_unique<Outgoing>();
  out->section = session_.sending_section(direction, stream_id, kind);
  if (!outgoing_.emplace(stream_id, std::move(out)).second) {
    throw std::invalid_argument("outgoing stream " + std::to_string(stream_id) + " added twice");
  }
#endif
}

void MediaAgent::add_incoming(std::uint16_t stream_id, net::MediaKind kind,
                              const StreamJoinState* start) {
  const auto direction = role_ == Role::kSender ? crypto::Direction::kViewerToSender
                                                : crypto::Direction::kSenderToViewer;
  auto in = std::make_unique<Incoming>();
  in->section = start == nullptr
                    ? session_.receiving_section(direction, stream_id, kind)
                    : session_.receiving_section(direction, stream_id, kind, start->epoch,
                                                 start->seed, start->first_sequence);
  std::unique_lock streams(incoming_mutex_);
  if (!incoming_.emplace(stream_id, std::move(in)).second) {
    throw std::invalid_argument("incoming stream " + std::to_string(stream_id) + " added twice");
  }
}

void MediaAgent::remove_incoming(std::uint16_t stream_id) {
  // The exclusive lock waits for any open() in progress (they hold it shared).
  std::unique_lock streams(incoming_mutex_);
  incoming_.erase(stream_id);
}

net::SealResult MediaAgent::seal(std::uint16_t stream_id, crypto::Bytes payload,
                                 crypto::MutableBytes packet) noexcept {
#ifdef AGENTCAST_AGENT_RECEIVE_ONLY
  (void)stream_id;
  (void)payload;
  (void)packet;
  return {net::SealStatus::kUnknownStream, 0};
#else
  auto it = outgoing_.find(stream_id);
  if (it == outgoing_.end()) return {net::SealStatus::kUnknownStream, 0};
  std::lock_guard lock(it->second->mutex);
  return it->second->section->seal(payload, packet);
#endif
}

net::OpenResult MediaAgent::open(crypto::Bytes packet, crypto::MutableBytes payload) noexcept {
  net::PacketHeader header;
  std::shared_lock streams(incoming_mutex_);
  if (net::parse_header(packet, header) == net::HeaderStatus::kOk) {
    auto it = incoming_.find(header.stream_id);
    if (it != incoming_.end()) {
      std::lock_guard lock(it->second->mutex);
      return it->second->section->open(packet, payload);
    }
    unknown_stream_packets_.fetch_add(1, std::memory_order_relaxed);
    return {net::OpenStatus::kWrongStream, header, 0};
  }
  // A header that does not parse: let any section classify and count it.
  if (incoming_.empty()) return {net::OpenStatus::kTruncated, {}, 0};
  auto& any = *incoming_.begin()->second;
  std::lock_guard lock(any.mutex);
  return any.section->open(packet, payload);
}

#ifndef AGENTCAST_AGENT_RECEIVE_ONLY
StreamJoinState MediaAgent::join_state(std::uint16_t stream_id) const {
  const auto& out = outgoing_.at(stream_id);
  std::lock_guard lock(out->mutex);
  return {out->section->epoch(), out->section->current_seed(), out->section->next_sequence()};
}

std::optional<std::uint32_t> MediaAgent::epoch_needing_seed(std::uint16_t stream_id) const {
  if (params_.seed_mode != net::SeedMode::kDistributed) return std::nullopt;
  auto it = outgoing_.find(stream_id);
  if (it == outgoing_.end()) return std::nullopt;
  std::lock_guard lock(it->second->mutex);
  const net::SendingSection& section = *it->second->section;
  if (section.has_next_seed() || section.epoch() == std::numeric_limits<std::uint32_t>::max()) {
    return std::nullopt;
  }
  return section.epoch() + 1;
}

bool MediaAgent::set_next_seed(std::uint16_t stream_id, std::uint32_t epoch,
                               const crypto::Secret& seed) {
  auto it = outgoing_.find(stream_id);
  if (it == outgoing_.end()) return false;
  std::lock_guard lock(it->second->mutex);
  return it->second->section->set_next_seed(epoch, seed);
}

std::optional<std::uint32_t> MediaAgent::rekey_outgoing(std::uint16_t stream_id,
                                                        const crypto::Secret& seed) {
  auto it = outgoing_.find(stream_id);
  if (it == outgoing_.end()) return std::nullopt;
  std::lock_guard lock(it->second->mutex);
  return it->second->section->prepare_rekey(seed);
}

bool MediaAgent::commit_rekey(std::uint16_t stream_id, std::uint32_t epoch) {
  auto it = outgoing_.find(stream_id);
  if (it == outgoing_.end()) return false;
  std::lock_guard lock(it->second->mutex);
  return it->second->section->commit_rekey(epoch);
}

std::vector<crypto::UnitRun> MediaAgent::instructions(std::uint16_t stream_id,
                                                      std::uint64_t block) const {
  auto it = outgoing_.find(stream_id);
  if (it == outgoing_.end()) return {};
  std::lock_guard lock(it->second->mutex);
  return it->second->section->instructions(block);
}

std::optional<std::uint64_t> MediaAgent::next_sequence(std::uint16_t stream_id) const {
  auto it = outgoing_.find(stream_id);
  if (it == outgoing_.end()) return std::nullopt;
  std::lock_guard lock(it->second->mutex);
  return it->second->section->next_sequence();
}
#else
StreamJoinState MediaAgent::join_state(std::uint16_t) const {
  no_sending_section();
}
std::optional<std::uint32_t> MediaAgent::epoch_needing_seed(std::uint16_t) const {
  return std::nullopt;
}
bool MediaAgent::set_next_seed(std::uint16_t, std::uint32_t, const crypto::Secret&) {
  return false;
}
std::optional<std::uint32_t> MediaAgent::rekey_outgoing(std::uint16_t, const crypto::Secret&) {
  return std::nullopt;
}
bool MediaAgent::commit_rekey(std::uint16_t, std::uint32_t) {
  return false;
}
std::vector<crypto::UnitRun> MediaAgent::instructions(std::uint16_t, std::uint64_t) const {
  return {};
}
std::optional<std::uint64_t> MediaAgent::next_sequence(std::uint16_t) const {
  return std::nullopt;
}
#endif

bool MediaAgent::provide_seed(std::uint16_t stream_id, std::uint32_t epoch,
                              const crypto::Secret& seed) {
  std::shared_lock streams(incoming_mutex_);
  auto it = incoming_.find(stream_id);
  if (it == incoming_.end()) return false;
  std::lock_guard lock(it->second->mutex);
  return it->second->section->provide_seed(epoch, seed);
}

bool MediaAgent::rekey_incoming(std::uint16_t stream_id, std::uint32_t epoch,
                                const crypto::Secret& seed) {
  std::shared_lock streams(incoming_mutex_);
  auto it = incoming_.find(stream_id);
  if (it == incoming_.end()) return false;
  std::lock_guard lock(it->second->mutex);
  return it->second->section->rekey(epoch, seed);
}

std::optional<std::uint32_t> MediaAgent::missing_seed(std::uint16_t stream_id) const {
  std::shared_lock streams(incoming_mutex_);
  auto it = incoming_.find(stream_id);
  if (it == incoming_.end()) return std::nullopt;
  std::lock_guard lock(it->second->mutex);
  return it->second->section->missing_seed();
}

bool MediaAgent::provide_instructions(std::uint16_t stream_id, std::uint64_t block,
                                      std::span<const crypto::UnitRun> runs) {
  std::shared_lock streams(incoming_mutex_);
  auto it = incoming_.find(stream_id);
  if (it == incoming_.end()) return false;
  std::lock_guard lock(it->second->mutex);
  return it->second->section->provide_instructions(block, runs);
}

#ifndef AGENTCAST_AGENT_RECEIVE_ONLY
bool MediaAgent::add_origin_key(std::uint32_t viewer, const crypto::Secret& viewer_seed) {
  if (viewer_seed.size() != crypto::kSeedSize) return false;
  crypto::Secret key;
  if (!crypto::derive_origin_key(viewer_seed, params_.session_id, key)) return false;
  auto entry = std::make_unique<OriginKey>(key);
  if (!entry->tag.keyed()) return false;
  std::unique_lock keys(origin_mutex_);
  origin_keys_.insert_or_assign(viewer, std::move(entry));
  return true;
}

void MediaAgent::remove_origin_key(std::uint32_t viewer) {
  // The exclusive lock waits for a tag being computed under this key.
  std::unique_lock keys(origin_mutex_);
  origin_keys_.erase(viewer);
}

std::size_t MediaAgent::tag_for_viewer(std::uint32_t viewer, crypto::MutableBytes packet,
                                       std::size_t size) noexcept {
  net::PacketHeader header;
  if (size > packet.size() || packet.size() - size < crypto::kOriginTagSize ||
      net::parse_header(packet.first(size), header) != net::HeaderStatus::kOk ||
      !header.origin_tagged) {
    return 0;
  }
  std::shared_lock keys(origin_mutex_);
  auto it = origin_keys_.find(viewer);
  if (it == origin_keys_.end()) return 0;
  std::lock_guard lock(it->second->mutex);
  crypto::OriginTagBytes tag;
  if (!it->second->tag.compute(packet.first(size), tag)) return 0;
  std::copy(tag.begin(), tag.end(), packet.begin() + static_cast<std::ptrdiff_t>(size));
  return size + crypto::kOriginTagSize;
}
#else
bool MediaAgent::add_origin_key(std::uint32_t, const crypto::Secret&) {
  return false;
}
void MediaAgent::remove_origin_key(std::uint32_t) {}
std::size_t MediaAgent::tag_for_viewer(std::uint32_t, crypto::MutableBytes, std::size_t) noexcept {
  return 0;
}
#endif

AgentStats MediaAgent::stats() const {
  AgentStats stats;
#ifndef AGENTCAST_AGENT_RECEIVE_ONLY
  for (const auto& [id, out] : outgoing_) {
    std::lock_guard lock(out->mutex);
    stats.sending[id] = out->section->stats();
    stats.current_epoch[id] = out->section->epoch();
  }
#endif
  std::shared_lock streams(incoming_mutex_);
  for (const auto& [id, in] : incoming_) {
    std::lock_guard lock(in->mutex);
    stats.receiving[id] = in->section->stats();
    stats.current_epoch[id] = in->section->current_epoch();
  }
  stats.packets_for_unknown_streams = unknown_stream_packets_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace agentcast::agent
