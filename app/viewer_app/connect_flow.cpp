#include "connect_flow.h"

#include <utility>

#include <QtCore/QMetaObject>

#include "agentcast/call/thread_name.h"

namespace agentcast::viewer_ui {
namespace {

FlowState state_of(app::ViewerStep step) {
  switch (step) {
    case app::ViewerStep::kConnecting:
      return FlowState::kConnecting;
    case app::ViewerStep::kVerifyingCertificate:
      return FlowState::kVerifyingCertificate;
    case app::ViewerStep::kWaitingForHost:
      return FlowState::kWaitingForHost;
    case app::ViewerStep::kReceivingAgent:
      return FlowState::kReceivingAgent;
    case app::ViewerStep::kVerifyingAgent:
      return FlowState::kVerifyingAgent;
    case app::ViewerStep::kLoadingAgent:
      return FlowState::kLoadingAgent;
    case app::ViewerStep::kWaitingForFirstFrame:
      return FlowState::kWaitingForFirstFrame;
    case app::ViewerStep::kPlaying:
      return FlowState::kPlaying;
  }
  return FlowState::kConnecting;
}

}  // namespace

QString state_name(FlowState state) {
  switch (state) {
    case FlowState::kIdle:
      return "idle";
    case FlowState::kConnecting:
      return "connecting";
    case FlowState::kVerifyingCertificate:
      return "verifying_certificate";
    case FlowState::kWaitingForHost:
      return "waiting_for_host";
    case FlowState::kReceivingAgent:
      return "receiving_agent";
    case FlowState::kVerifyingAgent:
      return "verifying_agent";
    case FlowState::kLoadingAgent:
      return "loading_agent";
    case FlowState::kWaitingForFirstFrame:
      return "waiting_for_first_frame";
    case FlowState::kPlaying:
      return "playing";
    case FlowState::kDisconnecting:
      return "disconnecting";
    case FlowState::kFailed:
      return "failed";
    case FlowState::kEnded:
      return "ended";
  }
  return "idle";
}

bool in_session(FlowState state) {
  return state != FlowState::kIdle && state != FlowState::kFailed && state != FlowState::kEnded;
}

ConnectFlow::ConnectFlow(FrameSink sink, QObject* parent)
    : QObject(parent), sink_(std::move(sink)) {}

ConnectFlow::~ConnectFlow() {
  // The window closes only once its session has wound down, so this join is normally
  // instant; it waits only for a session still connecting (the core's connect timeout).
  pending_.reset();
  if (worker_.joinable()) {
    worker_.request_stop();
    worker_.join();
  }
}

void ConnectFlow::start(app::ViewerOptions options) {
  if (worker_.joinable()) {
    pending_ = std::move(options);
    worker_.request_stop();
    set_state(FlowState::kDisconnecting);
    return;
  }
  launch(std::move(options));
}

void ConnectFlow::launch(app::ViewerOptions options) {
  failure_.reset();
  progress_ = app::ViewerProgress{};
  if (Failure bad; call_code_failure(options.call_code, bad)) {
    apply_failure(bad);
    return;
  }
  const std::uint64_t session = ++session_;
  set_state(FlowState::kConnecting);
  emit progressed(progress_);
  worker_ =
      std::jthread([this, session, options = std::move(options)](std::stop_token stop) mutable {
        app::name_this_thread("ac-viewer");
        work(stop, std::move(options), session);
      });
}

void ConnectFlow::stop() {
  pending_.reset();
  if (!worker_.joinable()) {
    if (in_session(state_)) set_state(FlowState::kIdle);
    return;
  }
  worker_.request_stop();
  set_state(FlowState::kDisconnecting);
}

void ConnectFlow::work(std::stop_token stop, app::ViewerOptions options, std::uint64_t session) {
  options.on_progress = [this, session](const app::ViewerProgress& progress) {
    post_progress(session, progress);
  };
  std::optional<Failure> failure;
  try {
    app::Viewer viewer(std::move(options));
    viewer.on_frame(sink_);
    // Takes the final figures and hides the viewer from the UI thread before it is
    // destroyed, however run() ends.
    struct Unpublish {
      ConnectFlow& flow;
      app::Viewer& viewer;
      ~Unpublish() {
        const std::lock_guard lock(flow.viewer_mutex_);
        flow.last_stats_ = viewer.stats_json();
        flow.last_warnings_ = viewer.warnings();
        flow.viewer_ = nullptr;
      }
    };
    {
      const std::lock_guard lock(viewer_mutex_);
      viewer_ = &viewer;
      viewer.set_volume(volume_.load());
      viewer.set_muted(muted_.load());
    }
    const Unpublish unpublish{*this, viewer};
    viewer.run(stop);
    if (!stop.stop_requested())
      failure = session_ended(viewer.end_reason(), viewer.ended_by_sender());
  } catch (...) {
    // A failure caused by stopping is no failure: the user asked for it.
    if (!stop.stop_requested()) failure = classify(std::current_exception());
  }
  QMetaObject::invokeMethod(
      this, [this, session, failure] { on_finished(session, failure); }, Qt::QueuedConnection);
}

void ConnectFlow::post_progress(std::uint64_t session, const app::ViewerProgress& progress) {
  QMetaObject::invokeMethod(
      this, [this, session, progress] { on_progress(session, progress); }, Qt::QueuedConnection);
}

void ConnectFlow::on_progress(std::uint64_t session, const app::ViewerProgress& progress) {
  if (session != session_ || !in_session(state_) || state_ == FlowState::kDisconnecting) return;
  apply_progress(progress);
}

void ConnectFlow::on_finished(std::uint64_t session, const std::optional<Failure>& failure) {
  if (session != session_) return;
  // The worker posted this as its last act: the join returns at once.
  if (worker_.joinable()) worker_.join();
  if (pending_) {
    app::ViewerOptions next = std::move(*pending_);
    pending_.reset();
    launch(std::move(next));
    return;
  }
  if (failure && state_ != FlowState::kDisconnecting) {
    apply_failure(*failure);
  } else {
    set_state(FlowState::kIdle);
  }
}

void ConnectFlow::apply_progress(const app::ViewerProgress& progress) {
  const FlowState next = state_of(progress.step);
  if (!in_session(state_)) {
    progress_ = app::ViewerProgress{};
  } else if (next < state_) {
    // The first picture is reported from the video thread: never step back behind it.
    return;
  }
  // Each step carries what is known by then; keep what an earlier step told.
  app::ViewerProgress merged = progress;
  if (merged.signer.empty()) merged.signer = progress_.signer;
  if (merged.agent_kind.empty()) merged.agent_kind = progress_.agent_kind;
  if (merged.bytes_total == 0) {
    merged.bytes_total = progress_.bytes_total;
    merged.bytes_done = progress_.bytes_done;
  }
  if (next > FlowState::kVerifyingAgent) merged.from_cache |= progress_.from_cache;
  if (next > FlowState::kWaitingForFirstFrame) merged.sending_back |= progress_.sending_back;
  progress_ = std::move(merged);
  failure_.reset();
  set_state(next);
  emit progressed(progress_);
}

void ConnectFlow::apply_failure(const Failure& failure) {
  failure_ = failure;
  set_state(failure.kind == FailureKind::kSessionEnded ? FlowState::kEnded : FlowState::kFailed);
  emit failed(failure);
}

void ConnectFlow::set_state(FlowState state) {
  if (state == state_) return;
  state_ = state;
  emit state_changed(state);
}

void ConnectFlow::set_volume(float volume) {
  volume_.store(volume);
  const std::lock_guard lock(viewer_mutex_);
  if (viewer_ != nullptr) viewer_->set_volume(volume);
}

void ConnectFlow::set_muted(bool muted) {
  muted_.store(muted);
  const std::lock_guard lock(viewer_mutex_);
  if (viewer_ != nullptr) viewer_->set_muted(muted);
}

QJsonObject ConnectFlow::stats_json() const {
  const std::lock_guard lock(viewer_mutex_);
  return viewer_ != nullptr ? viewer_->stats_json() : last_stats_;
}

std::string ConnectFlow::warnings() const {
  const std::lock_guard lock(viewer_mutex_);
  return viewer_ != nullptr ? viewer_->warnings() : last_warnings_;
}

void ConnectFlow::inject_progress(const app::ViewerProgress& progress) {
  apply_progress(progress);
}

void ConnectFlow::inject_failure(const Failure& failure) {
  apply_failure(failure);
}

void ConnectFlow::inject_end(const std::string& reason) {
  apply_failure(session_ended(reason, true));
}

}  // namespace agentcast::viewer_ui
