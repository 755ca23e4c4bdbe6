#pragma once
// The stage of an adversarial test: a real `agentcast send` on loopback, real `agentcast
// view --headless` processes watching it, what they print and the statistics they write,
// and the sender's memory. The attacker (attacker.h) plays against this stage.
//
// Everything here waits on conditions with deadlines (support/process.h wait_until) and
// uses no fixed port: the sender listens on 127.0.0.1:0 and its call code is read from
// --call-code-file. Which `agentcast` runs: AGENTCAST_BINARY (this build's), or the one
// named by the environment variable AGENTCAST_ADVERSARIAL_BINARY (for example the build of
// another checkout, to measure "before" figures against it).

#include <sys/types.h>

#include <gtest/gtest.h>

#include <QtCore/QJsonObject>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agentcast/net/call_code.h"
#include "agentcast/net/udp_socket.h"
#include "support/process.h"

namespace agentcast::test::adversarial {

// One scene per suite, played once before its tests, which each assert on what it left in
// an `Outcome`. `Suite::run(Outcome&)` plays it; a scene that throws fails the suite with its
// reason.
template <typename Suite, typename Outcome>
class Scene : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    run_ = new Outcome;
    try {
      Suite::run(*run_);
    } catch (const std::exception& e) {
      std::string sender_log;
      if constexpr (requires(Outcome & o) { o.stage->sender_err(); }) {
        if (run_->stage) sender_log = "\nthe sender's log:\n" + run_->stage->sender_err();
      }
      ADD_FAILURE() << "the scene failed: " << e.what() << sender_log;
    }
  }
  static void TearDownTestSuite() {
    delete run_;
    run_ = nullptr;
  }
  static inline Outcome* run_ = nullptr;
};

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Under AddressSanitizer every process runs several times slower on two shared cores: a
// light picture there (as broadcast_test.cpp does); the real one otherwise.
#ifdef AGENTCAST_TEST_SANITIZED
inline constexpr const char* kSize = "320x180";
inline constexpr int kFps = 10;
#else
inline constexpr const char* kSize = "640x360";
inline constexpr int kFps = 30;
#endif

// What a user must not see, whatever another peer does (the thresholds).
inline constexpr double kMaxVideoGapMs = 1000;    // a watching viewer's longest freeze
inline constexpr double kMaxFirstFrameMs = 3000;  // a viewer joining during an attack
#ifdef AGENTCAST_TEST_SANITIZED
// Redzones and shadow memory inflate what a sanitized process holds; its quarantine of
// freed memory is kept small (Stage) but still counts.
inline constexpr int kSanitizerQuarantineMb = 16;
inline constexpr double kMaxRssGrowthMb = 100;
#else
inline constexpr double kMaxRssGrowthMb = 50;  // the sender's memory during an attack
#endif

// Why a session ended: the `[REASON]` of the sender's "viewer N left: DETAIL [REASON]" line
// and the keys of its statistics' `sessions_ended_by_reason`.
namespace reason {
inline constexpr const char* kSilent = "silent";
inline constexpr const char* kStalled = "stalled";
inline constexpr const char* kFlooding = "flooding";
inline constexpr const char* kOversized = "oversized";
inline constexpr const char* kStoppedReading = "stopped_reading";
inline constexpr const char* kLeft = "left";
inline constexpr const char* kClosed = "closed";
inline constexpr const char* kProtocol = "protocol";
}  // namespace reason

// Statistics keys the new control plane adds (docs/STATS.md once it lands).
namespace key {
inline constexpr const char* kViewersRefusedByReason = "viewers_refused_by_reason";
inline constexpr const char* kSessionsEndedByReason = "sessions_ended_by_reason";
inline constexpr const char* kSessionsEnded = "sessions_ended";
inline constexpr const char* kControl = "control";
inline constexpr const char* kConnectionsAccepted = "connections_accepted";
inline constexpr const char* kConnectionsEvicted = "connections_evicted";
inline constexpr const char* kHandshakesFailed = "handshakes_failed";
inline constexpr const char* kGreetingsTimedOut = "greetings_timed_out";
inline constexpr const char* kUnfinishedConnections = "unfinished_connections";
inline constexpr const char* kUnfinishedConnectionsPeak = "unfinished_connections_peak";
inline constexpr const char* kKeyframesForced = "keyframes_forced";
inline constexpr const char* kPaths = "paths";
inline constexpr const char* kChallengesSent = "challenges_sent";
inline constexpr const char* kValidated = "validated";
inline constexpr const char* kResponsesUnmatched = "responses_unmatched";
inline constexpr const char* kMediaAddress = "media_address";  // in each `viewers[]` entry
inline constexpr const char* kPacketsFromStrangers = "packets_from_strangers";  // viewer
}  // namespace key

// The control plane's limits that the tests lean on (the lead's contract).
inline constexpr auto kHelloDeadline = 5s;        // handshake + hello, from accept
inline constexpr auto kAgentReadyDeadline = 10s;  // + bundle bytes / kTransferFloorBytesPerSecond
inline constexpr double kTransferFloorBytesPerSecond = 64 * 1024;
inline constexpr int kMaxUnfinishedConnections = 64;
inline constexpr int kMaxUnfinishedPerAddress = 8;
inline constexpr double kMaxForcedKeyframesPerSecond = 12.5;  // 80 ms throttle
inline constexpr double kMaxChallengesPerSecond = 10;

// The `agentcast` program the tests run.
std::string agentcast_binary();

QJsonObject read_json(const std::string& path);
// A number from a statistics object, or -1 when the key is absent (so that a missing key
// shows in a failure message as -1 instead of a plausible 0).
double number(const QJsonObject& object, const char* name);
double number(const QJsonObject& object, const char* group, const char* name);

