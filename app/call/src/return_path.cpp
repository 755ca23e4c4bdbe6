#include "return_path.h"

#include <algorithm>
#include <vector>

#include "agentcast/call/thread_name.h"
#include "agentcast/net/packet.h"

namespace agentcast::app {
namespace {

constexpr std::int64_t kBackPublishIntervalUs = 1'000'000;

// The viewer a feedback stream belongs to (net::feedback_stream_id).
std::optional<std::uint16_t> slot_of_feedback(std::uint16_t stream_id) {
  if (stream_id < 0x100 || stream_id >= 0x200) return std::nullopt;
  return static_cast<std::uint16_t>(stream_id - 0x100);
}

}  // namespace

void ReturnPath::run(std::stop_token stop) {
  name_this_thread("ac-return");
  std::vector<std::uint8_t> datagram(net::kMaxMtu);
  std::vector<std::uint8_t> payload(net::kMaxMtu);
  std::int64_t next_publish = media::now_us() + kBackPublishIntervalUs;
  std::shared_ptr<BackCall> call;
  while (!stop.stop_requested()) {
    call = back_.current();
    std::int64_t now = media::now_us();
    std::int64_t wake = now + 100'000;
    if (call) {
      if (auto deadline = call->media.next_deadline_us()) wake = std::min(wake, *deadline);
    }
    const auto timeout = std::chrono::milliseconds(std::max<std::int64_t>(0, (wake - now) / 1000));
    const net::UdpReceive got = udp_.receive(datagram, timeout);
    now = media::now_us();
    if (got.status == net::UdpStatus::kOk) {
      const net::OpenResult opened = agent_.open(crypto::Bytes(datagram.data(), got.size), payload);
      const crypto::Bytes plain(payload.data(), opened.size);
      if (opened.status != net::OpenStatus::kOk) {
        count(counters_.feedback_rejected);
      } else if (opened.header.kind == net::MediaKind::kControl) {
        const auto slot = slot_of_feedback(opened.header.stream_id);
        const auto feedback = net::decode_feedback(plain);
        if (slot && feedback) {
          feedback_.handle(*slot, *feedback, got.from, now);
        } else {
          count(counters_.feedback_rejected);
        }
      } else if (call && call->media.carries(opened.header.stream_id)) {
        call->media.insert(opened.header, plain, now);
      }
    }
    if (!call) continue;
    // The back direction has no way to ask the viewer for a keyframe: its encoder sends
    // one every second instead (commands.cpp), which bounds a freeze after a loss.
    call->media.pump(now);
    if (now >= next_publish) {
      next_publish = now + kBackPublishIntervalUs;
      call->media.publish(agent_.stats());
    }
  }
  if (call) call->media.publish(agent_.stats());
}

}  // namespace agentcast::app
