// The agent plugin: the C ABI of plugin_abi.h over the agent's C++ core (MediaAgent). This
// file is compiled twice, into the full agent and (with AGENTCAST_AGENT_RECEIVE_ONLY) into
// the receive-only agent. Every entry point catches everything: no exception may cross
// into a host built with another compiler.

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <string>

#include "agentcast/agent/media_agent.h"
#include "agentcast/agent/plugin_abi.h"
#include "agentcast/crypto/origin_tag.h"

struct agentcast_agent {
  agentcast::agent::MediaAgent core;
};

namespace {

using agentcast::agent::MediaAgent;
using agentcast::agent::SessionParams;
namespace crypto = agentcast::crypto;
namespace net = agentcast::net;

static_assert(AGENTCAST_SEED_SIZE == crypto::kSeedSize);
static_assert(AGENTCAST_SESSION_ID_SIZE == sizeof(crypto::SessionId));
static_assert(AGENTCAST_STATUS_SLOTS >= net::kOpenStatusCount);
static_assert(AGENTCAST_ORIGIN_TAG_SIZE == crypto::kOriginTagSize);

#ifdef AGENTCAST_AGENT_RECEIVE_ONLY
constexpr std::uint32_t kCapabilities = AGENTCAST_CAP_RECEIVE;
constexpr const char* kName = "agentcast-agent-receive-only";
#else
constexpr std::uint32_t kCapabilities = AGENTCAST_CAP_RECEIVE | AGENTCAST_CAP_SEND;
constexpr const char* kName = "agentcast-agent-full";
#endif

void write_error(char* error, std::size_t error_size, const char* text) noexcept {
  if (error == nullptr || error_size == 0) return;
  std::snprintf(error, error_size, "%s", text);
}

// Runs `body`, turning an exception into a result code and a sentence for the host.
template <typename Body>
int guarded(char* error, std::size_t error_size, Body&& body) noexcept {
  try {
    body();
    return AGENTCAST_OK;
  } catch (const std::invalid_argument& e) {
    write_error(error, error_size, e.what());
    return AGENTCAST_E_INVALID;
  } catch (const std::logic_error& e) {
    write_error(error, error_size, e.what());
    return AGENTCAST_E_UNSUPPORTED;
  } catch (const std::bad_alloc&) {
    write_error(error, error_size, "out of memory");
    return AGENTCAST_E_INTERNAL;
  } catch (const std::exception& e) {
    write_error(error, error_size, e.what());
    return AGENTCAST_E_INTERNAL;
  } catch (...) {
    write_error(error, error_size, "unknown failure inside the agent");
    return AGENTCAST_E_INTERNAL;
  }
}

crypto::Secret seed_from(const std::uint8_t* seed) {
  return crypto::Secret(crypto::Bytes(seed, AGENTCAST_SEED_SIZE));
}

SessionParams params_from(const agentcast_session_params& in) {
  if (in.struct_size < sizeof(agentcast_session_params)) {
    throw std::invalid_argument("session parameters from an older ABI");
  }
  if (in.unit_count == 0 || in.unit_count > AGENTCAST_MAX_UNITS) {
    throw std::invalid_argument("the session names " + std::to_string(in.unit_count) +
                                " units; 1 to 16 are possible");
  }
  if (in.seed_mode > 1 || in.select_mode > 1) {
    throw std::invalid_argument("unknown seed or selection mode");
  }
  SessionParams params;
  std::memcpy(params.session_id.data(), in.session_id, params.session_id.size());
  params.initial_seed = seed_from(in.initial_seed);
  params.units.units.clear();
  for (std::uint32_t i = 0; i < in.unit_count; ++i) {
    params.units.units.push_back(static_cast<crypto::UnitId>(in.units[i]));
  }
  params.units.reference_policy = in.allow_insecure_reference_units != 0
                                      ? crypto::ReferenceUnits::kAllowInsecure
                                      : crypto::ReferenceUnits::kRefuse;
  params.units.validate();
  params.seed_mode = static_cast<net::SeedMode>(in.seed_mode);
  params.select_mode = static_cast<net::SelectMode>(in.select_mode);
  params.packets_per_epoch = in.packets_per_epoch;
  params.mtu = in.mtu;
  params.origin_tags = in.origin_tags != 0;
  return params;
}

agentcast::agent::Role role_from(std::uint8_t role) {
  if (role == AGENTCAST_ROLE_SENDER) return agentcast::agent::Role::kSender;
  if (role == AGENTCAST_ROLE_VIEWER) return agentcast::agent::Role::kViewer;
  throw std::invalid_argument("unknown agent role " + std::to_string(role));
}

net::MediaKind kind_from(std::uint8_t kind) {
  switch (kind) {
    case static_cast<std::uint8_t>(net::MediaKind::kAudio):
    case static_cast<std::uint8_t>(net::MediaKind::kVideo):
    case static_cast<std::uint8_t>(net::MediaKind::kControl):
      return static_cast<net::MediaKind>(kind);
    default:
      throw std::invalid_argument("unknown media kind " + std::to_string(kind));
  }
}

int create(const agentcast_session_params* params, agentcast_agent** agent, char* error,
           std::size_t error_size) {
  if (params == nullptr || agent == nullptr) {
    write_error(error, error_size, "no parameters");
    return AGENTCAST_E_INVALID;
  }
  *agent = nullptr;
  return guarded(error, error_size, [&] {
    *agent = new agentcast_agent{MediaAgent(params_from(*params), role_from(params->role))};
  });
}

void destroy(agentcast_agent* agent) {
  delete agent;
}

int add_outgoing(agentcast_agent* agent, std::uint16_t stream_id, std::uint8_t kind, char* error,
                 std::size_t error_size) {
  return guarded(error, error_size, [&] { agent->core.add_outgoing(stream_id, kind_from(kind)); });
}

int add_incoming(agentcast_agent* agent, std::uint16_t stream_id, std::uint8_t kind,
                 std::uint32_t epoch, const std::uint8_t* seed, char* error,
                 std::size_t error_size) {
  return guarded(error, error_size, [&] {
    if (seed == nullptr) {
      agent->core.add_incoming(stream_id, kind_from(kind));
    } else {
      const agentcast::agent::StreamJoinState start{epoch, seed_from(seed)};
      agent->core.add_incoming(stream_id, kind_from(kind), &start);
    }
  });
}

int add_incoming_at(agentcast_agent* agent, std::uint16_t stream_id, std::uint8_t kind,
                    std::uint32_t epoch, const std::uint8_t* seed, std::uint64_t first_sequence,
                    char* error, std::size_t error_size) {
  return guarded(error, error_size, [&] {
    if (seed == nullptr) throw std::invalid_argument("a joining stream needs its seed");
    const agentcast::agent::StreamJoinState start{epoch, seed_from(seed), first_sequence};
    agent->core.add_incoming(stream_id, kind_from(kind), &start);
  });
}

int remove_incoming(agentcast_agent* agent, std::uint16_t stream_id) {
  return guarded(nullptr, 0, [&] { agent->core.remove_incoming(stream_id); });
}

int seal(agentcast_agent* agent, std::uint16_t stream_id, const std::uint8_t* payload,
         std::size_t payload_size, std::uint8_t* packet, std::size_t packet_capacity,
         std::size_t* size) {
  const net::SealResult result = agent->core.seal(stream_id, crypto::Bytes(payload, payload_size),
                                                  crypto::MutableBytes(packet, packet_capacity));
  *size = result.size;
  return static_cast<int>(result.status);
}

int open(agentcast_agent* agent, const std::uint8_t* packet, std::size_t packet_size,
         std::uint8_t* payload, std::size_t payload_capacity, agentcast_open_info* info) {
  const net::OpenResult result = agent->core.open(crypto::Bytes(packet, packet_size),
                                                  crypto::MutableBytes(payload, payload_capacity));
  info->kind = static_cast<std::uint8_t>(result.header.kind);
  info->stream_id = result.header.stream_id;
  info->epoch = result.header.epoch;
  info->sequence = result.header.sequence;
  info->size = result.size;
  return static_cast<int>(result.status);
}

int join_state(agentcast_agent* agent, std::uint16_t stream_id, std::uint32_t* epoch,
               std::uint8_t seed[AGENTCAST_SEED_SIZE]) {
  if (!MediaAgent::kCanSend) return AGENTCAST_E_UNSUPPORTED;
  try {
    const agentcast::agent::StreamJoinState state = agent->core.join_state(stream_id);
    *epoch = state.epoch;
    std::memcpy(seed, state.seed.bytes().data(), AGENTCAST_SEED_SIZE);
    return AGENTCAST_OK;
  } catch (const std::out_of_range&) {
    return AGENTCAST_E_UNKNOWN_STREAM;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

int epoch_needing_seed(agentcast_agent* agent, std::uint16_t stream_id, std::uint32_t* epoch) {
  if (!MediaAgent::kCanSend) return AGENTCAST_E_UNSUPPORTED;
  const auto owed = agent->core.epoch_needing_seed(stream_id);
  if (!owed) return AGENTCAST_E_NONE;
  *epoch = *owed;
  return AGENTCAST_OK;
}

int set_next_seed(agentcast_agent* agent, std::uint16_t stream_id, std::uint32_t epoch,
                  const std::uint8_t seed[AGENTCAST_SEED_SIZE]) {
  if (!MediaAgent::kCanSend) return AGENTCAST_E_UNSUPPORTED;
  try {
    return agent->core.set_next_seed(stream_id, epoch, seed_from(seed)) ? AGENTCAST_OK
                                                                        : AGENTCAST_E_REFUSED;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

int missing_seed(agentcast_agent* agent, std::uint16_t stream_id, std::uint32_t* epoch) {
  try {
    const std::optional<std::uint32_t> missing = agent->core.missing_seed(stream_id);
    if (!missing) return AGENTCAST_E_NONE;
    *epoch = *missing;
    return AGENTCAST_OK;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

int provide_seed(agentcast_agent* agent, std::uint16_t stream_id, std::uint32_t epoch,
                 const std::uint8_t seed[AGENTCAST_SEED_SIZE]) {
  try {
    return agent->core.provide_seed(stream_id, epoch, seed_from(seed)) ? AGENTCAST_OK
                                                                       : AGENTCAST_E_REFUSED;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

int rekey_outgoing(agentcast_agent* agent, std::uint16_t stream_id,
                   const std::uint8_t seed[AGENTCAST_SEED_SIZE], std::uint32_t* epoch) {
  if (!MediaAgent::kCanSend) return AGENTCAST_E_UNSUPPORTED;
  try {
    const std::optional<std::uint32_t> staged =
        agent->core.rekey_outgoing(stream_id, seed_from(seed));
    if (!staged) return AGENTCAST_E_REFUSED;
    *epoch = *staged;
    return AGENTCAST_OK;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

int commit_rekey(agentcast_agent* agent, std::uint16_t stream_id, std::uint32_t epoch) {
  if (!MediaAgent::kCanSend) return AGENTCAST_E_UNSUPPORTED;
  try {
    return agent->core.commit_rekey(stream_id, epoch) ? AGENTCAST_OK : AGENTCAST_E_REFUSED;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

int rekey_incoming(agentcast_agent* agent, std::uint16_t stream_id, std::uint32_t epoch,
                   const std::uint8_t seed[AGENTCAST_SEED_SIZE]) {
  try {
    return agent->core.rekey_incoming(stream_id, epoch, seed_from(seed)) ? AGENTCAST_OK
                                                                         : AGENTCAST_E_REFUSED;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

int add_origin_key(agentcast_agent* agent, std::uint32_t viewer,
                   const std::uint8_t seed[AGENTCAST_SEED_SIZE]) {
  if (!MediaAgent::kCanSend) return AGENTCAST_E_UNSUPPORTED;
  if (seed == nullptr) return AGENTCAST_E_INVALID;
  try {
    return agent->core.add_origin_key(viewer, seed_from(seed)) ? AGENTCAST_OK
                                                               : AGENTCAST_E_INTERNAL;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

int remove_origin_key(agentcast_agent* agent, std::uint32_t viewer) {
  if (!MediaAgent::kCanSend) return AGENTCAST_E_UNSUPPORTED;
  return guarded(nullptr, 0, [&] { agent->core.remove_origin_key(viewer); });
}

int tag_for_viewer(agentcast_agent* agent, std::uint32_t viewer, std::uint8_t* packet,
                   std::size_t size, std::size_t capacity, std::size_t* tagged_size) {
  if (!MediaAgent::kCanSend) return AGENTCAST_E_UNSUPPORTED;
  if (packet == nullptr || tagged_size == nullptr) return AGENTCAST_E_INVALID;
  const std::size_t tagged =
      agent->core.tag_for_viewer(viewer, crypto::MutableBytes(packet, capacity), size);
  *tagged_size = tagged;
  return tagged == 0 ? AGENTCAST_E_REFUSED : AGENTCAST_OK;
}

int instructions(agentcast_agent* agent, std::uint16_t stream_id, std::uint64_t block,
                 agentcast_unit_run* runs, std::size_t capacity, std::size_t* count) {
  if (!MediaAgent::kCanSend) return AGENTCAST_E_UNSUPPORTED;
  try {
    const std::vector<crypto::UnitRun> block_runs = agent->core.instructions(stream_id, block);
    if (block_runs.empty()) return AGENTCAST_E_NONE;
    *count = block_runs.size();
    const std::size_t n = std::min(capacity, block_runs.size());
    for (std::size_t i = 0; i < n; ++i)
      runs[i] = {block_runs[i].unit_index, block_runs[i].length};
    return AGENTCAST_OK;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

int provide_instructions(agentcast_agent* agent, std::uint16_t stream_id, std::uint64_t block,
                         const agentcast_unit_run* runs, std::size_t count) {
  try {
    std::vector<crypto::UnitRun> block_runs(count);
    for (std::size_t i = 0; i < count; ++i)
      block_runs[i] = {runs[i].unit_index, runs[i].length};
    return agent->core.provide_instructions(stream_id, block, block_runs) ? AGENTCAST_OK
                                                                          : AGENTCAST_E_REFUSED;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

int next_sequence(agentcast_agent* agent, std::uint16_t stream_id, std::uint64_t* sequence) {
  if (!MediaAgent::kCanSend) return AGENTCAST_E_UNSUPPORTED;
  const auto next = agent->core.next_sequence(stream_id);
  if (!next) return AGENTCAST_E_UNKNOWN_STREAM;
  *sequence = *next;
  return AGENTCAST_OK;
}

int stats(agentcast_agent* agent, agentcast_stream_stats* streams, std::size_t capacity,
          std::size_t* count, std::uint64_t* packets_for_unknown_streams) {
  try {
    const agentcast::agent::AgentStats all = agent->core.stats();
    std::size_t n = 0;
    auto put = [&](std::uint16_t id, const agentcast_stream_stats& entry) {
      if (n < capacity) {
        streams[n] = entry;
        streams[n].stream_id = id;
        const auto epoch = all.current_epoch.find(id);
        streams[n].epoch = epoch == all.current_epoch.end() ? 0 : epoch->second;
      }
      ++n;
    };
    for (const auto& [id, sending] : all.sending) {
      agentcast_stream_stats entry{};
      entry.direction = AGENTCAST_STREAM_SENDING;
      entry.packets = sending.packets_sealed;
      entry.bytes = sending.bytes_sealed;
      entry.unit_switches = sending.unit_switches;
      entry.epochs = sending.epochs;
      entry.epoch_changes_delayed = sending.epoch_changes_delayed;
      entry.current_unit = static_cast<std::uint8_t>(sending.current_unit + 1);
      put(id, entry);
    }
    for (const auto& [id, receiving] : all.receiving) {
      agentcast_stream_stats entry{};
      entry.direction = AGENTCAST_STREAM_RECEIVING;
      entry.packets = receiving.accepted();
      entry.unit_switches = receiving.unit_switches;
      entry.epochs = receiving.epochs;
      entry.packets_reordered = receiving.packets_reordered;
      entry.current_unit = static_cast<std::uint8_t>(receiving.current_unit + 1);
      for (std::size_t s = 0; s < net::kOpenStatusCount; ++s) {
        entry.by_status[s] = receiving.by_status[s];
      }
      put(id, entry);
    }
    *count = n;
    *packets_for_unknown_streams = all.packets_for_unknown_streams;
    return AGENTCAST_OK;
  } catch (...) {
    return AGENTCAST_E_INTERNAL;
  }
}

constexpr agentcast_agent_api kApi = {
    AGENTCAST_AGENT_ABI_VERSION,
    sizeof(agentcast_agent_api),
    kCapabilities,
    kName,
    AGENTCAST_VERSION,
    create,
    destroy,
    add_outgoing,
    add_incoming,
    remove_incoming,
    seal,
    open,
    join_state,
    epoch_needing_seed,
    set_next_seed,
    provide_seed,
    instructions,
    provide_instructions,
    next_sequence,
    stats,
    add_incoming_at,
    missing_seed,
    rekey_outgoing,
    commit_rekey,
    rekey_incoming,
    add_origin_key,
    remove_origin_key,
    tag_for_viewer,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const agentcast_agent_api* agentcast_agent_entry(
    std::uint32_t host_abi_version) {
  return host_abi_version == AGENTCAST_AGENT_ABI_VERSION ? &kApi : nullptr;
}
