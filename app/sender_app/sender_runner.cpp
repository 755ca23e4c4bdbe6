#include "sender_runner.h"

#include <QtCore/QMetaObject>

#include "agentcast/call/thread_name.h"

#include "start_failure.h"

namespace agentcast::sender_app {

const char* SenderRunner::to_string(State state) noexcept {
  switch (state) {
    case State::kIdle:
      return "idle";
    case State::kStarting:
      return "starting";
    case State::kSending:
      return "sending";
    case State::kStopping:
      return "stopping";
    case State::kFailed:
      return "failed";
  }
  return "idle";
}

SenderRunner::SenderRunner(QObject* parent) : QObject(parent) {}

SenderRunner::~SenderRunner() {
  shutdown();
}

void SenderRunner::shutdown() {
  if (worker_.joinable()) {
    worker_.request_stop();
    worker_.join();
  }
}

void SenderRunner::start(app::SenderOptions options, FrameCallback preview, FrameCallback back) {
  if (busy()) return;
  // The last worker has posted its end already; only its return remains.
  if (worker_.joinable()) worker_.join();
  {
    const std::lock_guard lock(sender_mutex_);
    final_stats_ = QJsonObject();
  }
  set_state(State::kStarting);
  worker_ = std::jthread([this, options = std::move(options), preview = std::move(preview),
                          back = std::move(back)](std::stop_token stop) mutable {
    app::name_this_thread("ac-sender");
    work(std::move(stop), std::move(options), std::move(preview), std::move(back));
  });
}

void SenderRunner::stop() {
  if (state_ != State::kStarting && state_ != State::kSending) return;
  worker_.request_stop();
  set_state(State::kStopping);
}

QJsonObject SenderRunner::stats_json() const {
  const std::lock_guard lock(sender_mutex_);
  return sender_ != nullptr ? sender_->stats_json() : final_stats_;
}

QString SenderRunner::new_invite() {
  const std::lock_guard lock(sender_mutex_);
  return sender_ != nullptr ? QString::fromStdString(sender_->new_invite()) : QString();
}

std::vector<app::PendingViewer> SenderRunner::waiting_viewers() const {
  const std::lock_guard lock(sender_mutex_);
  return sender_ != nullptr ? sender_->waiting_viewers() : std::vector<app::PendingViewer>{};
}

bool SenderRunner::decide(std::uint64_t id, bool admit) {
  const std::lock_guard lock(sender_mutex_);
  return sender_ != nullptr && sender_->decide(id, admit);
}

bool SenderRunner::remove_viewer(std::uint16_t slot) {
  const std::lock_guard lock(sender_mutex_);
  return sender_ != nullptr && sender_->remove_viewer(slot);
}

void SenderRunner::set_back_volume(float volume) {
  back_volume_ = volume;
  const std::lock_guard lock(sender_mutex_);
  if (sender_ != nullptr) sender_->set_back_volume(volume);
}

void SenderRunner::set_back_muted(bool muted) {
  back_muted_ = muted;
  const std::lock_guard lock(sender_mutex_);
  if (sender_ != nullptr) sender_->set_back_muted(muted);
}

void SenderRunner::set_state(State state) {
  if (state_ == state) return;
  state_ = state;
  emit state_changed(state);
}

void SenderRunner::post(std::function<void()> call) {
  // `this` as the context: should the runner go away first, the call is dropped.
  QMetaObject::invokeMethod(this, std::move(call), Qt::QueuedConnection);
}

void SenderRunner::work(std::stop_token stop, app::SenderOptions options, FrameCallback preview,
                        FrameCallback back) {
  std::unique_ptr<app::Sender> sender;
  try {
    sender = std::make_unique<app::Sender>(std::move(options));
  } catch (...) {
    const StartFailure failure = describe_start_failure(std::current_exception());
    post([this, failure] {
      set_state(State::kFailed);
      emit failed(failure.message, failure.exit_code);
    });
    return;
  }
  sender->on_preview(std::move(preview));
  sender->on_back_frame(std::move(back));
  sender->set_back_volume(back_volume_);
  sender->set_back_muted(back_muted_);
  // On the greeting thread: only a queued signal, so the greeter never waits on the UI.
  sender->on_waiting_viewers_changed([this] { post([this] { emit waiting_viewers_changed(); }); });
  const QString code = QString::fromStdString(sender->call_code());
  const QString fingerprint = QString::fromStdString(sender->readable_fingerprint());
  {
    const std::lock_guard lock(sender_mutex_);
    sender_ = sender.get();
  }
  post([this, code, fingerprint] {
    // A stop asked for while the Sender was being made wins.
    if (state_ == State::kStarting) set_state(State::kSending);
    emit started(code, fingerprint);
  });

  QString error;
  try {
    sender->run(stop);
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
  }
  QJsonObject last = sender->stats_json();
  {
    const std::lock_guard lock(sender_mutex_);
    sender_ = nullptr;
    final_stats_ = std::move(last);
  }
  sender.reset();  // joins the pipeline's threads: no frame callback runs after this
  post([this, error] {
    emit waiting_viewers_changed();  // a stopped sender has nobody waiting
    if (error.isEmpty()) {
      set_state(State::kIdle);
      emit stopped();
    } else {
      set_state(State::kFailed);
      emit failed(QStringLiteral("Sending stopped because of an error: %1").arg(error),
                  app::kExitFailure);
    }
  });
}

}  // namespace agentcast::sender_app
