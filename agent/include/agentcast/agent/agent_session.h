#pragma once
// One session of a loaded agent, in C++: the host's view of the application interface
// section (patent Fig. 5, 7). Media code hands it plaintext payloads and gets wire packets
// back, and the reverse; every byte is sealed and opened inside the loaded agent, behind
// the C ABI of plugin_abi.h. The app holds no cipher code of its own.
//
// Threads: as the agent's (plugin_abi.h): streams are added before media flows; seal() for
// one stream from one thread at a time, open() from one thread, the rest from any thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "agentcast/agent/agent_library.h"
#include "agentcast/agent/session_params.h"
#include "agentcast/crypto/selection.h"

namespace agentcast::agent {

// A setup call the agent refused (bad parameters, sending in a receive-only agent), with
// the agent's own sentence.
class AgentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AgentSession {
 public:
  // Opens a session in `library`. Throws AgentError with the agent's reason.
  AgentSession(std::shared_ptr<const AgentLibrary> library, SessionParams params, Role role);
  ~AgentSession();
  AgentSession(const AgentSession&) = delete;
  AgentSession& operator=(const AgentSession&) = delete;

  // Throw AgentError (a receive-only agent cannot add an outgoing stream).
  void add_outgoing(std::uint16_t stream_id, net::MediaKind kind);
  void add_incoming(std::uint16_t stream_id, net::MediaKind kind,
                    const StreamJoinState* start = nullptr);
  void remove_incoming(std::uint16_t stream_id) noexcept;

  net::SealResult seal(std::uint16_t stream_id, crypto::Bytes payload,
                       crypto::MutableBytes packet) noexcept;
  net::OpenResult open(crypto::Bytes packet, crypto::MutableBytes payload) noexcept;

  // Throws AgentError for an unknown stream or a receive-only agent.
  StreamJoinState join_state(std::uint16_t stream_id) const;
  std::optional<std::uint32_t> epoch_needing_seed(std::uint16_t stream_id) const noexcept;
  bool set_next_seed(std::uint16_t stream_id, std::uint32_t epoch,
                     const crypto::Secret& seed) noexcept;
  bool provide_seed(std::uint16_t stream_id, std::uint32_t epoch,
                    const crypto::Secret& seed) noexcept;
  std::optional<std::uint32_t> missing_seed(std::uint16_t stream_id) const noexcept;
  // Re-key (a viewer was removed): see MediaAgent.
  std::optional<std::uint32_t> rekey_outgoing(std::uint16_t stream_id,
                                              const crypto::Secret& seed) noexcept;
  bool commit_rekey(std::uint16_t stream_id, std::uint32_t epoch) noexcept;
  bool rekey_incoming(std::uint16_t stream_id, std::uint32_t epoch,
                      const crypto::Secret& seed) noexcept;

  // Origin authentication, sender side: see MediaAgent. tag_for_viewer() returns the
  // tagged copy's size, 0 when refused.
  bool add_origin_key(std::uint32_t viewer, const crypto::Secret& viewer_seed) noexcept;
  void remove_origin_key(std::uint32_t viewer) noexcept;
  std::size_t tag_for_viewer(std::uint32_t viewer, crypto::MutableBytes packet,
                             std::size_t size) noexcept;

  // Instructed selection (Fig. 5): see MediaAgent.
  std::vector<crypto::UnitRun> instructions(std::uint16_t stream_id, std::uint64_t block) const;
  std::optional<std::uint64_t> next_sequence(std::uint16_t stream_id) const noexcept;
  bool provide_instructions(std::uint16_t stream_id, std::uint64_t block,
                            std::span<const crypto::UnitRun> runs) noexcept;

  AgentStats stats() const;

  // As MediaAgent::max_payload(): room is left for the origin tag on the sender's streams.
  std::size_t max_payload() const noexcept {
    const bool tagged = params_.origin_tags && role_ == Role::kSender;
    return params_.mtu - net::kPacketOverhead - (tagged ? AGENTCAST_ORIGIN_TAG_SIZE : 0);
  }
  bool origin_tagged() const noexcept { return params_.origin_tags && role_ == Role::kSender; }
  std::size_t mtu() const noexcept { return params_.mtu; }
  const SessionParams& params() const noexcept { return params_; }
  const AgentLibrary& library() const noexcept { return *library_; }
  bool can_send() const noexcept { return library_->can_send(); }

 private:
  std::shared_ptr<const AgentLibrary> library_;
  const agentcast_agent_api& api_;
  SessionParams params_;
  Role role_;
  agentcast_agent* agent_ = nullptr;
};

// The C ABI's view of SessionParams.
agentcast_session_params to_abi(const SessionParams& params, Role role);

}  // namespace agentcast::agent
