#include "agentcast/agent/crypto_session.h"

#include <stdexcept>

namespace agentcast::agent {

CryptoSession::CryptoSession(SessionParams params) : params_(std::move(params)) {
  if (params_.initial_seed.size() != crypto::kSeedSize) {
    throw std::invalid_argument("the initial seed must be 32 bytes");
  }
  if (params_.packets_per_epoch == 0) throw std::invalid_argument("packets_per_epoch is zero");
  config_for(crypto::Direction::kSenderToViewer, 0, net::MediaKind::kVideo).validate();
}

net::SendingConfig CryptoSession::config_for(crypto::Direction direction, std::uint16_t stream_id,
                                             net::MediaKind kind) const {
  net::SendingConfig config;
  config.label = {params_.session_id, direction, stream_id};
  config.kind = kind;
  config.units = params_.units;
  config.seed_mode = params_.seed_mode;
  config.select_mode = params_.select_mode;
  config.mtu = params_.mtu;
  config.packets_per_epoch = params_.packets_per_epoch;
  config.origin_tagged = params_.origin_tags && direction == crypto::Direction::kSenderToViewer;
  return config;
}

#ifndef AGENTCAST_AGENT_RECEIVE_ONLY
std::unique_ptr<net::SendingSection> CryptoSession::sending_section(crypto::Direction direction,
                                                                    std::uint16_t stream_id,
                                                                    net::MediaKind kind) const {
  return std::make_unique<net::SendingSection>(config_for(direction, stream_id, kind),
                                               params_.initial_seed);
}
#endif

std::unique_ptr<net::ReceivingSection> CryptoSession::receiving_section(crypto::Direction direction,
                                                                        std::uint16_t stream_id,
                                                                        net::MediaKind kind) const {
  net::SendingConfig config = config_for(direction, stream_id, kind);
  if (config.origin_tagged) config.origin_key = origin_key();
  return std::make_unique<net::ReceivingSection>(config, params_.initial_seed);
}

// A viewer's own origin key: its initial seed is its alone (the sender's streams come
// from join states), so no other viewer can derive it.
crypto::Secret CryptoSession::origin_key() const {
  crypto::Secret key;
  if (!crypto::derive_origin_key(params_.initial_seed, params_.session_id, key)) {
    throw std::runtime_error("cannot derive the origin key (OpenSSL failure)");
  }
  return key;
}

}  // namespace agentcast::agent

namespace agentcast::agent {

std::unique_ptr<net::ReceivingSection> CryptoSession::receiving_section(
    crypto::Direction direction, std::uint16_t stream_id, net::MediaKind kind, std::uint32_t epoch,
    const crypto::Secret& seed, std::uint64_t first_sequence) const {
  net::SendingConfig config = config_for(direction, stream_id, kind);
  config.first_epoch = epoch;
  config.first_sequence = first_sequence;
  if (config.origin_tagged) config.origin_key = origin_key();
  return std::make_unique<net::ReceivingSection>(config, seed);
}

}  // namespace agentcast::agent
