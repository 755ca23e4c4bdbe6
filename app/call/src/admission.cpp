#include "admission.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace agentcast::app {

AdmissionDecision Admission::judge(const net::HelloMessage& hello) const {
  AdmissionDecision decision;
  auto refuse = [&](Refusal refusal, std::string reason) {
    decision.refusal = refusal;
    decision.reason = std::move(reason);
    return decision;
  };
  if (hello.protocol != net::kControlProtocol) {
    return refuse(Refusal::kUnsupportedProtocol,
                  "protocol " + std::to_string(hello.protocol) + " is not supported");
  }
  if (broadcast_ && hello.send_back) {
    return refuse(Refusal::kBroadcastOnly, "this is a broadcast: viewers cannot send back");
  }
  if (hello.send_back && hello.agent != "full") {
    return refuse(Refusal::kReceiveOnlyAgent,
                  "a receive-only agent has no sending section: it cannot send back");
  }
  const bool back_busy = back_.current() != nullptr;
  if (hello.send_back && back_busy) {
    return refuse(Refusal::kBackBusy, "another viewer is sending back: one two-way call at a time");
  }
  if (static_cast<int>(roster_.size()) >= max_viewers_) {
    return refuse(Refusal::kFull,
                  "the sender is full (" + std::to_string(max_viewers_) + " viewers)");
  }
  // The viewer app's "send back if this is a call": a broadcast, or a call that already
  // has its two-way viewer, takes it as a plain viewer instead of turning it away.
  decision.send_back = hello.send_back || (hello.send_back_if_call && hello.agent == "full" &&
                                           !broadcast_ && !back_busy);
  decision.kind = broadcast_ || hello.agent == "receive-only" ? agent::AgentKind::kReceiveOnly
                                                              : agent::AgentKind::kFull;
  return decision;
}

WaitingRoom::Ticket& WaitingRoom::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    reset();
    room_ = std::exchange(other.room_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

void WaitingRoom::Ticket::reset() {
  if (room_ != nullptr) std::exchange(room_, nullptr)->leave(id_);
}

WaitingRoom::WaitingRoom() {
  if (::pipe2(pipe_, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("cannot make the waiting room's pipe: ") +
                             std::strerror(errno));
  }
}

WaitingRoom::~WaitingRoom() {
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

void WaitingRoom::on_change(std::function<void()> callback) {
  const std::lock_guard lock(mutex_);
  on_change_ = std::move(callback);
}

std::vector<PendingViewer> WaitingRoom::waiting() const {
  const std::lock_guard lock(mutex_);
  std::vector<PendingViewer> out;
  for (const Entry& e : entries_)
    if (!e.admit) out.push_back(e.viewer);
  return out;
}

bool WaitingRoom::decide(std::uint64_t id, bool admit) {
  {
    const std::lock_guard lock(mutex_);
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Entry& e) { return e.viewer.id == id; });
    if (it == entries_.end() || it->admit) return false;
    it->admit = admit;
    if (admit) ++admitted_;
  }
  // One byte is enough to wake the greeter: a full pipe already says "look".
  const char byte = 1;
  [[maybe_unused]] const ssize_t written = ::write(pipe_[1], &byte, 1);
  changed();
  return true;
}

std::uint64_t WaitingRoom::admitted() const {
  const std::lock_guard lock(mutex_);
  return admitted_;
}

WaitingRoom::Ticket WaitingRoom::enter(std::string name, std::string address) {
  std::uint64_t id = 0;
  {
    const std::lock_guard lock(mutex_);
    id = next_id_++;
    entries_.push_back({PendingViewer{id, std::move(name), std::move(address)}, std::nullopt});
  }
  changed();
  return Ticket(this, id);
}

std::optional<bool> WaitingRoom::decision(std::uint64_t id) const {
  const std::lock_guard lock(mutex_);
  for (const Entry& e : entries_)
    if (e.viewer.id == id) return e.admit;
  return std::nullopt;
}

void WaitingRoom::drain() noexcept {
  char bytes[64];
  while (::read(pipe_[0], bytes, sizeof bytes) > 0) {
  }
}

void WaitingRoom::leave(std::uint64_t id) {
  bool was_waiting = false;
  {
    const std::lock_guard lock(mutex_);
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Entry& e) { return e.viewer.id == id; });
    if (it == entries_.end()) return;
    was_waiting = !it->admit;
    entries_.erase(it);
  }
  // A decided viewer already left the list the host sees.
  if (was_waiting) changed();
}

void WaitingRoom::changed() const {
  std::function<void()> callback;
  {
    const std::lock_guard lock(mutex_);
    callback = on_change_;
  }
  if (callback) callback();
}

}  // namespace agentcast::app
