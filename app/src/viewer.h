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

#include <QtCore/QJsonObject>

#include "agent_handshake.h"
#include "agentcast/media/media_types.h"
#include "media_pipeline_out.h"

namespace agentcast::app {

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
  AgentProgress agent_progress;                    // called while the agent arrives
};

// Why a viewer could not start or had to stop, for the user.
class ViewerError : public std::runtime_error {
 public:
  enum class Kind { kConnect, kRefused, kProtocol };
  ViewerError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

class Viewer {
 public:
  // Parses the call code (std::invalid_argument) and, for a two-way call, opens what is
  // sent back (as OutgoingMedia does: media::CameraUnavailableError or AudioDeviceError
  // for a device asked for by name that is missing). The sinks open on joining.
  explicit Viewer(ViewerOptions options);
  ~Viewer();

  // Connects, joins, and plays until `stop` is requested or the sender ends the session.
  // Throws ViewerError when connecting or joining fails.
  void run(std::stop_token stop);

  // Called on the video thread with every decoded frame (for a display).
  void on_frame(std::function<void(const media::VideoFrame&)> callback);
  // One-line warnings gathered while running (a missing sound card, ...).
  std::string warnings() const;
  // Why the session ended, if the sender said.
  std::string end_reason() const;

  QJsonObject stats_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentcast::app
