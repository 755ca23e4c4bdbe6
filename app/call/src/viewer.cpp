// The viewer as its callers see it (viewer.h): a facade over Viewer::Impl
// (viewer_impl.h), whose connecting and running halves live in viewer_connect.cpp and
// viewer_loops.cpp.
#include "agentcast/call/viewer.h"

#include <condition_variable>
#include <thread>

#include <QtCore/QJsonObject>

#include "viewer_impl.h"

namespace agentcast::app {

Viewer::Viewer(ViewerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Viewer::~Viewer() = default;

void Viewer::on_frame(std::function<void(const media::VideoFrame&)> callback) {
  impl_->frame_callback = std::move(callback);
}

void Viewer::set_volume(float volume) noexcept {
  impl_->incoming.set_volume(volume);
}

void Viewer::set_muted(bool muted) noexcept {
  impl_->incoming.set_muted(muted);
}

std::string_view to_string(ViewerStep step) noexcept {
  switch (step) {
    case ViewerStep::kConnecting:
      return "connecting";
    case ViewerStep::kVerifyingCertificate:
      return "verifying the sender's certificate";
    case ViewerStep::kWaitingForHost:
      return "waiting for the host to let you in";
    case ViewerStep::kReceivingAgent:
      return "receiving the agent";
    case ViewerStep::kVerifyingAgent:
      return "verifying the agent's signature";
    case ViewerStep::kLoadingAgent:
      return "loading the agent";
    case ViewerStep::kWaitingForFirstFrame:
      return "waiting for the first frame";
    case ViewerStep::kPlaying:
      return "playing";
  }
  return "unknown";
}

void Viewer::run(std::stop_token stop) {
  Impl& v = *impl_;
  v.connect(stop);
  {
    // The session ends when the caller stops or the sender leaves.
    std::stop_source session;
    std::stop_callback forward(stop, [&] { session.request_stop(); });
    v.incoming.start();
    std::jthread receiver([&](std::stop_token t) { v.receive_loop(t); });
    if (v.back) {
      v.back->start(*v.agent, *v.udp, [&v](const media::EncodedFrame&) {
        return std::vector<OutgoingMedia::Recipient>{{v.sender_media, 0}};
      });
    }
    v.control_loop(session.get_token());
    // Nothing more goes back once the call is over, so that the sender's figures of what
    // was sent and what arrived agree.
    if (v.back) v.back->stop();
    if (!stop.stop_requested()) v.incoming.drain();  // the sender left: play out what is in flight
    receiver.request_stop();
    receiver.join();
    v.incoming.stop();
  }
  try {
    v.control->send(net::encode_control(net::ByeMessage{"viewer closed"}));
  } catch (const net::ControlError&) {
  }
  v.incoming.finish();
}

std::string Viewer::warnings() const {
  std::lock_guard lock(impl_->text_mutex);
  return impl_->warnings;
}

std::string Viewer::end_reason() const {
  std::lock_guard lock(impl_->text_mutex);
  return impl_->end_reason;
}

bool Viewer::ended_by_sender() const {
  std::lock_guard lock(impl_->text_mutex);
  return impl_->ended_by_sender;
}

QJsonObject Viewer::stats_json() const {
  const Impl& v = *impl_;
  QJsonObject stats = v.incoming.figures().to_json();
  merge_json(stats, v.counters.to_json());
  stats["seeds_received"] = static_cast<qint64>(v.seeds.received());
  stats["seeds_refused"] = static_cast<qint64>(v.seeds.refused());
  stats["seeds_requested"] = static_cast<qint64>(v.seeds.requested());
  stats["rekeys"] = static_cast<qint64>(v.seeds.rekeys());
  // `fetched` is written before `joined` is set, by the thread that connects.
  if (v.joined.load(std::memory_order_acquire) && v.fetched) {
    QJsonObject agent_info;
    agent_info["kind"] =
        QString::fromStdString(std::string(agent::to_string(v.fetched->agent.manifest.kind)));
    agent_info["hash"] = QString::fromStdString(v.fetched->agent.content_hash);
    agent_info["bundle_bytes"] = static_cast<qint64>(v.fetched->agent.bundle_size);
    agent_info["from_cache"] = v.fetched->from_cache;
    agent_info["ready_ms"] = static_cast<double>(v.agent_ready_us - v.start_us) / 1000.0;
    stats["agent"] = agent_info;
    if (v.agent) stats["origin_auth"] = v.agent->params().origin_tags;
  }
  if (v.back && v.joined.load(std::memory_order_acquire)) {
    QJsonObject back = v.back->figures(v.agent->stats()).to_json();
    back["seeds_generated"] = static_cast<qint64>(v.back_seeds->generated());
    back["seeds_distributed"] = static_cast<qint64>(v.back_seeds->distributed());
    stats["send_back"] = back;
  }
  return stats;
}

}  // namespace agentcast::app
