#pragma once
// The viewer's state, shared by the files that implement it: viewer.cpp (the facade),
// viewer_connect.cpp (connecting, the agent, joining the session) and viewer_loops.cpp
// (the receive thread and the control loop). Private to app/call.

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agentcast/call/agent_handshake.h"
#include "agentcast/call/media_pipeline_in.h"
#include "agentcast/call/media_pipeline_out.h"
#include "agentcast/call/seed_distribution.h"
#include "agentcast/call/session_agent.h"
#include "agentcast/call/viewer.h"
#include "agentcast/net/call_code.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/feedback.h"
#include "agentcast/net/tls_channel.h"
#include "agentcast/net/udp_socket.h"
#include "viewer_stats.h"

namespace agentcast::app {

inline ViewerProgress step_of(ViewerStep step) {
  ViewerProgress progress;
  progress.step = step;
  return progress;
}

struct Viewer::Impl {
  ViewerOptions options;
  net::CallCode code;
  std::unique_ptr<net::TlsConnection> control;
  std::unique_ptr<SessionAgent> agent;
  std::unique_ptr<net::UdpSocket> udp;
  net::Endpoint sender_media;
  std::uint16_t slot = 0;

  IncomingMedia incoming;
  std::unique_ptr<OutgoingMedia> back;          // a two-way call: what goes to the sender
  std::unique_ptr<SeedDistributor> back_seeds;  // control thread
  // Instructed selection: the last block posted of each of its own streams to the sender.
  std::map<std::uint16_t, std::uint64_t> own_instructed_through;  // control thread
  std::atomic<bool> joined{false};                                // agent and back_seeds are set
  SeedIntake seeds;
  std::vector<std::uint16_t> sender_streams;  // set before joined
  std::optional<FetchedAgent> fetched;
  std::int64_t start_us = media::now_us(), agent_ready_us = 0;
  std::vector<net::InstructionsMessage> early_instructions;  // before the session message
  ViewerCounters counters;
  // A receive-only agent cannot seal: its feedback waits here for the control thread.
  std::mutex feedback_mutex;
  std::deque<std::vector<std::uint8_t>> feedback_queue;
  mutable std::mutex text_mutex;
  std::string warnings, end_reason;
  std::function<void(const media::VideoFrame&)> frame_callback;
  std::atomic<bool> first_frame_reported{false};
  ViewerProgress joined_progress;  // written before the decode threads start
  bool ended_by_sender = false;    // guarded by text_mutex

  explicit Impl(ViewerOptions o)
      : options(std::move(o)),
        code(net::CallCode::parse(options.call_code)),
        incoming(IncomingMediaOptions{options.record_path, options.snapshot_path, options.audio_out,
                                      options.latency_ms, media::now_us()},
                 [this](const std::string& text) { warn(text); }) {
    if (options.send_back) open_back();
    incoming.on_frame([this](const media::VideoFrame& frame) {
      if (!first_frame_reported.exchange(true)) {
        ViewerProgress playing = joined_progress;
        playing.step = ViewerStep::kPlaying;
        progress(playing);
      }
      if (frame_callback) frame_callback(frame);
    });
  }

  void open_back() {
    back = std::make_unique<OutgoingMedia>(options.back);
    for (const std::string& warning : back->warnings())
      warn(warning);
  }

  void progress(ViewerProgress step) const {
    if (options.on_progress) options.on_progress(step);
  }

  // Reported once, when it happens, and kept for a user interface to show.
  void warn(const std::string& text) {
    std::fprintf(stderr, "%s\n", text.c_str());
    std::lock_guard lock(text_mutex);
    if (!warnings.empty()) warnings += "\n";
    warnings += text;
  }

  void connect(std::stop_token stop);
  void join_session(const net::Endpoint& sender);
  void send_hello(const agent::AgentCache& cache);
  void receive_agent(const agent::AgentCache& cache);
  net::SessionMessage await_session();
  void provide(const net::InstructionsMessage& message);
  void post_own_instructions();
  void join(const net::SessionMessage& session);
  void send_feedback(const net::Feedback& feedback);
  void receive_loop(std::stop_token stop);
  void control_loop(std::stop_token stop);
  bool dispatch(const net::ControlMessage& message);
};

}  // namespace agentcast::app
