// The viewer's running call: the receive thread (media from the sender's address only,
// path challenges answered, probes and reports) and the control loop (seeds,
// instructions, feedback for a receive-only agent, the sender's bye).
#include <variant>

#include "agentcast/call/thread_name.h"
#include "agentcast/net/path_challenge.h"
#include "viewer_impl.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kProbeIntervalUs = 100'000;  // until media flows
constexpr std::int64_t kKeepaliveIntervalUs = 1'000'000;
constexpr std::int64_t kReportIntervalUs = 1'000'000;

}  // namespace

void Viewer::Impl::send_feedback(const net::Feedback& feedback) {
  std::vector<std::uint8_t> payload = net::encode_feedback(feedback);
  if (!agent->can_send()) {
    // The sender knows this viewer's media port from its hello: no probe is needed.
    if (std::holds_alternative<net::ProbeFeedback>(feedback)) return;
    std::lock_guard lock(feedback_mutex);
    if (feedback_queue.size() >= 16) {
      feedback_queue.pop_front();
      ViewerCounters::count(counters.feedback_dropped);
    }
    feedback_queue.push_back(std::move(payload));
    return;
  }
  std::vector<std::uint8_t> packet(payload.size() + net::kPacketOverhead);
  const net::SealResult sealed = agent->seal(net::feedback_stream_id(slot), payload, packet);
  if (sealed.status == net::SealStatus::kOk) {
    udp->send_to(crypto::Bytes(packet.data(), sealed.size), sender_media);
  }
}

void Viewer::Impl::receive_loop(std::stop_token stop) {
  name_this_thread("ac-receive");
  std::vector<std::uint8_t> datagram(net::kMaxMtu);
  std::vector<std::uint8_t> payload(net::kMaxMtu);
  bool media_seen = false;
  std::int64_t next_probe = 0, next_report = media::now_us() + kReportIntervalUs;
  while (!stop.stop_requested()) {
    std::int64_t now = media::now_us();
    if (now >= next_probe) {
      send_feedback(net::ProbeFeedback{slot});
      next_probe = now + (media_seen ? kKeepaliveIntervalUs : kProbeIntervalUs);
    }
    // Wake for the next datagram or the jitter buffers' next deadline, whichever is first.
    std::int64_t wake = std::min(next_probe, now + 20'000);
    if (auto deadline = incoming.next_deadline_us()) wake = std::min(wake, *deadline);
    const auto timeout = std::chrono::milliseconds(std::max<std::int64_t>(0, (wake - now) / 1000));
    const net::UdpReceive got = udp->receive(datagram, timeout);
    now = media::now_us();
    const crypto::Bytes received(datagram.data(), got.size);
    if (got.status == net::UdpStatus::kOk && !(got.from == sender_media)) {
      // Only the sender sends media and challenges: a stranger's datagram never reaches
      // the agent, so it can neither fill the replay window nor cost a decryption.
      ViewerCounters::count(counters.packets_from_strangers);
    } else if (got.status == net::UdpStatus::kOk) {
      if (const auto token = net::parse_path_challenge(received)) {
        // docs/PROTOCOL.md §12: the echo goes back sealed (or over the control channel).
        ViewerCounters::count(counters.path_challenges_answered);
        send_feedback(net::PathResponse{*token});
      } else if (const net::OpenResult opened = agent->open(received, payload);
                 opened.status == net::OpenStatus::kOk) {
        media_seen = true;
        incoming.insert(opened.header, crypto::Bytes(payload.data(), opened.size), now);
      }
    }
    incoming.pump(now);
    if (incoming.poll_keyframe_request(now))
      send_feedback(net::KeyframeRequest{net::kVideoStreamId});
    if (now >= next_report) {
      next_report = now + kReportIntervalUs;
      send_feedback(incoming.publish(agent->stats()));
    }
  }
  incoming.publish(agent->stats());  // the final figures for the statistics file
}

void Viewer::Impl::control_loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::optional<std::vector<std::uint8_t>> message;
    try {
      // A two-way call in distributed seed mode: this viewer is the seed generating section
      // of its own back streams, exactly as the sender is of its media.
      if (back_seeds) {
        back_seeds->distribute(
            [&](const net::SeedMessage& seed) { back_seeds->send(*control, seed); });
      }
      post_own_instructions();
      // A seed this viewer lacks (it fell too far behind to take it): asked for again.
      seeds.ask_again(*agent, sender_streams, media::now_us(),
                      [&](const net::SeedRequestMessage& request) {
                        control->send(net::encode_control(request));
                      });
      std::deque<std::vector<std::uint8_t>> feedback;
      {
        std::lock_guard lock(feedback_mutex);
        feedback.swap(feedback_queue);
      }
      for (auto& data : feedback)
        control->send(net::encode_control(net::FeedbackMessage{data}));
      // A receive-only viewer's keyframe requests wait in the queue for this loop.
      message = control->receive(agent->can_send() ? 100ms : 20ms, 64 * 1024);
    } catch (const net::ControlError& e) {
      std::lock_guard lock(text_mutex);
      end_reason = std::string("the control channel closed: ") + e.what();
      return;
    }
    if (!message) continue;
    net::DecodedControl decoded = net::decode_control(*message);
    if (!decoded.message) continue;
    if (!dispatch(*decoded.message)) return;
  }
}

// Every message a sender may send once the session runs, and those that make no sense
// now (ignored): a message type without a line here does not compile. False: the call
// is over.
bool Viewer::Impl::dispatch(const net::ControlMessage& message) {
  struct Handlers {
    Impl& v;
    bool operator()(const net::ByeMessage& bye) const {
      std::lock_guard lock(v.text_mutex);
      v.end_reason = bye.reason;
      v.ended_by_sender = true;
      return false;
    }
    bool operator()(const net::SeedMessage& seed) const {
      v.seeds.provide(*v.agent, seed);
      return true;
    }
    bool operator()(const net::InstructionsMessage& posted) const {
      v.provide(posted);
      return true;
    }
    bool operator()(const net::HelloMessage&) const { return true; }
    bool operator()(const net::SessionMessage&) const { return true; }
    bool operator()(const net::AgentOfferMessage&) const { return true; }
    bool operator()(const net::AgentChunkMessage&) const { return true; }
    bool operator()(const net::UseCachedAgentMessage&) const { return true; }
    bool operator()(const net::AgentReadyMessage&) const { return true; }
    bool operator()(const net::FeedbackMessage&) const { return true; }
    bool operator()(const net::AdmissionPendingMessage&) const { return true; }
    bool operator()(const net::SeedRequestMessage&) const { return true; }
  };
  return std::visit(Handlers{*this}, message);
}

}  // namespace agentcast::app
