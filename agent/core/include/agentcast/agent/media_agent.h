#pragma once
// The application interface section of a trusted agent (patent Fig. 5, 7): media code
// hands it plaintext payloads and gets wire packets back, and the reverse. Media code
// never sees a key or a cipher. This class lives only inside the agent plugins (and the
// tests): apps reach it through the C ABI of plugin_abi.h, wrapped by agent::AgentSession.
//
// Built with AGENTCAST_AGENT_RECEIVE_ONLY, no sending section is compiled in: adding an
// outgoing stream throws std::logic_error and every sending call reports it unsupported.
//
// Threads: outgoing streams are added before media flows. seal() may then be called for
// different streams from different threads, for one stream from one thread at a time;
// open() from one thread (the network receive thread). Incoming streams may come and go
// while packets flow (viewers join and leave), and snapshots may be taken from any thread.
// Seeds (distributed mode) may be set and provided from any thread while packets flow.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include <span>
#include <vector>

#include "agentcast/agent/crypto_session.h"

namespace agentcast::agent {

class MediaAgent {
 public:
  // A sender seals on direction sender→viewer and opens viewer→sender; a viewer the
  // reverse. Throws std::invalid_argument for bad parameters.
  MediaAgent(SessionParams params, Role role);
  ~MediaAgent();

  void add_outgoing(std::uint16_t stream_id, net::MediaKind kind);
  // `start`: where an incoming stream begins for a viewer joining a running session; by
  // default the session's initial seed at epoch 0.
  void add_incoming(std::uint16_t stream_id, net::MediaKind kind,
                    const StreamJoinState* start = nullptr);

  void remove_incoming(std::uint16_t stream_id);

  // What one packet may carry: on the sender's origin-tagged streams room is left for the
  // origin tag (tag_for_viewer()).
  std::size_t max_payload() const noexcept {
    const bool tagged = params_.origin_tags && role_ == Role::kSender;
    return params_.mtu - net::kPacketOverhead - (tagged ? crypto::kOriginTagSize : 0);
  }
  std::size_t mtu() const noexcept { return params_.mtu; }

  // Seals `payload` as the next packet of an outgoing stream (net::SealStatus;
  // kUnknownStream for a stream that was not added).
  net::SealResult seal(std::uint16_t stream_id, crypto::Bytes payload,
                       crypto::MutableBytes packet) noexcept;

  // Opens a packet of any incoming stream (routed by its header). Packets of streams this
  // agent does not receive are kWrongStream and counted.
  net::OpenResult open(crypto::Bytes packet, crypto::MutableBytes payload) noexcept;

  // The current epoch and seed of an outgoing stream, for a viewer joining now.
  StreamJoinState join_state(std::uint16_t stream_id) const;

  // Distributed seed mode (Fig. 15), sender side: the epoch of an outgoing stream whose
  // seed is owed (current + 1 while no next seed is held); empty when none is owed, in
  // synchronized mode, for an unknown stream, or at the last epoch.
  std::optional<std::uint32_t> epoch_needing_seed(std::uint16_t stream_id) const;
  // Hands an outgoing stream the seed of its next epoch. False for an unknown stream, in
  // synchronized mode, or if `epoch` is not the stream's current + 1.
  bool set_next_seed(std::uint16_t stream_id, std::uint32_t epoch, const crypto::Secret& seed);
  // Distributed seed mode, receiving side: a coming epoch's seed of an incoming stream.
  // False for an unknown stream or an epoch that is neither current + 1 nor current + 2.
  bool provide_seed(std::uint16_t stream_id, std::uint32_t epoch, const crypto::Secret& seed);
  // Distributed seed mode, receiving side: the epoch of an incoming stream whose seed is
  // lacking (net::ReceivingSection::missing_seed), to ask the sender for again.
  std::optional<std::uint32_t> missing_seed(std::uint16_t stream_id) const;

  // Re-key (a viewer was removed), both seed modes, sender side: stages `seed` as the seed
  // of an outgoing stream's next epoch (net::SendingSection::prepare_rekey) and returns
  // that epoch; empty for an unknown stream or at the last epoch. commit_rekey() lets the
  // stream enter it, once the remaining viewers were sent the seed.
  std::optional<std::uint32_t> rekey_outgoing(std::uint16_t stream_id, const crypto::Secret& seed);
  bool commit_rekey(std::uint16_t stream_id, std::uint32_t epoch);
  // Re-key, receiving side: the seed of `epoch` replaces what an incoming stream holds
  // from that epoch on (net::ReceivingSection::rekey).
  bool rekey_incoming(std::uint16_t stream_id, std::uint32_t epoch, const crypto::Secret& seed);
  // Instructed selection (Fig. 5), sender side: the runs of one schedule block of an
  // outgoing stream, to post to the viewers ahead of use (empty for an unknown stream or
  // in synchronized selection). The stream's next sequence number says which block is due.
  std::vector<crypto::UnitRun> instructions(std::uint16_t stream_id, std::uint64_t block) const;
  std::optional<std::uint64_t> next_sequence(std::uint16_t stream_id) const;
  // Receiving side: a block's runs for an incoming stream. False for an unknown stream or
  // runs the section refuses.
  bool provide_instructions(std::uint16_t stream_id, std::uint64_t block,
                            std::span<const crypto::UnitRun> runs);

  // Origin authentication (DESIGN.md rule 11, docs/PROTOCOL.md §13), sender side. A
  // viewer's origin key comes from the initial seed of its own session message
  // (crypto::derive_origin_key); `viewer` is any number the host names it by (its slot).
  // A key added again for the same number replaces the old one. False in a receive-only
  // agent or for a seed of the wrong size.
  bool add_origin_key(std::uint32_t viewer, const crypto::Secret& viewer_seed);
  void remove_origin_key(std::uint32_t viewer);
  // Appends `viewer`'s origin tag to a packet that seal() made (its first `size` bytes of
  // `packet`), so that this copy is accepted by that viewer only. Returns the tagged size;
  // 0 for an unknown viewer, a packet of a stream without origin tags, or no room left.
  // Any thread; one viewer's tags are computed one at a time.
  std::size_t tag_for_viewer(std::uint32_t viewer, crypto::MutableBytes packet,
                             std::size_t size) noexcept;

  static constexpr bool kCanSend =
#ifdef AGENTCAST_AGENT_RECEIVE_ONLY
      false;
#else
      true;
#endif

  AgentStats stats() const;
  const SessionParams& params() const noexcept {
    return params_;
  }

 private:
  struct Outgoing;
  struct Incoming;
  struct OriginKey;

  SessionParams params_;
  CryptoSession session_;
  Role role_;
  std::map<std::uint16_t, std::unique_ptr<Outgoing>> outgoing_;
  mutable std::shared_mutex incoming_mutex_;  // guards the map, not the sections
  std::map<std::uint16_t, std::unique_ptr<Incoming>> incoming_;
  std::atomic<std::uint64_t> unknown_stream_packets_{0};
  mutable std::shared_mutex origin_mutex_;  // guards the map, not the keys
  std::map<std::uint32_t, std::unique_ptr<OriginKey>> origin_keys_;
};

}  // namespace agentcast::agent
