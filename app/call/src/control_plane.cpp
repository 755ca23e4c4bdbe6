#include "control_plane.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <variant>

#include "agentcast/call/thread_name.h"
#include "agentcast/crypto/selection.h"

namespace agentcast::app {
namespace {

using Io = net::TlsConnection::Io;

std::int64_t microseconds(std::chrono::milliseconds duration) {
  return std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
}

constexpr std::int64_t kTurnUs = 20'000;  // seeds and instructions go out this often
constexpr std::int64_t kSeedAnswerIntervalUs = 200'000;
constexpr std::int64_t kHelloChallengeEveryUs = 500'000;  // until the hello's address echoes

}  // namespace

struct ControlPlane::Session {
  std::uint16_t slot = 0;
  std::unique_ptr<net::TlsConnection> connection;
  double tokens = 0;  // messages it may still send now (the rate's bucket)
  std::int64_t tokens_at_us = 0;
  std::int64_t partial_since_us = 0;  // 0: no message half-read
  std::int64_t output_moved_us = 0;   // the socket last took bytes, or had none waiting
  std::int64_t next_hello_challenge_us = 0;
  std::int64_t next_seed_answer_us = 0;  // seed requests answered at most this often
  bool ended = false;
};

ControlPlane::ControlPlane(Parts parts) : p_(parts) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error("cannot create the control plane's wake-up pipe");
  }
}

