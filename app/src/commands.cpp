#include "commands.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "agentcast/media/audio_source.h"
#include "agentcast/media/video_source.h"
#include "agentcast/net/tls_channel.h"
#include "options.h"
#include "sender.h"
#include "stats_json.h"
#include "viewer.h"

namespace agentcast::app {
namespace {

using namespace std::chrono_literals;

// Ends a run on SIGINT/SIGTERM, after --duration, or when the run ends by itself; refreshes
// the statistics file meanwhile. Signals are blocked in every thread and taken here with
// sigtimedwait, so no code runs in a signal handler.
class RunControl {
 public:
  RunControl(double duration_s, std::string stats_path, std::function<QJsonObject()> stats)
      : stats_path_(std::move(stats_path)), stats_(std::move(stats)) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    const auto end =
        duration_s > 0 ? std::chrono::steady_clock::now() +
                             std::chrono::milliseconds(static_cast<std::int64_t>(duration_s * 1000))
                       : std::chrono::steady_clock::time_point::max();
    watcher_ = std::jthread([this, end](std::stop_token stop) { watch(stop, end); });
  }
  ~RunControl() {
    watcher_.request_stop();
    watcher_.join();
    write_stats();
  }
  std::stop_token token() const { return source_.get_token(); }

 private:
  void watch(std::stop_token stop, std::chrono::steady_clock::time_point end) {
    auto next_stats = std::chrono::steady_clock::now() + 1s;
    while (!stop.stop_requested() && !source_.stop_requested()) {
      const timespec wait{0, 100'000'000};
      if (sigtimedwait(&signals_, nullptr, &wait) > 0) source_.request_stop();
      const auto now = std::chrono::steady_clock::now();
      if (now >= end) source_.request_stop();
      if (now >= next_stats) {
        next_stats = now + 1s;
        write_stats();
      }
    }
  }
  void write_stats() {
    if (stats_path_.empty()) return;
    try {
      write_stats_json(stats_path_, stats_());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
    }
  }

