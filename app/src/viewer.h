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

#include "agentcast/media/media_types.h"

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
  // Parses the call code (std::invalid_argument) and opens the local sinks.
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
