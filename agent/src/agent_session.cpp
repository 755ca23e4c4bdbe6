#include "agentcast/agent/agent_session.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include <openssl/crypto.h>

namespace agentcast::agent {

namespace {

using ErrorText = std::array<char, AGENTCAST_ERROR_SIZE>;

void check(int result, const ErrorText& error, const std::string& what) {
  if (result == AGENTCAST_OK) return;
  throw AgentError(what + ": " + (error[0] != '\0' ? std::string(error.data()) : "refused"));
}

}  // namespace

agentcast_session_params to_abi(const SessionParams& params, Role role) {
  agentcast_session_params abi{};
  abi.struct_size = sizeof(abi);
  abi.role = role == Role::kSender ? AGENTCAST_ROLE_SENDER : AGENTCAST_ROLE_VIEWER;
  abi.seed_mode = static_cast<std::uint8_t>(params.seed_mode);
  abi.select_mode = static_cast<std::uint8_t>(params.select_mode);
  abi.allow_insecure_reference_units =
      params.units.reference_policy == crypto::ReferenceUnits::kAllowInsecure ? 1 : 0;
  std::memcpy(abi.session_id, params.session_id.data(), sizeof(abi.session_id));
  if (params.initial_seed.size() != AGENTCAST_SEED_SIZE) {
    throw AgentError("the initial seed must be " + std::to_string(AGENTCAST_SEED_SIZE) + " bytes");
  }
  std::memcpy(abi.initial_seed, params.initial_seed.bytes().data(), AGENTCAST_SEED_SIZE);
  if (params.units.units.size() > AGENTCAST_MAX_UNITS) throw AgentError("too many units");
  for (std::size_t i = 0; i < params.units.units.size(); ++i) {
    abi.units[i] = static_cast<std::uint8_t>(params.units.units[i]);
  }
  abi.unit_count = static_cast<std::uint32_t>(params.units.units.size());
  abi.mtu = static_cast<std::uint32_t>(params.mtu);
  abi.packets_per_epoch = params.packets_per_epoch;
  abi.origin_tags = params.origin_tags ? 1 : 0;
  return abi;
}

AgentSession::AgentSession(std::shared_ptr<const AgentLibrary> library, SessionParams params,
                           Role role)
    : library_(std::move(library)), api_(library_->api()), params_(std::move(params)), role_(role) {
  const agentcast_session_params abi = to_abi(params_, role);
  ErrorText error{};
  check(api_.create(&abi, &agent_, error.data(), error.size()), error,
        "the agent refused the session");
}

AgentSession::~AgentSession() {
  api_.destroy(agent_);
}

void AgentSession::add_outgoing(std::uint16_t stream_id, net::MediaKind kind) {
  ErrorText error{};
  check(api_.add_outgoing(agent_, stream_id, static_cast<std::uint8_t>(kind), error.data(),
                          error.size()),
        error, "outgoing stream " + std::to_string(stream_id));
}

void AgentSession::add_incoming(std::uint16_t stream_id, net::MediaKind kind,
                                const StreamJoinState* start) {
  ErrorText error{};
  const int result = start == nullptr
                         ? api_.add_incoming(agent_, stream_id, static_cast<std::uint8_t>(kind), 0,
                                             nullptr, error.data(), error.size())
                         : api_.add_incoming_at(agent_, stream_id, static_cast<std::uint8_t>(kind),
                                                start->epoch, start->seed.bytes().data(),
                                                start->first_sequence, error.data(), error.size());
  check(result, error, "incoming stream " + std::to_string(stream_id));
}

void AgentSession::remove_incoming(std::uint16_t stream_id) noexcept {
  api_.remove_incoming(agent_, stream_id);
}

net::SealResult AgentSession::seal(std::uint16_t stream_id, crypto::Bytes payload,
                                   crypto::MutableBytes packet) noexcept {
  std::size_t size = 0;
  const int status = api_.seal(agent_, stream_id, payload.data(), payload.size(), packet.data(),
                               packet.size(), &size);
  return {static_cast<net::SealStatus>(status), size};
}

net::OpenResult AgentSession::open(crypto::Bytes packet, crypto::MutableBytes payload) noexcept {
  agentcast_open_info info{};
  const int status =
      api_.open(agent_, packet.data(), packet.size(), payload.data(), payload.size(), &info);
  net::OpenResult result;
  result.status = static_cast<net::OpenStatus>(status);
  result.header.kind = static_cast<net::MediaKind>(info.kind);
  result.header.stream_id = info.stream_id;
  result.header.epoch = info.epoch;
  result.header.sequence = info.sequence;
  result.size = info.size;
  return result;
}

StreamJoinState AgentSession::join_state(std::uint16_t stream_id) const {
  StreamJoinState state;
  std::array<std::uint8_t, AGENTCAST_SEED_SIZE> seed{};
  const int result = api_.join_state(agent_, stream_id, &state.epoch, seed.data());
  if (result != AGENTCAST_OK) {
    throw AgentError("no join state for stream " + std::to_string(stream_id) +
                     (result == AGENTCAST_E_UNSUPPORTED ? ": the agent cannot send" : ""));
  }
  state.seed = crypto::Secret(seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  // Taken after the seed: a packet sealed in between is at worst refused by the joiner,
  // and nothing sealed before the state was taken is ever accepted.
  if (api_.next_sequence(agent_, stream_id, &state.first_sequence) != AGENTCAST_OK) {
    throw AgentError("no join state for stream " + std::to_string(stream_id));
  }
  return state;
}

std::optional<std::uint32_t> AgentSession::epoch_needing_seed(
    std::uint16_t stream_id) const noexcept {
  std::uint32_t epoch = 0;
  if (api_.epoch_needing_seed(agent_, stream_id, &epoch) != AGENTCAST_OK) return std::nullopt;
  return epoch;
}

bool AgentSession::set_next_seed(std::uint16_t stream_id, std::uint32_t epoch,
                                 const crypto::Secret& seed) noexcept {
  if (seed.size() != AGENTCAST_SEED_SIZE) return false;
  return api_.set_next_seed(agent_, stream_id, epoch, seed.bytes().data()) == AGENTCAST_OK;
}

bool AgentSession::provide_seed(std::uint16_t stream_id, std::uint32_t epoch,
                                const crypto::Secret& seed) noexcept {
  if (seed.size() != AGENTCAST_SEED_SIZE) return false;
  return api_.provide_seed(agent_, stream_id, epoch, seed.bytes().data()) == AGENTCAST_OK;
}

std::optional<std::uint32_t> AgentSession::missing_seed(std::uint16_t stream_id) const noexcept {
  std::uint32_t epoch = 0;
  if (api_.missing_seed(agent_, stream_id, &epoch) != AGENTCAST_OK) return std::nullopt;
  return epoch;
}

std::optional<std::uint32_t> AgentSession::rekey_outgoing(std::uint16_t stream_id,
                                                          const crypto::Secret& seed) noexcept {
  if (seed.size() != AGENTCAST_SEED_SIZE) return std::nullopt;
  std::uint32_t epoch = 0;
  if (api_.rekey_outgoing(agent_, stream_id, seed.bytes().data(), &epoch) != AGENTCAST_OK) {
    return std::nullopt;
  }
  return epoch;
}

bool AgentSession::commit_rekey(std::uint16_t stream_id, std::uint32_t epoch) noexcept {
  return api_.commit_rekey(agent_, stream_id, epoch) == AGENTCAST_OK;
}

bool AgentSession::add_origin_key(std::uint32_t viewer,
                                  const crypto::Secret& viewer_seed) noexcept {
  if (viewer_seed.size() != AGENTCAST_SEED_SIZE) return false;
  return api_.add_origin_key(agent_, viewer, viewer_seed.bytes().data()) == AGENTCAST_OK;
}

void AgentSession::remove_origin_key(std::uint32_t viewer) noexcept {
  api_.remove_origin_key(agent_, viewer);
}

std::size_t AgentSession::tag_for_viewer(std::uint32_t viewer, crypto::MutableBytes packet,
                                         std::size_t size) noexcept {
  std::size_t tagged = 0;
  if (api_.tag_for_viewer(agent_, viewer, packet.data(), size, packet.size(), &tagged) !=
      AGENTCAST_OK) {
    return 0;
  }
  // The agent's answer is checked, not trusted: the copy must fit the buffer it was given.
  return tagged == size + AGENTCAST_ORIGIN_TAG_SIZE && tagged <= packet.size() ? tagged : 0;
}

bool AgentSession::rekey_incoming(std::uint16_t stream_id, std::uint32_t epoch,
                                  const crypto::Secret& seed) noexcept {
  if (seed.size() != AGENTCAST_SEED_SIZE) return false;
  return api_.rekey_incoming(agent_, stream_id, epoch, seed.bytes().data()) == AGENTCAST_OK;
}

std::vector<crypto::UnitRun> AgentSession::instructions(std::uint16_t stream_id,
                                                        std::uint64_t block) const {
  // A block holds at most kScheduleBlockPackets runs (each at least one packet long).
  std::vector<agentcast_unit_run> runs(crypto::kScheduleBlockPackets);
  std::size_t count = 0;
  if (api_.instructions(agent_, stream_id, block, runs.data(), runs.size(), &count) !=
      AGENTCAST_OK) {
    return {};
  }
  std::vector<crypto::UnitRun> out;
  out.reserve(std::min(count, runs.size()));
  for (std::size_t i = 0; i < std::min(count, runs.size()); ++i) {
    out.push_back({runs[i].unit_index, runs[i].length});
  }
  return out;
}

std::optional<std::uint64_t> AgentSession::next_sequence(std::uint16_t stream_id) const noexcept {
  std::uint64_t sequence = 0;
  if (api_.next_sequence(agent_, stream_id, &sequence) != AGENTCAST_OK) return std::nullopt;
  return sequence;
}

bool AgentSession::provide_instructions(std::uint16_t stream_id, std::uint64_t block,
                                        std::span<const crypto::UnitRun> runs) noexcept {
  std::vector<agentcast_unit_run> abi_runs;
  try {
    abi_runs.reserve(runs.size());
  } catch (...) {
    return false;
  }
  for (const crypto::UnitRun& run : runs)
    abi_runs.push_back({run.unit_index, run.length});
  return api_.provide_instructions(agent_, stream_id, block, abi_runs.data(), abi_runs.size()) ==
         AGENTCAST_OK;
}

AgentStats AgentSession::stats() const {
  std::vector<agentcast_stream_stats> streams(8);
  std::size_t count = 0;
  std::uint64_t unknown = 0;
  // The stream count can grow between calls (a viewer joins): ask again with more room.
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (api_.stats(agent_, streams.data(), streams.size(), &count, &unknown) != AGENTCAST_OK) {
      throw AgentError("the agent could not report its statistics");
    }
    if (count <= streams.size()) break;
    streams.resize(count + 8);
  }
  AgentStats stats;
  stats.packets_for_unknown_streams = unknown;
  for (std::size_t i = 0; i < std::min(count, streams.size()); ++i) {
    const agentcast_stream_stats& s = streams[i];
    stats.current_epoch[s.stream_id] = s.epoch;
    if (s.direction == AGENTCAST_STREAM_SENDING) {
      net::SendingStats& out = stats.sending[s.stream_id];
      out.packets_sealed = s.packets;
      out.bytes_sealed = s.bytes;
      out.unit_switches = s.unit_switches;
      out.epochs = s.epochs;
      out.epoch_changes_delayed = s.epoch_changes_delayed;
      out.current_unit = static_cast<std::int32_t>(s.current_unit) - 1;
    } else {
      net::ReceivingStats& out = stats.receiving[s.stream_id];
      out.packets_reordered = s.packets_reordered;
      out.current_unit = static_cast<std::int32_t>(s.current_unit) - 1;
      out.unit_switches = s.unit_switches;
      out.epochs = s.epochs;
      for (std::size_t k = 0; k < net::kOpenStatusCount; ++k)
        out.by_status[k] = s.by_status[k];
    }
  }
  return stats;
}

}  // namespace agentcast::agent