  sigset_t signals_{};
  std::stop_source source_;
  std::string stats_path_;
  std::function<QJsonObject()> stats_;
  std::jthread watcher_;
};

net::SeedMode parse_seed_mode(const std::string& text) {
  if (text == "synchronized") return net::SeedMode::kSynchronized;
  if (text == "distributed") return net::SeedMode::kDistributed;
  throw std::invalid_argument("--seeds must be synchronized or distributed, not '" + text + "'");
}

void parse_size(const std::string& text, int& width, int& height) {
  const auto x = text.find('x');
  try {
    if (x == std::string::npos) throw std::invalid_argument("no x");
    width = std::stoi(text.substr(0, x));
    height = std::stoi(text.substr(x + 1));
  } catch (const std::exception&) {
    throw std::invalid_argument("--size must be WIDTHxHEIGHT, not '" + text + "'");
  }
  if (width < 16 || height < 16 || width > 7680 || height > 4320 || width % 2 || height % 2) {
    throw std::invalid_argument("--size " + text + " is not an even size from 16x16 to 7680x4320");
  }
}

// `--audio-out`: a bare device number is short for device:N.
std::string audio_out_spec(const std::string& text) {
  if (!text.empty() &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return "device:" + text;
  }
  return text;
}

// What a two-way viewer sends back. The camera and microphone are the defaults: when the
// user did not name them and they are missing, the test pattern and tone stand in.
OutgoingMediaOptions send_back_options(const Options& o) {
  OutgoingMediaOptions back;
  back.video = o.value("--video").value_or("camera");
  back.audio = o.value("--audio").value_or("mic");
  back.video_fallback = !o.value("--video");
  back.audio_fallback = !o.value("--audio");
  if (auto size = o.value("--size")) parse_size(*size, back.width, back.height);
  back.fps = static_cast<int>(o.number("--fps", 30, 1, 120));
  back.bitrate_kbps = static_cast<int>(o.number("--bitrate", 2000, 50, 100'000));
  // The sender has no way to ask for a keyframe on this direction: one every second
  // bounds how long a loss can freeze the picture.
  back.keyframe_interval = back.fps;
  return back;
}

}  // namespace

int run_send(const std::vector<std::string>& args) {
  const Options o(args, {"--listen",        "--video",         "--audio",
                         "--size",          "--fps",           "--bitrate",
                         "--agent",         "--max-viewers",   "--select",
                         "--seeds",         "--identity",      "--call-code-file",
                         "--duration",      "--stats-json",    "--keyframe-interval",
                         "--epoch-packets", "--image-seconds", "--name",
                         "--record-back",   "--snapshot-back", "--audio-out",
                         "--agent-dir",     "--agent-cache"},
                  {"--loop", "--insecure-reference-units"});
  SenderOptions options;
  options.listen = o.value("--listen").value_or(options.listen);
  options.media.video = o.value("--video").value_or(options.media.video);
  options.media.audio = o.value("--audio").value_or(options.media.audio);
  if (auto size = o.value("--size")) parse_size(*size, options.media.width, options.media.height);
  options.media.fps = static_cast<int>(o.number("--fps", 30, 1, 120));
  options.media.bitrate_kbps = static_cast<int>(o.number("--bitrate", 2000, 50, 100'000));
  options.media.keyframe_interval = static_cast<int>(o.number("--keyframe-interval", 0, 0, 10'000));
  options.agent = o.value("--agent").value_or("full");
  options.max_viewers = static_cast<int>(o.number("--max-viewers", 1, 1, 255));
  const std::string select = o.value("--select").value_or("synchronized");
  if (select == "instructed") {
    options.select = net::SelectMode::kInstructed;
  } else if (select != "synchronized") {
    throw std::invalid_argument("--select must be synchronized or instructed, not '" + select +
                                "'");
  }
  options.agent_dir = o.value("--agent-dir").value_or("");
  options.agent_cache = o.value("--agent-cache").value_or("");
  options.seeds = parse_seed_mode(o.value("--seeds").value_or("synchronized"));
  options.packets_per_epoch =
      o.number("--epoch-packets", options.packets_per_epoch, 1, std::uint64_t{1} << 40);
  options.identity_path = o.value("--identity").value_or("");
  options.media.loop = o.flag("--loop");
  options.insecure_reference_units = o.flag("--insecure-reference-units");
  options.name = o.value("--name").value_or(options.name);
  if (auto seconds = o.value("--image-seconds"))
    options.media.seconds_per_image = std::stod(*seconds);
  options.record_back_path = o.value("--record-back").value_or("");
  options.snapshot_back_path = o.value("--snapshot-back").value_or("");
  // Silent unless asked: a sender is usually not the one listening.
  options.audio_out_back = audio_out_spec(o.value("--audio-out").value_or("none"));
  const double duration = static_cast<double>(o.number("--duration", 0, 0, 1'000'000));

  std::unique_ptr<Sender> sender;
  try {
    sender = std::make_unique<Sender>(options);
  } catch (const media::CameraUnavailableError& e) {
    std::fprintf(stderr, "agentcast send: %s\n", e.what());
    return kExitNoCamera;
  } catch (const media::AudioDeviceError& e) {
    std::fprintf(stderr, "agentcast send: %s\n", e.what());
    return kExitNoAudioDevice;
  }
  const std::string code = sender->call_code();
  std::printf("call code: %s\n", code.c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "sender fingerprint (compare it with the viewer's over another channel):\n%s\n",
               sender->readable_fingerprint().c_str());
  if (auto path = o.value("--call-code-file")) {
    std::ofstream file(*path);
    file << code << "\n";
    if (!file) throw std::runtime_error("cannot write the call code to " + *path);
  }
  if (options.insecure_reference_units) {
    std::fprintf(stderr, "WARNING: the insecure LFSR reference units are enabled\n");
  }
  {
    RunControl control(duration, o.value("--stats-json").value_or(""),
                       [&] { return sender->stats_json(); });
    sender->run(control.token());
  }
  return kExitOk;
}

int run_view(const std::vector<std::string>& args) {
  if (args.empty() || args[0].rfind("--", 0) == 0) {
    throw std::invalid_argument("usage: agentcast view CALLCODE [options]");
  }
  const Options o(std::vector<std::string>(args.begin() + 1, args.end()),
                  {"--record", "--snapshot", "--audio-out", "--latency", "--duration",
                   "--stats-json", "--name", "--connect-timeout", "--video", "--audio", "--size",
                   "--fps", "--bitrate", "--agent", "--agent-cache", "--max-agent-bytes"},
                  {"--headless", "--send-back", "--insecure-reference-units"});
  ViewerOptions options;
  options.send_back = o.flag("--send-back");
  if (options.send_back) {
    options.back = send_back_options(o);
  } else {
    for (const char* name : {"--video", "--audio", "--size", "--fps", "--bitrate"}) {
      if (o.value(name)) {
        throw std::invalid_argument(std::string(name) +
                                    " is what --send-back sends: add --send-back");
      }
    }
  }
  options.call_code = args[0];
  options.record_path = o.value("--record").value_or("");
  options.snapshot_path = o.value("--snapshot").value_or("");
  options.audio_out = audio_out_spec(o.value("--audio-out").value_or("default"));
  options.latency_ms = static_cast<int>(o.number("--latency", 50, 0, 10'000));
  options.insecure_reference_units = o.flag("--insecure-reference-units");
  options.name = o.value("--name").value_or(options.name);
  options.connect_timeout_ms = static_cast<int>(o.number("--connect-timeout", 10, 0, 3600) * 1000);
  options.agent = o.value("--agent").value_or("");
  if (!options.agent.empty() && options.agent != "full" && options.agent != "receive-only") {
    throw std::invalid_argument("--agent must be full or receive-only");
  }
  if (options.send_back && options.agent == "receive-only") {
    throw std::invalid_argument("--send-back needs a full agent: a receive-only one cannot send");
  }
  options.agent_cache = o.value("--agent-cache").value_or("");
  options.max_agent_bytes = static_cast<std::size_t>(
      o.number("--max-agent-bytes", options.max_agent_bytes, 1024, std::uint64_t{1} << 30));
  const double duration = static_cast<double>(o.number("--duration", 0, 0, 1'000'000));

  std::unique_ptr<Viewer> owned;
  try {
    owned = std::make_unique<Viewer>(options);
  } catch (const media::CameraUnavailableError& e) {
    std::fprintf(stderr, "agentcast view: %s\n", e.what());
    return kExitNoCamera;
  } catch (const media::AudioDeviceError& e) {
    std::fprintf(stderr, "agentcast view: %s\n", e.what());
    return kExitNoAudioDevice;
  }
  Viewer& viewer = *owned;
  try {
    RunControl control(duration, o.value("--stats-json").value_or(""),
                       [&] { return viewer.stats_json(); });
    viewer.run(control.token());
  } catch (const ViewerError& e) {
    std::fprintf(stderr, "agentcast view: %s\n", e.what());
    return e.kind() == ViewerError::Kind::kRefused ? kExitRefused : kExitConnectFailed;
  }
  if (const std::string reason = viewer.end_reason(); !reason.empty()) {
    std::fprintf(stderr, "session ended: %s\n", reason.c_str());
  }
  return kExitOk;
}

}  // namespace agentcast::app
