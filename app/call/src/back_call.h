#pragma once
// The two-way call: what one viewer sends back (its camera and microphone), received,
// decoded and played or recorded at the sender. One at a time: the back files
// (--record-back, ...) are one call's. The control plane starts and ends it; the media
// receive thread feeds it; the statistics read the last one.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "agentcast/call/media_pipeline_in.h"
#include "agentcast/call/seed_distribution.h"
#include "agentcast/call/session_agent.h"

namespace agentcast::app {

struct BackCall {
  BackCall(std::uint16_t viewer_slot, std::string viewer_name, IncomingMediaOptions sinks);
  const std::uint16_t slot;
  const std::string name;
  IncomingMedia media;
  SeedIntake seeds;
};

class BackCalls {
 public:
  BackCalls(SessionAgent& agent, IncomingMediaOptions sinks) : agent_(agent), sinks_(sinks) {}

  // Set before the first call starts.
  void on_frame(std::function<void(const media::VideoFrame&)> callback) {
    frame_callback_ = std::move(callback);
  }
  void set_volume(float volume);
  void set_muted(bool muted);

  // Opens the back streams of the viewer in `slot`, starting where its feedback does.
  // Throws what the sinks throw (a file that cannot be written, ...).
  std::shared_ptr<BackCall> start(std::uint16_t slot, const std::string& name,
                                  const agent::StreamJoinState& start);
  // Makes `call` the current one.
  void publish(std::shared_ptr<BackCall> call);
  // Ends the current call if it is `slot`'s (any slot when empty), with its final figures.
  void end(std::optional<std::uint16_t> slot = std::nullopt);
  // Takes a seed of the current call's viewer in `slot` (distributed mode): it may name
  // only its own back streams.
  void take_seed(std::uint16_t slot, const net::SeedMessage& seed);

  std::shared_ptr<BackCall> current() const;
  std::shared_ptr<BackCall> last() const;  // the current one, or the one that ended

 private:
  void close(BackCall& call);

  SessionAgent& agent_;
  const IncomingMediaOptions sinks_;
  std::function<void(const media::VideoFrame&)> frame_callback_;
  std::atomic<float> volume_{1.0F};
  std::atomic<bool> muted_{false};
  mutable std::mutex mutex_;  // guards the two below
  std::shared_ptr<BackCall> current_, last_;
};

}  // namespace agentcast::app
