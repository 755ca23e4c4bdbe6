#pragma once
// Who may join, judged from a hello: the sender's options (a broadcast, --max-viewers)
// and the call's state (whether a viewer is already sending back). Asked twice: by the
// greeter before any agent byte is sent, and by the control plane when it admits, since
// the call may have changed in between.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agentcast/agent/agent_shelf.h"
#include "agentcast/call/sender.h"
#include "agentcast/net/control_messages.h"
#include "back_call.h"
#include "control_limits.h"
#include "roster.h"

namespace agentcast::app {

struct AdmissionDecision {
  std::optional<Refusal> refusal;  // empty: welcome
  std::string reason;              // for the viewer and the log, when refused
  agent::AgentKind kind = agent::AgentKind::kFull;
  bool send_back = false;  // it sends its camera and microphone back
};

class Admission {
 public:
  Admission(bool broadcast, int max_viewers, const Roster& roster, const BackCalls& back)
      : broadcast_(broadcast), max_viewers_(max_viewers), roster_(roster), back_(back) {}

  AdmissionDecision judge(const net::HelloMessage& hello) const;
  int max_viewers() const noexcept { return max_viewers_; }

 private:
  const bool broadcast_;
  const int max_viewers_;
  const Roster& roster_;
  const BackCalls& back_;
};

// The viewers the host is asked about (SenderOptions::ask_host), between the greeter,
// which must never wait, and the host's UI on another thread. The UI learns of changes
// through a callback, reads the list and decides; the greeter is woken through a pipe it
// polls and takes the decisions. No lock is held while a callback runs or across I/O.
class WaitingRoom {
 public:
  // Leaves the room when destroyed: whichever way a waiting connection ends (decided,
  // timed out, gone, evicted), the host stops being asked about it.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(WaitingRoom* room, std::uint64_t id) : room_(room), id_(id) {}
    Ticket(Ticket&& other) noexcept : room_(std::exchange(other.room_, nullptr)), id_(other.id_) {}
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket() { reset(); }
    void reset();
    std::uint64_t id() const noexcept { return id_; }
    explicit operator bool() const noexcept { return room_ != nullptr; }

   private:
    WaitingRoom* room_ = nullptr;
    std::uint64_t id_ = 0;
  };

  // Throws std::runtime_error if the wake-up pipe cannot be made.
  WaitingRoom();
  ~WaitingRoom();
  WaitingRoom(const WaitingRoom&) = delete;
  WaitingRoom& operator=(const WaitingRoom&) = delete;

  // ---- any thread
  void on_change(std::function<void()> callback);
  std::vector<PendingViewer> waiting() const;  // undecided, oldest first
  bool decide(std::uint64_t id, bool admit);
  std::uint64_t admitted() const;  // all time

  // ---- the greeter
  Ticket enter(std::string name, std::string address);
  // The host's decision about `id`, once there is one.
  std::optional<bool> decision(std::uint64_t id) const;
  // For poll(): readable once a decision was made since the last drain().
  int wake_fd() const noexcept { return pipe_[0]; }
  void drain() noexcept;

 private:
  struct Entry {
    PendingViewer viewer;
    std::optional<bool> admit;
  };
  void leave(std::uint64_t id);
  void changed() const;

  mutable std::mutex mutex_;
  std::vector<Entry> entries_;       // guarded by mutex_
  std::uint64_t next_id_ = 1;        // guarded by mutex_
  std::uint64_t admitted_ = 0;       // guarded by mutex_
  std::function<void()> on_change_;  // guarded by mutex_; copied out to be called
  int pipe_[2] = {-1, -1};
};

}  // namespace agentcast::app
