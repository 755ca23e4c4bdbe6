/* The agent plugin's C ABI (DESIGN.md, "Agents as mobile code"; docs/BUNDLES.md §ABI).
 *
 * An agent plugin is a shared library that exports exactly one symbol,
 * agentcast_agent_entry(), which returns a table of functions. Everything that crosses the
 * boundary is C: fixed-width integers, byte buffers with explicit sizes, and structs that
 * begin with their own size, so an agent built by one compiler (or C++ standard library)
 * loads into an app built by another. No exception, allocation owned by the other side or
 * C++ type crosses it.
 *
 * Behind the table sit the application interface section (open a session, hand in
 * plaintext media and get packets back, and the reverse; statistics) and the cryptographic
 * processing section (sending and receiving sections, selection control, seed section).
 *
 * Threads: the same rules as the agent's C++ interface (agent/core media_agent.h): streams
 * are added before media flows; seal() for one stream from one thread at a time; open()
 * from one thread; everything else from any thread.
 *
 * Versioning: a host passes the ABI version it was built for. The plugin returns its table
 * only if it implements that version, else NULL. Functions are only ever added at the end
 * of the table, with the version number raised. */
#ifndef AGENTCAST_AGENT_PLUGIN_ABI_H
#define AGENTCAST_AGENT_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AGENTCAST_AGENT_ABI_VERSION 3u
#define AGENTCAST_AGENT_ENTRY_SYMBOL "agentcast_agent_entry"

#define AGENTCAST_SEED_SIZE 32u
#define AGENTCAST_SESSION_ID_SIZE 16u
#define AGENTCAST_MAX_UNITS 16u
#define AGENTCAST_STATUS_SLOTS 24u
#define AGENTCAST_ERROR_SIZE 256u
#define AGENTCAST_ORIGIN_TAG_SIZE 16u

/* Capabilities, a bit set. A receive-only agent has no sending section compiled in. */
#define AGENTCAST_CAP_RECEIVE 0x1u
#define AGENTCAST_CAP_SEND 0x2u

/* Results of the setup functions. seal() and open() return the net::SealStatus and
 * net::OpenStatus values instead (docs/PROTOCOL.md lists them). */
typedef enum agentcast_result {
  AGENTCAST_OK = 0,
  AGENTCAST_E_INVALID = 1,        /* a bad argument; the error text says which */
  AGENTCAST_E_UNSUPPORTED = 2,    /* not in this agent (sending in a receive-only agent) */
  AGENTCAST_E_UNKNOWN_STREAM = 3, /* no stream with that id in that direction */
  AGENTCAST_E_REFUSED = 4,        /* a seed or instruction that does not fit the stream */
  AGENTCAST_E_NONE = 5,           /* nothing to report (no seed is owed) */
  AGENTCAST_E_INTERNAL = 6        /* OpenSSL or memory failed */
} agentcast_result;

typedef enum agentcast_role { AGENTCAST_ROLE_SENDER = 0, AGENTCAST_ROLE_VIEWER = 1 } agentcast_role;

typedef struct agentcast_session_params {
  uint32_t struct_size; /* sizeof(agentcast_session_params) */
  uint8_t role;         /* agentcast_role */
  uint8_t seed_mode;    /* 0 synchronized (Fig. 17), 1 distributed (Fig. 15) */
  uint8_t select_mode;  /* 0 synchronized (Fig. 6), 1 instructed (Fig. 5) */
  uint8_t allow_insecure_reference_units;
  uint8_t session_id[AGENTCAST_SESSION_ID_SIZE];
  uint8_t initial_seed[AGENTCAST_SEED_SIZE];
  uint8_t units[AGENTCAST_MAX_UNITS]; /* crypto::UnitId values, in the agreed order */
  uint32_t unit_count;
  uint32_t mtu;
  uint64_t packets_per_epoch;
  /* Version 3. Origin authentication on the sender's streams (docs/PROTOCOL.md §13). */
  uint8_t origin_tags;
  uint8_t reserved[7];
} agentcast_session_params;

