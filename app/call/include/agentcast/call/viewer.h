#pragma once
// The receiving end (patent Fig. 20, right): connect to the sender's control channel and
// verify it against the call code, join the session, then receive, open, reassemble,
// decode and play. Used by `agentcast view` and the viewer app.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include <QtCore/QJsonObject>

#include "agentcast/call/agent_handshake.h"
#include "agentcast/call/media_pipeline_out.h"
#include "agentcast/media/media_types.h"

namespace agentcast::app {

// The steps a person sees while a viewer connects (the viewer app shows each one).
enum class ViewerStep {
  kConnecting,            // reaching the sender's control port (with retries, Fig. 4B)
  kVerifyingCertificate,  // the TLS handshake: the sender's key against the call code
  kWaitingForHost,        // the sender's host decides whether to let this viewer in
  kReceivingAgent,        // bytes_done of bytes_total (a cached agent skips this)
  kVerifyingAgent,        // its signature against the pinned sender, platform, ABI
  kLoadingAgent,          // loading it and opening a trial session
  kWaitingForFirstFrame,  // joined: media flow, no picture decoded yet
  kPlaying,               // the first picture was decoded
};
std::string_view to_string(ViewerStep step) noexcept;

struct ViewerProgress {
  ViewerStep step = ViewerStep::kConnecting;
  std::uint64_t bytes_done = 0, bytes_total = 0;  // kReceivingAgent
  std::uint64_t host_wait_ms = 0;  // kWaitingForHost: how long the host has to decide
  std::string signer;              // kVerifyingAgent on: the safety number of the agent's signer
  // From kWaitingForFirstFrame on (kPlaying repeats them):
  std::string agent_kind;     // "full" or "receive-only"
  bool from_cache = false;    // the agent came from the private cache (also at kVerifyingAgent)
  bool sending_back = false;  // this viewer's camera and microphone go to the sender
};
// Called on the thread that runs Viewer::run (kPlaying: on the video thread). Keep it quick.
using ViewerProgressCallback = std::function<void(const ViewerProgress&)>;

struct ViewerOptions {
  std::string call_code;
  std::string record_path;            // Matroska file of the received stream, remuxed
  std::string snapshot_path;          // PNG of the last decoded frame, written at the end
  std::string audio_out = "default";  // default | none | wav:PATH | N (device index)
  int latency_ms = 50;                // jitter buffer target
  bool insecure_reference_units = false;
  std::string name = "agentcast viewer";
  int connect_timeout_ms = 10'000;  // keep retrying the sender this long (Fig. 4B)
  // A two-way call: the viewer's agent also sends `back` to the sender (its stream ids
  // are given on joining). Sources are opened by the constructor.
  bool send_back = false;
  OutgoingMediaOptions back;
  // The agent this viewer insists on: "full" (it can send feedback and media back),
  // "receive-only" (decrypt only; feedback then goes over the control channel), or empty:
  // whichever the sender ships (a full one in a call, a receive-only one in a broadcast).
  std::string agent;
  std::string agent_cache;  // the private agent cache; empty: $XDG_CACHE_HOME/agentcast/agents
  std::size_t max_agent_bytes = 16 * 1024 * 1024;  // a larger agent bundle is refused
  ViewerProgressCallback on_progress;              // each step of connecting, for a UI
  // The viewer app's "Send my camera and microphone": send back in a call (a full agent),
  // but in a broadcast take the receive-only agent and send nothing, instead of being
  // turned away as `send_back` would be. The sources open only once the agent can send.
  bool send_back_if_call = false;
};

// Why a viewer could not start or had to stop, for the user.
class ViewerError : public std::runtime_error {
 public:
  enum class Kind {
    kConnect,              // nobody answered at the call code's address
    kFingerprintMismatch,  // someone answered, but not the sender the call code names
    kAgentRefused,         // the agent failed a check: see agent_problem()
    kSenderRefused,        // the sender turned this viewer away (full, broadcast, ...)
    kSessionRefused,       // this viewer refused the session (insecure reference units)
    kProtocol,             // the sender broke the protocol or the connection broke
  };
  // What was wrong with a refused agent (kAgentRefused), in the terms a user can act on.
  using AgentProblem = app::AgentProblem;
  ViewerError(Kind kind, const std::string& message, AgentProblem problem = AgentProblem::kNone)
      : std::runtime_error(message), kind_(kind), problem_(problem) {}
  Kind kind() const noexcept { return kind_; }
  AgentProblem agent_problem() const noexcept { return problem_; }
  // The command line's exit status 6: the peer's identity or agent was refused.
  bool is_refusal() const noexcept {
    return kind_ == Kind::kFingerprintMismatch || kind_ == Kind::kAgentRefused ||
           kind_ == Kind::kSenderRefused || kind_ == Kind::kSessionRefused;
  }

 private:
  Kind kind_;
  AgentProblem problem_;
};

class Viewer {
 public:
  // Parses the call code (std::invalid_argument) and, for a two-way call, opens what is
  // sent back (as OutgoingMedia does: media::CameraUnavailableError or AudioDeviceError
  // for a device asked for by name that is missing). The sinks open on joining.
  explicit Viewer(ViewerOptions options);
  ~Viewer();

  // Connects, joins, and plays until `stop` is requested or the sender ends the session.
  // Throws ViewerError when connecting or joining fails, or (kConnect) when `stop` comes
  // before the session began: giving up while connecting is prompt.
  void run(std::stop_token stop);

  // Called on the video thread with every decoded frame (for a display). Before run().
  void on_frame(std::function<void(const media::VideoFrame&)> callback);
  // Playback volume (0 silent .. 1 as received) and mute; any thread, at any time.
  void set_volume(float volume) noexcept;
  void set_muted(bool muted) noexcept;
  // One-line warnings gathered while running (a missing sound card, ...).
  std::string warnings() const;
  // Why the session ended: the sender's goodbye, or how the control channel closed.
  std::string end_reason() const;
  // True when the sender ended the session with a goodbye (not a broken connection).
  bool ended_by_sender() const;

  QJsonObject stats_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentcast::app
