#pragma once
// One connection at a time, as a state machine the window shows:
//   Idle → Connecting → VerifyingCertificate → ReceivingAgent → VerifyingAgent →
//   LoadingAgent → WaitingForFirstFrame → Playing, and Failed or Ended;
//   Disconnecting while a stopped session winds down (then Idle).
// The app::Viewer is made and run on a worker thread: the UI thread never waits on the
// network or a codec. Progress and the outcome come back as queued calls; pictures go from
// the video thread straight to the frame sink. The inject_* calls drive the same
// transitions without a network, for the tests.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include <QtCore/QJsonObject>
#include <QtCore/QObject>

#include "agentcast/call/viewer.h"
#include "failure_text.h"

namespace agentcast::viewer_ui {

enum class FlowState {
  kIdle,
  kConnecting,
  kVerifyingCertificate,
  kWaitingForHost,
  kReceivingAgent,
  kVerifyingAgent,
  kLoadingAgent,
  kWaitingForFirstFrame,
  kPlaying,
  kDisconnecting,
  kFailed,
  kEnded,
};
// A stable name for scripts (the "ui.state" of --stats-json): "idle", "connecting", ...
QString state_name(FlowState state);
// A session exists (connecting or connected): connection options are fixed meanwhile.
bool in_session(FlowState state);

class ConnectFlow : public QObject {
  Q_OBJECT

 public:
  using FrameSink = std::function<void(const media::VideoFrame&)>;

  // `sink` is called on the video thread with every picture; it must stay valid until this
  // object is destroyed (the destructor stops and joins the session).
  explicit ConnectFlow(FrameSink sink, QObject* parent = nullptr);
  ~ConnectFlow() override;

  // Starts a session with `options` (on_progress is set here). While an earlier session
  // is still winding down, this one starts as soon as it has.
  void start(app::ViewerOptions options);
  // Asks the session to stop and returns at once; Idle follows when it has.
  void stop();

  FlowState state() const noexcept { return state_; }
  // A session's thread is still running (possibly winding down after stop()).
  bool busy() const noexcept { return worker_.joinable(); }
  const app::ViewerProgress& progress() const noexcept { return progress_; }
  // The failure that ended the last session, when the state is Failed or Ended.
  const std::optional<Failure>& failure() const noexcept { return failure_; }

  // Live: applied to the running session and remembered for the next (any thread).
  void set_volume(float volume);
  void set_muted(bool muted);

  // The running session's statistics, or the last session's final ones; empty before any.
  QJsonObject stats_json() const;
  std::string warnings() const;

  // The transitions a real session makes, for the tests.
  void inject_progress(const app::ViewerProgress& progress);
  void inject_failure(const Failure& failure);
  void inject_end(const std::string& reason);

 signals:
  void state_changed(agentcast::viewer_ui::FlowState state);
  void progressed(const agentcast::app::ViewerProgress& progress);
  // A session failed or the sender ended it (FailureKind::kSessionEnded).
  void failed(const agentcast::viewer_ui::Failure& failure);

 private:
  void work(std::stop_token stop, app::ViewerOptions options, std::uint64_t session);
  void post_progress(std::uint64_t session, const app::ViewerProgress& progress);
  void on_progress(std::uint64_t session, const app::ViewerProgress& progress);
  // `failure`: why the session ended, unless the user stopped it.
  void on_finished(std::uint64_t session, const std::optional<Failure>& failure);
  void apply_progress(const app::ViewerProgress& progress);
  void apply_failure(const Failure& failure);
  void set_state(FlowState state);
  void launch(app::ViewerOptions options);

  FrameSink sink_;
  FlowState state_ = FlowState::kIdle;
  app::ViewerProgress progress_;
  std::optional<Failure> failure_;
  std::optional<app::ViewerOptions> pending_;  // to start once the previous session ended
  std::uint64_t session_ = 0;                  // UI thread; the posts of older ones are stale
  std::jthread worker_;

  std::atomic<float> volume_{1.0f};
  std::atomic<bool> muted_{false};
  // The running viewer, for the UI thread's live settings and statistics. The worker
  // clears it before destroying the viewer.
  mutable std::mutex viewer_mutex_;
  app::Viewer* viewer_ = nullptr;
  QJsonObject last_stats_;  // guarded by viewer_mutex_
  std::string last_warnings_;
};

}  // namespace agentcast::viewer_ui