typedef struct agentcast_open_info {
  uint8_t kind; /* net::MediaKind */
  uint8_t reserved;
  uint16_t stream_id;
  uint32_t epoch;
  uint64_t sequence;
  size_t size; /* plaintext bytes written */
} agentcast_open_info;

typedef struct agentcast_unit_run {
  uint32_t unit_index;
  uint32_t length;
} agentcast_unit_run;

#define AGENTCAST_STREAM_SENDING 0u
#define AGENTCAST_STREAM_RECEIVING 1u

typedef struct agentcast_stream_stats {
  uint16_t stream_id;
  uint8_t direction;    /* AGENTCAST_STREAM_SENDING or _RECEIVING */
  uint8_t current_unit; /* 1 + the index of the newest packet's unit; 0 before the first */
  uint32_t epoch;       /* the stream's current epoch */
  uint64_t packets;
  uint64_t bytes;
  uint64_t unit_switches;
  uint64_t epochs;
  uint64_t epoch_changes_delayed;             /* sending */
  uint64_t packets_reordered;                 /* receiving */
  uint64_t by_status[AGENTCAST_STATUS_SLOTS]; /* receiving: packets by net::OpenStatus */
} agentcast_stream_stats;

typedef struct agentcast_agent agentcast_agent; /* one session, opaque */

