#pragma once
// Owns the app::Sender and the worker thread it lives on. The Sender's constructor opens
// devices and loads the resident agent, and run() blocks until stopped: both happen on the
// worker so that the UI thread never waits on a device, the network or a codec. What
// happens there comes back as signals on the UI thread.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QString>

#include "agentcast/call/sender.h"
#include "agentcast/media/media_types.h"

namespace agentcast::sender_app {

class SenderRunner : public QObject {
  Q_OBJECT

 public:
  enum class State { kIdle, kStarting, kSending, kStopping, kFailed };
  static const char* to_string(State state) noexcept;

  using FrameCallback = std::function<void(const media::VideoFrame&)>;

  explicit SenderRunner(QObject* parent = nullptr);
  // Stops and joins the worker: no callback runs once this returns.
  ~SenderRunner() override;

  // From kIdle or kFailed. `preview` gets every captured picture and `back` every picture a
  // two-way call's viewer sends back, both on the pipeline's threads; they must stay
  // callable until stopped() (or the destructor).
  void start(app::SenderOptions options, FrameCallback preview, FrameCallback back);
  // Returns at once; stopped() (or failed()) follows.
  void stop();
  // Waits for the worker: for shutting down, never while the app is in use.
  void shutdown();

  State state() const noexcept { return state_; }
  bool busy() const noexcept {
    return state_ == State::kStarting || state_ == State::kSending || state_ == State::kStopping;
  }

  // The running Sender's statistics, or those it had when it stopped; empty before.
  QJsonObject stats_json() const;

  // A new single-use invitation of the running call; empty when nothing is being sent.
  QString new_invite();

  // "Ask me before each viewer joins": who waits now (empty when nothing is being sent),
  // and the host's answer about one of them (false: it no longer waits).
  std::vector<app::PendingViewer> waiting_viewers() const;
  bool decide(std::uint64_t id, bool admit);
  // Removes a viewer (Sender::remove_viewer): false if it is gone or nothing runs.
  bool remove_viewer(std::uint16_t slot);

  // Remembered across runs; applied at once to a running sender. Any value 0 .. 1.
  void set_back_volume(float volume);
  void set_back_muted(bool muted);

 signals:
  void state_changed(agentcast::sender_app::SenderRunner::State state);
  // Listening: the call code to hand out and the fingerprint to read aloud.
  void started(const QString& call_code, const QString& readable_fingerprint);
  // Could not start (or broke while running), in plain words, with the command line's
  // exit code for the same failure.
  void failed(const QString& message, int exit_code);
  void stopped();
  // A viewer started or stopped waiting for the host: read waiting_viewers() again.
  void waiting_viewers_changed();

 private:
  void work(std::stop_token stop, app::SenderOptions options, FrameCallback preview,
            FrameCallback back);
  void set_state(State state);
  void post(std::function<void()> call);

  State state_ = State::kIdle;  // UI thread
  std::jthread worker_;

  // The worker's Sender while it runs. The UI thread reads through it only with the
  // mutex held, and the worker clears it (under the mutex) before destroying the Sender,
  // so the Sender is always destroyed on the worker.
  mutable std::mutex sender_mutex_;
  app::Sender* sender_ = nullptr;
  QJsonObject final_stats_;  // guarded by sender_mutex_

  std::atomic<float> back_volume_{1.0F};
  std::atomic<bool> back_muted_{false};
};

}  // namespace agentcast::sender_app
