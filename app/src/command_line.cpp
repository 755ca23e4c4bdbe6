#include "command_line.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace agentcast::app {
namespace {

std::set<std::string> with(std::set<std::string> names, const std::set<std::string>& extra) {
  names.insert(extra.begin(), extra.end());
  return names;
}

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

SendCommand parse_send_command(const std::vector<std::string>& args,
                               const std::set<std::string>& extra_valued,
                               const std::set<std::string>& extra_flags) {
  const Options o(args,
                  with({"--listen",        "--video",         "--audio",
                        "--size",          "--fps",           "--bitrate",
                        "--agent",         "--max-viewers",   "--select",
                        "--seeds",         "--identity",      "--call-code-file",
                        "--duration",      "--stats-json",    "--keyframe-interval",
                        "--epoch-packets", "--image-seconds", "--name",
                        "--record-back",   "--snapshot-back", "--audio-out",
                        "--agent-dir",     "--agent-cache",   "--invites",
                        "--origin-auth"},
                       extra_valued),
                  with({"--loop", "--insecure-reference-units", "--ask"}, extra_flags));
  SendCommand command;
  SenderOptions& options = command.sender;
  options.listen = o.value("--listen").value_or(options.listen);
  options.media.video = o.value("--video").value_or(options.media.video);
  options.media.audio = o.value("--audio").value_or(options.media.audio);
  if (auto size = o.value("--size")) parse_size(*size, options.media.width, options.media.height);
  options.media.fps = static_cast<int>(o.number("--fps", 30, 1, 120));
  options.media.bitrate_kbps = static_cast<int>(o.number("--bitrate", 2000, 50, 100'000));
  options.media.keyframe_interval = static_cast<int>(o.number("--keyframe-interval", 0, 0, 10'000));
  options.agent = o.value("--agent").value_or("full");
  options.max_viewers = static_cast<int>(o.number("--max-viewers", 1, 1, 255));
  options.ask_host = o.flag("--ask");
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
  const std::string origin = o.value("--origin-auth").value_or("on");
  if (origin != "on" && origin != "off") {
    throw std::invalid_argument("--origin-auth must be on or off, not '" + origin + "'");
  }
  options.origin_tags = origin == "on";
  options.name = o.value("--name").value_or(options.name);
  if (auto seconds = o.value("--image-seconds"))
    options.media.seconds_per_image = std::stod(*seconds);
  options.record_back_path = o.value("--record-back").value_or("");
  options.snapshot_back_path = o.value("--snapshot-back").value_or("");
  // Silent unless asked: a sender is usually not the one listening.
  options.audio_out_back = audio_out_spec(o.value("--audio-out").value_or("none"));
  if (options.agent != "full" && options.agent != "receive-only") {
    throw std::invalid_argument("--agent must be full or receive-only, not '" + options.agent +
                                "'");
  }
  command.invites = static_cast<int>(o.number("--invites", 0, 0, 1000));
  command.call_code_file = o.value("--call-code-file").value_or("");
  command.stats_json = o.value("--stats-json").value_or("");
  command.duration_s = static_cast<double>(o.number("--duration", 0, 0, 1'000'000));
  command.flags = o;
  return command;
}

ViewCommand parse_view_command(const std::vector<std::string>& args, bool call_code_optional,
                               const std::set<std::string>& extra_valued,
                               const std::set<std::string>& extra_flags) {
  const bool has_code = !args.empty() && args[0].rfind("--", 0) != 0;
  if (!has_code && !call_code_optional) {
    throw std::invalid_argument("usage: agentcast view CALLCODE [options]");
  }
  const Options o(
      std::vector<std::string>(args.begin() + (has_code ? 1 : 0), args.end()),
      with({"--record", "--snapshot", "--audio-out", "--latency", "--duration", "--stats-json",
            "--name", "--connect-timeout", "--video", "--audio", "--size", "--fps", "--bitrate",
            "--agent", "--agent-cache", "--max-agent-bytes"},
           extra_valued),
      with({"--headless", "--send-back", "--insecure-reference-units"}, extra_flags));
  ViewCommand command;
  ViewerOptions& options = command.viewer;
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
  if (has_code) options.call_code = args[0];
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
  command.stats_json = o.value("--stats-json").value_or("");
  command.duration_s = static_cast<double>(o.number("--duration", 0, 0, 1'000'000));
  command.headless = o.flag("--headless");
  command.flags = o;
  return command;
}

// The code holds the call's join secret: the file is readable by its owner only, even if
// it existed before with wider permissions.
void write_call_code_file(const std::string& path, const std::string& call_code) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error("cannot write the call code to " + path + ": " + std::strerror(errno));
  }
  const std::string line = call_code + "\n";
  bool ok = ::fchmod(fd, 0600) == 0;
  for (std::size_t done = 0; ok && done < line.size();) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  const int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    throw std::runtime_error("cannot write the call code to " + path + ": " +
                             std::strerror(saved != 0 ? saved : errno));
  }
}

}  // namespace agentcast::app
