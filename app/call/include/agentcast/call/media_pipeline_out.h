#pragma once
// The sending half of a call (patent Fig. 20, left): a chain of stages from a source to a
// sink, capture → frame buffer → encoder → packetizer → agent (seal) → UDP. Every video
// source (test pattern, camera, slideshow, file) is one media::VideoSource; one that
// delivers H.264 already skips the encoder stage. The sender runs one for its broadcast to every
// viewer; a viewer that sends back (a two-way call) runs one towards the sender. Each stage has its
// own thread; stages pass owned frames through bounded queues.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <QtCore/QJsonObject>

#include "agentcast/call/media_stats.h"
#include "agentcast/call/session_agent.h"
#include "agentcast/media/frame_buffer.h"
#include "agentcast/media/media_types.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/udp_socket.h"

namespace agentcast::media {
class AudioSource;
class H264Encoder;
class OpusAudioEncoder;
class VideoSource;
}  // namespace agentcast::media

namespace agentcast::app {

struct OutgoingMediaOptions {
  std::string video = "test";  // test | camera[:N] | file:PATH | images:GLOB | none
  std::string audio = "tone";  // tone | mic[:N] | file:PATH | none
  // A camera or microphone nobody asked for by name (the default): when it is missing,
  // warn and send the test pattern or the tone instead of failing.
  bool video_fallback = false;
  bool audio_fallback = false;
  int width = 1280;
  int height = 720;
  int fps = 30;
  int bitrate_kbps = 2000;
  int keyframe_interval = 0;  // frames; 0: two seconds
  bool loop = false;          // file sources start again at the end
  double seconds_per_image = 2.0;
  std::uint16_t video_stream_id = net::kVideoStreamId;
  std::uint16_t audio_stream_id = net::kAudioStreamId;
};

class OutgoingMedia {
 public:
  // One receiver of a frame: where its packets go, and the number its origin key has in
  // the agent (the viewer's slot), used when the agent tags packets (origin_tagged()).
  struct Recipient {
    net::Endpoint to;
    std::uint32_t viewer = 0;
  };
  // Where the packets of a frame go; none: the frame is not sent (nobody to send to yet).
  // Called on the send thread.
  using Route = std::function<std::vector<Recipient>(const media::EncodedFrame&)>;

  // Opens the sources and encoders. Throws std::invalid_argument (bad options, nothing to
  // send), media::CameraUnavailableError or media::AudioDeviceError (a device asked for is
  // missing), std::runtime_error naming what else failed.
  explicit OutgoingMedia(OutgoingMediaOptions options);
  ~OutgoingMedia();  // stops
  OutgoingMedia(const OutgoingMedia&) = delete;
  OutgoingMedia& operator=(const OutgoingMedia&) = delete;

  bool has_video() const noexcept;
  bool has_audio() const noexcept;
  // What was substituted for a missing default device, one line each.
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }

  // The streams as a session message describes them (epoch and seed are the agent's).
  std::vector<net::StreamDescription> streams() const;
  std::vector<std::uint16_t> stream_ids() const;
  // Stream ids known only on joining (a viewer's back streams go by its slot). Before
  // add_streams().
  void assign_stream_ids(std::uint16_t video, std::uint16_t audio) noexcept {
    options_.video_stream_id = video;
    options_.audio_stream_id = audio;
  }
  // Adds the streams to the agent's sending section; before start().
  void add_streams(SessionAgent& agent) const;

  // Called with every captured picture before it is encoded (a preview), on the capture
  // thread. Before start().
  void on_preview(std::function<void(const media::VideoFrame&)> callback) {
    preview_ = std::move(callback);
  }

  // Starts capturing and sending. `agent` and `udp` must outlive stop().
  void start(SessionAgent& agent, net::UdpSocket& udp, Route route);
  // Stops every thread and joins them. Idempotent.
  void stop();

  // The next picture will be a keyframe (a viewer joined, or one lost a reference). Any
  // thread.
  void request_keyframe() noexcept { keyframe_wanted_ = true; }

  // The sending keys of docs/STATS.md (frames_captured ... epoch_changes_delayed), the
  // agent's figures taken from this pipeline's streams. Any thread.
  SendingFigures figures(const agent::AgentStats& agent_stats) const;

 private:
  void open_video();
  void open_audio();
  void capture_video_loop(std::stop_token stop);
  void encode_video_loop(std::stop_token stop);
  void audio_loop(std::stop_token stop);
  void send_loop(std::stop_token stop);

  OutgoingMediaOptions options_;
  std::vector<std::string> warnings_;
  std::unique_ptr<media::VideoSource> video_source_;
  std::unique_ptr<media::AudioSource> audio_source_;
  std::unique_ptr<media::H264Encoder> video_encoder_;
  std::unique_ptr<media::OpusAudioEncoder> audio_encoder_;

  media::FrameBuffer<media::VideoFrame> capture_queue_;
  media::FrameBuffer<media::EncodedFrame> send_queue_;
  std::atomic<bool> keyframe_wanted_{false};

  SessionAgent* agent_ = nullptr;
  net::UdpSocket* udp_ = nullptr;
  Route route_;
  std::function<void(const media::VideoFrame&)> preview_;
  std::atomic<const agent::SessionParams*> params_{nullptr};  // for the statistics thread
  std::vector<std::jthread> threads_;

  std::atomic<std::uint64_t> frames_captured_{0}, frames_encoded_{0}, audio_frames_encoded_{0};
  std::atomic<std::uint64_t> packets_sent_{0}, bytes_sent_{0}, send_errors_{0};
  std::atomic<std::uint64_t> video_frames_sent_{0}, audio_frames_sent_{0};
};

}  // namespace agentcast::app
