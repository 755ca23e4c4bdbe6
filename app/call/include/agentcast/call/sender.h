#pragma once
// The sending end of a call or broadcast (patent Fig. 20, left): capture, encode, hand the
// frames to the resident agent, send the sealed packets to every viewer over UDP; accept
// viewers on the TLS control channel. In a two-way call it also receives, decodes and
// plays what one viewer sends back. Used by `agentcast send` and the sender app.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include <QtCore/QJsonObject>

#include "agentcast/call/media_pipeline_out.h"
#include "agentcast/media/media_types.h"
#include "agentcast/net/section_config.h"

namespace agentcast::app {

struct SenderOptions {
  std::string listen = "127.0.0.1:0";  // HOST:PORT; TCP for control, UDP for media
  OutgoingMediaOptions media;          // what is sent: the test pattern and tone by default
  int max_viewers = 1;
  // Ask the host about each viewer: one that has proven its call code (or invitation)
  // waits, with no agent byte, session or seed sent to it, until decide() admits or denies
  // it, or is refused as host_did_not_answer after `ask_host_within`.
  bool ask_host = false;
  std::chrono::milliseconds ask_host_within{60'000};
  std::string agent = "full";  // full | receive-only
  net::SeedMode seeds = net::SeedMode::kSynchronized;
  net::SelectMode select = net::SelectMode::kSynchronized;
  std::string agent_dir;    // the agent plugins; empty: next to the program
  std::string agent_cache;  // the private agent cache; empty: $XDG_CACHE_HOME/agentcast/agents
  std::uint64_t packets_per_epoch = std::uint64_t{1} << 20;
  bool insecure_reference_units = false;
  // Origin authentication (DESIGN.md rule 11): each viewer's copy of a packet carries a tag
  // under that viewer's own key, so no viewer can forge for another. Off only to measure
  // what it costs (`--origin-auth off`).
  bool origin_tags = true;
  std::string identity_path;  // empty: $XDG_CONFIG_HOME/agentcast/identity.pem
  std::string name = "agentcast sender";
  // A two-way call: what one viewer sends back (its camera and microphone).
  std::string record_back_path;         // Matroska file of it, remuxed
  std::string snapshot_back_path;       // PNG of its last decoded frame
  std::string audio_out_back = "none";  // default | none | wav:PATH | device:N
  int latency_back_ms = 50;             // jitter buffer target
};

// A viewer waiting for the host's decision (SenderOptions::ask_host).
struct PendingViewer {
  std::uint64_t id = 0;  // for Sender::decide; never reused by one Sender
  std::string name;      // what the viewer calls itself (its hello): not verified
  std::string address;   // HOST:PORT its control connection comes from
};

// Exit codes shared by the command line tools, so scripts can tell failures apart.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,
  kExitUsage = 2,
  kExitNoCamera = 3,
  kExitNoAudioDevice = 4,
  kExitConnectFailed = 5,
  kExitRefused = 6,  // the peer's identity or agent was refused
};

class Sender {
 public:
  // Opens the sources and the sockets. Throws std::invalid_argument (bad options) or
  // std::runtime_error naming what failed (a missing camera is media::CameraUnavailableError).
  explicit Sender(SenderOptions options);
  ~Sender();

  // agentcast://HOST:PORT/#fp=HEX&k=SECRET for the address actually bound. It holds the
  // call's join secret: whoever has it may join.
  std::string call_code() const;
  // A single-use invitation: a call code like call_code() whose secret admits one viewer,
  // once. Give it to a guest instead of the call code, which any number may use. Any thread.
  std::string new_invite();
  std::string readable_fingerprint() const;

  // Called with every captured picture before it is encoded (a preview), on the capture
  // thread. Before run(); keep it quick.
  void on_preview(std::function<void(const media::VideoFrame&)> callback);
  // Called with every decoded picture a two-way call's viewer sends back, on its video
  // thread. Before run().
  void on_back_frame(std::function<void(const media::VideoFrame&)> callback);
  // The volume of what a two-way call's viewer sends back (0 .. 1) and mute; any thread.
  void set_back_volume(float volume);
  void set_back_muted(bool muted);

  // SenderOptions::ask_host: `callback` runs whenever a viewer starts or stops waiting
  // (on the greeting thread, or on the thread that calls decide()): re-read
  // waiting_viewers() then. Keep it quick; no lock of the Sender's is held. Before run().
  void on_waiting_viewers_changed(std::function<void()> callback);
  // The viewers waiting for a decision, oldest first. Any thread.
  std::vector<PendingViewer> waiting_viewers() const;
  // Admits or denies a waiting viewer; false if it waits no longer (it left, its time ran
  // out, or it was decided already). Any thread; returns at once.
  bool decide(std::uint64_t id, bool admit);

  // Removes the viewer in `slot` (the N of "viewer N joined", `slot` in stats_json()'s
  // `viewers`): its session ends with `removed` ("removed by the host"), its media stop at
  // once, and every stream is re-keyed for the viewers who remain, so it can open nothing
  // sent after that. False if no such viewer is in. Any thread; returns at once.
  bool remove_viewer(std::uint16_t slot);

  // Runs until `stop` is requested. Then stops every thread and returns.
  void run(std::stop_token stop);

  // Statistics for --stats-json (docs/STATS.md); callable from any thread.
  QJsonObject stats_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The default identity path: $XDG_CONFIG_HOME/agentcast/identity.pem or
// ~/.config/agentcast/identity.pem; the directory is created 0700.
std::string default_identity_path();

}  // namespace agentcast::app