// The call code a sender prints. The one place that takes it apart: when the code grows a
// join secret, net::CallCode carries it and everything here follows.
struct Invitation {
  std::string text;
  net::CallCode code;

  static Invitation parse(const std::string& text);
  net::Endpoint sender() const;  // TCP for the control channel, UDP for media
  // The same invitation with another port on the same host (a relay in front of the sender).
  Invitation via_port(std::uint16_t port) const;
};

// The sender's "viewer N left: DETAIL [REASON]" lines (today's "viewer N left" too).
struct SessionEnd {
  int slot = -1;
  std::string detail;
  std::string reason;  // empty when the line names none
  std::string line;
};
std::vector<SessionEnd> session_ends(const std::string& sender_stderr);
// The ends of the session of the viewer called `name`: those of its slot printed after it
// joined (a slot is given again once free).
std::vector<SessionEnd> session_ends_of(const std::string& sender_stderr, const std::string& name);
// The slot the sender gave the viewer called `name` ("viewer N joined: NAME (").
std::optional<int> joined_slot(const std::string& sender_stderr, const std::string& name);
// The `sessions_ended` entry of the viewer called `name`, if any.
std::optional<QJsonObject> ended_session(const QJsonObject& sender_stats, const std::string& name);
// `group[name]` of the sender's statistics as a count: -1 when the group is absent, 0 when
// only the name is.
double count_in(const QJsonObject& sender_stats, const char* group, const std::string& name);

// VmRSS of a process in KiB (0 if it is gone).
long rss_kib(pid_t pid);

// Samples a process's VmRSS every 100 ms on a thread of its own, from construction on.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid);
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;
  long baseline_kib() const { return baseline_; }
  long peak_kib() const { return peak_.load(); }
  double growth_mb() const { return static_cast<double>(peak_kib() - baseline_) / 1024.0; }

 private:
  pid_t pid_;
  long baseline_;
  std::atomic<long> peak_;
  std::jthread thread_;
};

struct ViewerOptions {
  std::string cache_dir;                 // empty: a fresh one of its own
  std::optional<Invitation> invitation;  // another code than the sender's (a relay)
  std::vector<std::string> extra;
  int duration_s = 240;
};

class ViewerProcess {
 public:
  ViewerProcess(const std::string& dir, const std::string& name, const Invitation& invitation,
                const ViewerOptions& options);
  const std::string& name() const { return name_; }
  QJsonObject stats() const { return read_json(stats_path_); }
  std::string err() const { return read_file(err_path_); }
  ChildProcess& process() { return *process_; }
  Clock::time_point started() const { return started_; }
  // Waits for the first decoded frame (its statistics say so).
  bool wait_playing(std::chrono::milliseconds timeout) const;
  // SIGINT if still running, then its exit code (-1 if it would not end).
  int finish(std::chrono::milliseconds timeout);
  std::optional<int> exit_code() const { return exit_; }

 private:
  std::string name_, stats_path_, err_path_;
  std::unique_ptr<ChildProcess> process_;
  Clock::time_point started_;
  std::optional<int> exit_;
};

// A sender and its viewers in tests/adversarial's output directory, adv-NAME.
class Stage {
 public:
  explicit Stage(const std::string& name);
  ~Stage();
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  const std::string& dir() const { return dir_; }
  // Starts `agentcast send` with the test picture and tone and `extra` (which may repeat
  // an option to override it), and waits for its call code. Throws if there is none.
  void start_sender(const std::vector<std::string>& extra, int max_viewers = 16);
  // Before start_sender(): the sender's standard input becomes a pipe of the test's, so
  // that it can type the host's commands (tell_sender).
  void take_host_input();
  // Writes `line` and a newline to the sender's standard input. Throws if it cannot.
  void tell_sender(const std::string& line);
  const Invitation& invitation() const { return *invitation_; }
  // The single-use invitations the sender printed (`--invites N`), in order.
  std::vector<Invitation> invites() const;
  pid_t sender_pid() const { return sender_->pid(); }
  bool sender_running() { return !sender_->wait_for(0ms).has_value(); }
  QJsonObject sender_stats() const { return read_json(dir_ + "/sender.json"); }
  std::string sender_err() const { return read_file(dir_ + "/sender.err"); }

  ViewerProcess& start_viewer(const std::string& name, const ViewerOptions& options = {});
  // Waits for "viewer N joined: NAME (" and returns N.
  std::optional<int> wait_joined(const std::string& name, std::chrono::milliseconds timeout) const;
  // Waits for the sender to report the end of the session of the viewer called `name`.
  std::optional<SessionEnd> wait_session_end(const std::string& name,
                                             std::chrono::milliseconds timeout) const;

  // Ends the call as a user would (SIGINT to the sender; viewers end when it says bye,
  // or are told to), and keeps the sender's last statistics and standard error.
  void finish();
  int sender_exit() const { return sender_exit_; }
  const QJsonObject& final_sender_stats() const { return final_stats_; }
  const std::string& final_sender_err() const { return final_err_; }

 private:
  std::string dir_;
  std::unique_ptr<ChildProcess> sender_;
  std::optional<Invitation> invitation_;
  int host_input_ = -1;  // the write end of the sender's standard input, if taken
  std::vector<std::unique_ptr<ViewerProcess>> viewers_;
  int sender_exit_ = -1;
  QJsonObject final_stats_;
  std::string final_err_;
};

// Seconds since `since`, for the figures the tests print.
double seconds_since(Clock::time_point since);

}  // namespace agentcast::test::adversarial