ControlPlane::~ControlPlane() {
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void ControlPlane::hand_over(GreetedViewer viewer) {
  {
    std::lock_guard lock(handed_mutex_);
    handed_.push_back(std::move(viewer));
  }
  const char byte = 1;
  [[maybe_unused]] const auto ignored = ::write(wake_[1], &byte, 1);
}

void ControlPlane::remove(std::uint16_t slot) {
  {
    std::lock_guard lock(handed_mutex_);
    removals_.push_back(slot);
  }
  const char byte = 1;
  [[maybe_unused]] const auto ignored = ::write(wake_[1], &byte, 1);
}

void ControlPlane::run(std::stop_token stop) {
  name_this_thread("ac-control");
  std::vector<pollfd> fds;
  std::vector<Session*> polled;
  while (!stop.stop_requested()) {
    std::int64_t now = media::now_us();
    std::vector<GreetedViewer> handed;
    std::vector<std::uint16_t> removals;
    {
      std::lock_guard lock(handed_mutex_);
      handed.swap(handed_);
      removals.swap(removals_);
    }
    if (!removals.empty()) {
      remove_viewers(std::move(removals), now);
      // An ended session has no connection left to poll.
      std::erase_if(sessions_, [](const auto& entry) { return entry.second->ended; });
    }
    commit_rekey_when_delivered(now);
    // A viewer that left, or was ended for what it did, keeps the keys it had: those who
    // remain move on without it too (DESIGN rule 9). One re-key at a time: a viewer that
    // left while one was staged may hold its seed, so another follows the commit.
    if (rekey_after_leave_ && rekey_staged_us_ == 0) {
      rekey_after_leave_ = false;
      stage_rekey(now);
    }
    for (GreetedViewer& greeted : handed)
      admit(std::move(greeted), now);
    distribute_seeds();
    post_instructions();
    p_.keyframes.poll(now);

    fds.clear();
    polled.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    bool buffered = false;
    for (auto& [slot, session] : sessions_) {
      const auto events =
          static_cast<short>(POLLIN | (session->connection->wants_write() ? POLLOUT : 0));
      fds.push_back({session->connection->fd(), events, 0});
      polled.push_back(session.get());
      buffered = buffered || session->connection->has_buffered_input();
    }
    if (::poll(fds.data(), fds.size(), buffered ? 0 : static_cast<int>(kTurnUs / 1000)) < 0 &&
        errno != EINTR) {
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      char drain[64];
      while (::read(wake_[0], drain, sizeof drain) > 0) {
      }
    }
    now = media::now_us();
    for (Session* session : polled) {
      serve(*session, now);
      if (!session->ended) check_deadlines(*session, now);
    }
    std::erase_if(sessions_, [](const auto& entry) { return entry.second->ended; });
  }
  for (auto& [slot, session] : sessions_)
    end(*session, SessionEnd::kSenderStopped, "the sender stopped");
  sessions_.clear();
  std::lock_guard lock(handed_mutex_);
  for (GreetedViewer& greeted : handed_) {
    greeted.connection->queue(net::encode_control(net::ByeMessage{"the sender stopped"}));
    greeted.connection->flush();
  }
  handed_.clear();
}

// The quick half of admitting a viewer, on this thread (which alone adds viewers and sends
// seeds and instructions, so that a joiner misses none of them). Nothing here waits: what
// the viewer is sent is queued on its connection.
void ControlPlane::admit(GreetedViewer greeted, std::int64_t now) {
  net::TlsConnection& connection = *greeted.connection;
  const net::HelloMessage& hello = greeted.hello;
  bool send_back = greeted.decision.send_back;
  if (send_back && p_.back.current()) {
    if (hello.send_back) {
      return refuse(connection, Refusal::kBackBusy,
                    "another viewer is sending back: one two-way call at a time");
    }
    send_back = false;  // it only asked "if this is a call"
  }
  const std::optional<std::uint16_t> free = p_.roster.free_slot(p_.admission.max_viewers());
  if (!free) {
    return refuse(
        connection, Refusal::kFull,
        "the sender is full (" + std::to_string(p_.admission.max_viewers()) + " viewers)");
  }
  const std::uint16_t slot = *free;
  const bool viewer_can_seal = greeted.decision.kind == agent::AgentKind::kFull;

  // A fresh seed for this viewer's streams to the sender: no viewer can read another's.
  agent::StreamJoinState feedback{0, crypto::Secret::random(crypto::kSeedSize)};
  const net::SessionMessage session = session_for(slot, send_back, feedback.seed);
  // Its origin key comes from the same seed, and is in the agent before the send thread
  // can route it a packet.
  if (p_.agent.origin_tagged() && !p_.agent.add_origin_key(slot, feedback.seed)) {
    return refuse(connection, Refusal::kOriginKeyFailed,
                  "the sender cannot authenticate its media to this viewer");
  }
  std::shared_ptr<BackCall> call;
  if (send_back) {
    try {
      call = p_.back.start(slot, hello.name, feedback);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cannot receive what viewer %u sends back: %s\n", slot, e.what());
      p_.agent.remove_origin_key(slot);
      return refuse(connection, Refusal::kBackUnavailable,
                    "the sender cannot take what is sent back");
    }
  }
  if (viewer_can_seal) {
    p_.agent.add_incoming(net::feedback_stream_id(slot), net::MediaKind::kControl, &feedback);
  }
  // Instructed selection: the current block's units and the next, before any packet the
  // viewer could receive.
  for (const auto& message : instructions_from(0))
    connection.queue(net::encode_control(message));
  connection.queue(net::encode_control(session));
  p_.counters.control.sessions_sent.fetch_add(1, std::memory_order_relaxed);
  // A seed already handed to a stream was sent to the viewers there were; this viewer
  // needs it too, before the stream reaches that epoch. If the stream is there already,
  // the join state carried it, and the stream's following seed goes to every viewer.
  for (const auto& stream : session.streams) {
    if (const net::SeedMessage* pending = p_.seeds.pending(stream.id, stream.epoch + 1)) {
      connection.queue(net::encode_control(*pending));
      p_.seeds.count_sent();
    }
    // A re-key not yet entered: its join state is still the old epoch's, whose chain the
    // removed viewer could derive on from.
    if (const net::SeedMessage* rekey = p_.seeds.pending_rekey(stream.id, stream.epoch + 1)) {
      connection.queue(net::encode_control(*rekey));
      p_.seeds.count_sent();
    }
  }

  RosterEntry viewer;
  viewer.slot = slot;
  viewer.name = hello.name;
  viewer.agent = std::string(agent::to_string(greeted.decision.kind));
  viewer.agent_transferred = greeted.agent_transferred;
  viewer.address = connection.peer();
  viewer.send_back = send_back;
  viewer.last_heard_us = now;
  if (hello.media_port != 0) {
    viewer.hello_media = connection.peer_endpoint().with_port(hello.media_port);
  }
  std::fprintf(stderr, "viewer %u joined: %s (%s, %s agent %s%s)\n", slot, viewer.name.c_str(),
               viewer.address.c_str(), viewer.agent.c_str(),
               greeted.agent_transferred ? "sent" : "cached", send_back ? ", sending back" : "");
  p_.roster.add(std::move(viewer));
  if (call) p_.back.publish(std::move(call));

  auto entry = std::make_unique<Session>();
  entry->slot = slot;
  entry->connection = std::move(greeted.connection);
  entry->tokens = p_.limits.message_burst;
  entry->tokens_at_us = now;
  entry->output_moved_us = now;
  entry->next_hello_challenge_us = now;
  Session& added = *sessions_.emplace(slot, std::move(entry)).first->second;
  serve(added, now);
}

// The session a joining viewer is sent: the session's parameters with its own initial
// seed, and where each stream is now.
net::SessionMessage ControlPlane::session_for(std::uint16_t slot, bool send_back,
                                              const crypto::Secret& seed) const {
  net::SessionMessage session;
  session.params = p_.agent.params();
  session.params.initial_seed = seed;
  session.viewer_slot = slot;
  session.streams = p_.streams;
  session.send_back = send_back;
  for (auto& stream : session.streams) {
    agent::StreamJoinState state = p_.agent.join_state(stream.id);
    stream.epoch = state.epoch;
    stream.seed = state.seed;
    stream.first_sequence = state.first_sequence;
  }
  return session;
}

// Refuses a viewer the greeter handed over, with a reason it is shown (and counts it).
void ControlPlane::refuse(net::TlsConnection& connection, Refusal refusal,
                          const std::string& reason) {
  p_.counters.refused.add(to_string(refusal));
  std::fprintf(stderr, "refused viewer %s: %s\n", connection.peer().c_str(), reason.c_str());
  connection.queue(net::encode_control(net::ByeMessage{reason}));
  connection.flush();  // best effort: it is closed now either way
}

void ControlPlane::broadcast(const net::ControlMessage& message) {
  const std::vector<std::uint8_t> bytes = net::encode_control(message);
  for (auto& [slot, session] : sessions_) {
    if (!session->ended) session->connection->queue(bytes);
  }
}

// The seed generating section of the sender's media (Fig. 15, 18).
void ControlPlane::distribute_seeds() {
  p_.seeds.distribute([&](const net::SeedMessage& seed) {
    broadcast(seed);
    p_.seeds.count_sent(sessions_.size());
  });
}

// Instructed selection (Fig. 5): the messages that give a viewer the units of each stream
// from its current block through the next one, starting no lower than `first_block`.
std::vector<net::InstructionsMessage> ControlPlane::instructions_from(
    std::uint64_t first_block) const {
  std::vector<net::InstructionsMessage> messages;
  if (p_.agent.params().select_mode != net::SelectMode::kInstructed) return messages;
  for (const auto& stream : p_.streams) {
    const std::uint64_t current =
        p_.agent.next_sequence(stream.id).value_or(0) / crypto::kScheduleBlockPackets;
    for (std::uint64_t block = std::max(current, first_block); block <= current + 1; ++block) {
      messages.push_back({stream.id, block, p_.agent.instructions(stream.id, block)});
    }
  }
  return messages;
}

// Posts each stream's next block once the stream has begun the one before it.
void ControlPlane::post_instructions() {
  if (p_.agent.params().select_mode != net::SelectMode::kInstructed) return;
  for (const auto& stream : p_.streams) {
    const std::uint64_t due =
        p_.agent.next_sequence(stream.id).value_or(0) / crypto::kScheduleBlockPackets + 1;
    const auto posted = instructed_through_.try_emplace(stream.id, 1).first;  // admit sent 0, 1
    for (std::uint64_t block = posted->second + 1; block <= due; ++block) {
      broadcast(
          net::InstructionsMessage{stream.id, block, p_.agent.instructions(stream.id, block)});
      posted->second = block;
      count(p_.counters.instruction_blocks_posted);
    }
  }
}

void ControlPlane::serve(Session& s, std::int64_t now) {
  if (s.ended) return;
  net::TlsConnection& connection = *s.connection;
  std::size_t written = 0;
  const Io flushed = connection.flush(&written);
  if (written > 0 || connection.pending_output() == 0) s.output_moved_us = now;
  if (flushed == Io::kClosed || flushed == Io::kFailed) {
    return end(s, SessionEnd::kClosed, connection.last_error());
  }
  std::vector<std::vector<std::uint8_t>> messages;
  const Io read =
      connection.read_messages(messages, p_.limits.messages_per_turn, p_.limits.max_message);
  for (auto& bytes : messages) {
    s.tokens = std::min(
        p_.limits.message_burst,
        s.tokens + p_.limits.messages_per_second * static_cast<double>(now - s.tokens_at_us) / 1e6);
    s.tokens_at_us = now;
    s.tokens -= 1;
    if (s.tokens < 0) {
      return end(s, SessionEnd::kFlooding,
                 "more than " + std::to_string(static_cast<int>(p_.limits.messages_per_second)) +
                     " control messages a second");
    }
    net::DecodedControl decoded = net::decode_control(bytes);
    if (!decoded.message) {
      return end(s, SessionEnd::kProtocol, "a control message did not parse: " + decoded.error);
    }
    dispatch(s, *decoded.message, now);
    if (s.ended) return;
  }
  switch (read) {
    case Io::kDone:
    case Io::kWouldBlock:
      break;
    case Io::kOversized:
      return end(s, SessionEnd::kOversized, connection.last_error());
    case Io::kClosed:
      return end(s, SessionEnd::kClosed, "its control connection closed");
    case Io::kFailed:
      return end(s, SessionEnd::kClosed, connection.last_error());
  }
  if (!messages.empty()) p_.roster.update(s.slot, [&](RosterEntry& v) { v.last_heard_us = now; });
  // What it was sent in this turn goes out now, not a turn later.
  if (connection.pending_output() > 0 && connection.flush(&written) == Io::kDone) {
    s.output_moved_us = now;
  }
}

// Every message a viewer may send, and those it may not: a message type without a line
// here does not compile.
void ControlPlane::dispatch(Session& s, net::ControlMessage& message, std::int64_t now) {
  struct Handlers {
    ControlPlane& plane;
    Session& s;
    std::int64_t now;

    void operator()(const net::ByeMessage& bye) const {
      plane.end(s, SessionEnd::kLeft, bye.reason);
    }
    void operator()(const net::SeedMessage& seed) const { plane.p_.back.take_seed(s.slot, seed); }
    void operator()(const net::FeedbackMessage& fed) const {
      // A receive-only viewer's feedback, over the control channel.
      if (auto feedback = net::decode_feedback(fed.data)) {
        plane.p_.feedback.handle(s.slot, *feedback, net::Endpoint{}, now);
      } else {
        count(plane.p_.counters.feedback_rejected);
      }
    }
    void operator()(const net::HelloMessage&) const { violation("hello"); }
    void operator()(const net::SessionMessage&) const { violation("session"); }
    void operator()(const net::AgentOfferMessage&) const { violation("agent_offer"); }
    void operator()(const net::AgentChunkMessage&) const { violation("agent_chunk"); }
    void operator()(const net::UseCachedAgentMessage&) const { violation("use_cached_agent"); }
    void operator()(const net::AgentReadyMessage&) const { violation("agent_ready"); }
    void operator()(const net::AdmissionPendingMessage&) const { violation("admission_pending"); }
    void operator()(const net::SeedRequestMessage& request) const {
      plane.answer_seed_request(s, request, now);
    }
    void operator()(const net::InstructionsMessage& posted) const {
      // Instructed selection of the viewer's own streams to the sender: it posts their
      // blocks, as the sender does for its media. Any other stream is not its to instruct.
      const std::uint16_t id = posted.stream_id;
      if (id != net::feedback_stream_id(s.slot) && id != net::back_video_stream_id(s.slot) &&
          id != net::back_audio_stream_id(s.slot)) {
        return plane.end(
            s, SessionEnd::kProtocol,
            "it sent instructions for stream " + std::to_string(id) + ", which is not its own");
      }
      if (!plane.p_.agent.provide_instructions(id, posted.block, posted.runs)) {
        count(plane.p_.counters.instructions_refused);
      }
    }
    void violation(const char* type) const {
      plane.end(s, SessionEnd::kProtocol,
                std::string("it sent a ") + type + " message, which only a sender sends");
    }
  };
  std::visit(Handlers{*this, s, now}, message);
}

// Distributed seeds: a viewer that fell so far behind that it refused a seed (or never got
// one) asks again. It gets what a viewer joining now would: the stream's current seed,
// and the next one if already drawn. Nothing older: those seeds are wiped.
void ControlPlane::answer_seed_request(Session& s, const net::SeedRequestMessage& request,
                                       std::int64_t now) {
  const bool ours = std::any_of(p_.streams.begin(), p_.streams.end(),
                                [&](const auto& stream) { return stream.id == request.stream_id; });
  if (!ours || p_.agent.params().seed_mode != net::SeedMode::kDistributed ||
      now < s.next_seed_answer_us) {
    count(p_.counters.seed_requests_ignored);
    return;
  }
  s.next_seed_answer_us = now + kSeedAnswerIntervalUs;
  const agent::StreamJoinState state = p_.agent.join_state(request.stream_id);
  s.connection->queue(
      net::encode_control(net::SeedMessage{request.stream_id, state.epoch, state.seed}));
  if (const net::SeedMessage* next = p_.seeds.pending(request.stream_id, state.epoch + 1)) {
    s.connection->queue(net::encode_control(*next));
  }
  count(p_.counters.seed_requests_answered);
}

void ControlPlane::check_deadlines(Session& s, std::int64_t now) {
  const ControlLimits& limits = p_.limits;
  net::TlsConnection& connection = *s.connection;
  if (!connection.has_partial_message()) {
    s.partial_since_us = 0;
  } else if (s.partial_since_us == 0) {
    s.partial_since_us = now;
  } else if (now - s.partial_since_us > microseconds(limits.partial_message_within)) {
    return end(s, SessionEnd::kStalled,
               "a control message begun " + std::to_string((now - s.partial_since_us) / 1000) +
                   " ms ago is still not complete");
  }
  if (connection.pending_output() > limits.max_pending_output) {
    return end(s, SessionEnd::kStoppedReading,
               std::to_string(connection.pending_output()) +
                   " bytes of control messages wait for it to read them");
  }
  if (connection.pending_output() > 0 &&
      now - s.output_moved_us > microseconds(limits.output_progress_within)) {
    return end(s, SessionEnd::kStoppedReading,
               "it read none of its control messages for " +
                   std::to_string((now - s.output_moved_us) / 1'000'000) + " s");
  }
  const std::int64_t heard = p_.roster.last_heard(s.slot).value_or(now);
  if (now - heard > microseconds(limits.silent_after)) {
    return end(s, SessionEnd::kSilent,
               "nothing heard from it for " + std::to_string((now - heard) / 1'000'000) + " s");
  }
  if (now >= s.next_hello_challenge_us) {
    s.next_hello_challenge_us = now + kHelloChallengeEveryUs;
    p_.feedback.challenge_hello_address(s.slot, now);
  }
}

// Removing a viewer: its session ends first (its media route goes with it, and it is
// sent nothing more), then every stream gets a fresh seed for its next epoch that only the
// remaining viewers are sent. The streams enter that epoch once the seed had time to
// arrive (commit_rekey_when_delivered); until then they keep sealing in the current one,
// so the remaining viewers see no gap.
void ControlPlane::remove_viewers(std::vector<std::uint16_t> chosen, std::int64_t now) {
  bool removed = false;
  for (const std::uint16_t slot : chosen) {
    auto it = sessions_.find(slot);
    if (it == sessions_.end() || it->second->ended) continue;
    end(*it->second, SessionEnd::kRemoved, "removed by the host");
    removed = true;
  }
  if (!removed) return;
  stage_rekey(now);
}

// Every stream gets a fresh seed for its next epoch, sent only to the viewers still in
// the call (and to a joiner before the streams enter it).
void ControlPlane::stage_rekey(std::int64_t now) {
  const std::vector<net::SeedMessage> seeds = p_.seeds.rekey();
  std::size_t remaining = 0;
  for (const auto& [slot, session] : sessions_)
    remaining += session->ended ? 0 : 1;
  for (const net::SeedMessage& seed : seeds) {
    broadcast(seed);
    p_.seeds.count_sent(remaining);
  }
  for (auto& [slot, session] : sessions_) {
    if (session->ended) continue;
    std::size_t written = 0;
    if (session->connection->flush(&written) == Io::kDone) session->output_moved_us = now;
  }
  rekey_staged_us_ = now;
  std::string epochs;
  for (const net::SeedMessage& seed : seeds) {
    epochs += (epochs.empty() ? "" : ", ") + std::string("stream ") +
              std::to_string(seed.stream_id) + " from epoch " + std::to_string(seed.epoch);
  }
  std::fprintf(stderr, "re-keyed for the %zu remaining viewer%s: %s\n", remaining,
               remaining == 1 ? "" : "s", epochs.c_str());
}

void ControlPlane::commit_rekey_when_delivered(std::int64_t now) {
  if (rekey_staged_us_ == 0 || now - rekey_staged_us_ < kRekeyGraceMinUs) return;
  const bool delivered = std::all_of(sessions_.begin(), sessions_.end(), [](const auto& entry) {
    return entry.second->ended || entry.second->connection->pending_output() == 0;
  });
  if (!delivered && now - rekey_staged_us_ < kRekeyGraceMaxUs) return;
  p_.seeds.commit_rekey();
  rekey_staged_us_ = 0;
}

void ControlPlane::end(Session& s, SessionEnd reason, const std::string& detail) {
  if (s.ended) return;
  s.ended = true;
  if (reason == SessionEnd::kSenderStopped) {
    // The viewers stay listed: the last statistics show who watched to the end.
    s.connection->queue(net::encode_control(net::ByeMessage{detail}));
    s.connection->flush();
    s.connection.reset();
    return;
  }
  const std::optional<RosterEntry> viewer = p_.roster.remove(s.slot);
  p_.agent.remove_origin_key(s.slot);  // after its route: nothing is tagged for it any more
  if (reason != SessionEnd::kRemoved) rekey_after_leave_ = true;  // removal stages its own
  std::fprintf(stderr, "viewer %u left: %s [%s]\n", s.slot, detail.c_str(),
               std::string(to_string(reason)).c_str());
  p_.counters.sessions.add(EndedSession{s.slot, viewer ? viewer->name : std::string(),
                                        viewer ? viewer->address : s.connection->peer(),
                                        std::string(to_string(reason)), detail});
  p_.agent.remove_incoming(net::feedback_stream_id(s.slot));
  p_.back.end(s.slot);
  if (reason != SessionEnd::kLeft && reason != SessionEnd::kClosed) {
    // Best effort, never waiting: a viewer that still reads learns why.
    s.connection->queue(net::encode_control(net::ByeMessage{detail}));
    s.connection->flush();
  }
  s.connection.reset();
}

}  // namespace agentcast::app