typedef struct agentcast_agent_api {
  uint32_t abi_version;
  uint32_t struct_size;
  uint32_t capabilities; /* AGENTCAST_CAP_* */
  const char* name;
  const char* version;

  /* Opens a session. On failure writes a sentence to `error` (NUL-terminated). */
  int (*create)(const agentcast_session_params* params, agentcast_agent** agent, char* error,
                size_t error_size);
  void (*destroy)(agentcast_agent* agent);

  int (*add_outgoing)(agentcast_agent* agent, uint16_t stream_id, uint8_t kind, char* error,
                      size_t error_size);
  /* `seed` NULL: the stream starts at epoch 0 from the session's initial seed; otherwise
   * it joins a running stream at `epoch`, whose seed is `seed` (AGENTCAST_SEED_SIZE). */
  int (*add_incoming)(agentcast_agent* agent, uint16_t stream_id, uint8_t kind, uint32_t epoch,
                      const uint8_t* seed, char* error, size_t error_size);
  int (*remove_incoming)(agentcast_agent* agent, uint16_t stream_id);

  /* Returns a net::SealStatus; `*size` is the packet's length on success. */
  int (*seal)(agentcast_agent* agent, uint16_t stream_id, const uint8_t* payload,
              size_t payload_size, uint8_t* packet, size_t packet_capacity, size_t* size);
  /* Returns a net::OpenStatus; `info` is filled as far as the header parsed. */
  int (*open)(agentcast_agent* agent, const uint8_t* packet, size_t packet_size, uint8_t* payload,
              size_t payload_capacity, agentcast_open_info* info);

  /* The current epoch and seed of an outgoing stream, for a viewer that joins now. */
  int (*join_state)(agentcast_agent* agent, uint16_t stream_id, uint32_t* epoch,
                    uint8_t seed[AGENTCAST_SEED_SIZE]);
  /* Distributed seeds: AGENTCAST_OK with the epoch whose seed an outgoing stream is owed,
   * or AGENTCAST_E_NONE. */
  int (*epoch_needing_seed)(agentcast_agent* agent, uint16_t stream_id, uint32_t* epoch);
  int (*set_next_seed)(agentcast_agent* agent, uint16_t stream_id, uint32_t epoch,
                       const uint8_t seed[AGENTCAST_SEED_SIZE]);
  int (*provide_seed)(agentcast_agent* agent, uint16_t stream_id, uint32_t epoch,
                      const uint8_t seed[AGENTCAST_SEED_SIZE]);

  /* Instructed selection: the runs of one 4096-packet block of an outgoing stream (the
   * sender's selection control), and handing them to an incoming stream. */
  int (*instructions)(agentcast_agent* agent, uint16_t stream_id, uint64_t block,
                      agentcast_unit_run* runs, size_t capacity, size_t* count);
  int (*provide_instructions)(agentcast_agent* agent, uint16_t stream_id, uint64_t block,
                              const agentcast_unit_run* runs, size_t count);
  /* Where an outgoing stream is: its next sequence number. */
  int (*next_sequence)(agentcast_agent* agent, uint16_t stream_id, uint64_t* sequence);

  /* Every stream's counters. `*count` is the number of streams; at most `capacity` are
   * written. */
  int (*stats)(agentcast_agent* agent, agentcast_stream_stats* streams, size_t capacity,
               size_t* count, uint64_t* packets_for_unknown_streams);

  /* Version 2. add_incoming for a viewer joining a running stream: it starts at `epoch`
   * with `seed` (AGENTCAST_SEED_SIZE) and refuses every packet numbered below
   * `first_sequence` (the sender's next_sequence() when it took the join state), so that
   * nothing sealed before the join can be replayed to it. */
  int (*add_incoming_at)(agentcast_agent* agent, uint16_t stream_id, uint8_t kind, uint32_t epoch,
                         const uint8_t* seed, uint64_t first_sequence, char* error,
                         size_t error_size);
  /* Version 2. Distributed seeds: AGENTCAST_OK with the epoch of an incoming stream whose
   * packets arrive but whose seed this agent lacks (to ask the sender for again), or
   * AGENTCAST_E_NONE. */
  int (*missing_seed)(agentcast_agent* agent, uint16_t stream_id, uint32_t* epoch);
  /* Version 2. Re-key, both seed modes (a viewer was removed; docs/PROTOCOL.md §4): an
   * outgoing stream takes `seed` (AGENTCAST_SEED_SIZE, fresh random bytes) as the seed of
   * its next epoch, `*epoch`, replacing any it held or would derive, but keeps sealing in
   * its current epoch until commit_rekey() names that epoch; then its next packet is
   * sealed in it. AGENTCAST_E_REFUSED at the last epoch or if nothing of that epoch is
   * staged. */
  int (*rekey_outgoing)(agentcast_agent* agent, uint16_t stream_id,
                        const uint8_t seed[AGENTCAST_SEED_SIZE], uint32_t* epoch);
  int (*commit_rekey)(agentcast_agent* agent, uint16_t stream_id, uint32_t epoch);
  /* Version 2. Re-key, receiving side: `seed` replaces every seed and key an incoming
   * stream holds for `epoch` and later (AGENTCAST_E_REFUSED for an epoch it dropped or
   * more than 32 ahead). */
  int (*rekey_incoming)(agentcast_agent* agent, uint16_t stream_id, uint32_t epoch,
                        const uint8_t seed[AGENTCAST_SEED_SIZE]);
  /* Version 3. Origin authentication (docs/PROTOCOL.md §13), sender side: the origin key
   * of the viewer the host numbers `viewer`, from the initial seed of that viewer's own
   * session message (AGENTCAST_SEED_SIZE); added again, it replaces the old one. */
  int (*add_origin_key)(agentcast_agent* agent, uint32_t viewer,
                        const uint8_t seed[AGENTCAST_SEED_SIZE]);
  int (*remove_origin_key)(agentcast_agent* agent, uint32_t viewer);
  /* Version 3. Appends `viewer`'s origin tag (AGENTCAST_ORIGIN_TAG_SIZE bytes) to a packet
   * seal() made (`size` bytes at `packet`, which holds `capacity`); `*tagged_size` is the
   * copy's length. AGENTCAST_E_REFUSED for an unknown viewer, a packet of a stream without
   * origin tags or no room. Any thread. */
  int (*tag_for_viewer)(agentcast_agent* agent, uint32_t viewer, uint8_t* packet, size_t size,
                        size_t capacity, size_t* tagged_size);
} agentcast_agent_api;

typedef const agentcast_agent_api* (*agentcast_agent_entry_fn)(uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* AGENTCAST_AGENT_PLUGIN_ABI_H */
