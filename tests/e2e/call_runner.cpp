#include "e2e/call_runner.h"

#include <QtCore/QJsonDocument>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "agentcast/media/file_source.h"
#include "agentcast/net/call_code.h"
#include "support/hex.h"
#include "support/process.h"

namespace agentcast::test {
namespace {

using namespace std::chrono_literals;

QJsonObject read_json(const std::string& path) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(read_file(path))).object();
}

std::string make_dir(const std::string& name) {
  const auto dir = std::filesystem::path(AGENTCAST_TEST_OUTPUT_DIR) / ("e2e-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void read_wire(CallResult& result, const std::string& pcap, std::uint16_t port) {
  const std::string fields = result.dir + "/wire-payloads.txt";
  ChildProcess tshark({"tshark", "-r", pcap, "-Y", "udp.port==" + std::to_string(port), "-T",
                       "fields", "-e", "udp.payload"},
                      fields, result.dir + "/tshark-read.log");
  if (tshark.wait_for(120s) != 0) {
    result.wire_error =
        "tshark could not read the capture: " + read_file(result.dir + "/tshark-read.log");
    return;
  }
  std::istringstream lines(read_file(fields));
  for (std::string line; std::getline(lines, line);) {
    line.erase(std::remove(line.begin(), line.end(), ':'), line.end());
    if (!line.empty()) result.wire_packets.push_back(from_hex(line));
  }
}

void sample_recording(CallResult& result) {
  for (media::Codec codec : {media::Codec::kH264, media::Codec::kOpus}) {
    std::size_t taken = 0;
    for (const auto& frame : media::read_encoded_packets(result.recording_path, codec)) {
      // Skip the first bytes (headers that repeat by design); take one piece from inside.
      if (frame.data.size() < 64 || taken >= 200) continue;
      const auto middle = frame.data.begin() + static_cast<long>(frame.data.size() / 2);
      result.recorded_samples.emplace_back(middle, middle + 12);
      ++taken;
    }
  }
}

}  // namespace

CallResult run_call(const CallSetup& setup) {
  CallResult result;
  result.dir = make_dir(setup.name);
  const std::string& dir = result.dir;
  result.snapshot_path = dir + "/snapshot.png";
  result.wav_path = dir + "/audio.wav";
  result.recording_path = dir + "/recording.mkv";
  result.back_snapshot_path = dir + "/back-snapshot.png";
  result.back_wav_path = dir + "/back-audio.wav";
  result.back_recording_path = dir + "/back-recording.mkv";

  std::optional<ChildProcess> capture;
  if (setup.capture_wire) {
    capture.emplace(
        std::vector<std::string>{"tshark", "-i", "lo", "-f", "udp", "-w", dir + "/wire.pcap"},
        "/dev/null", dir + "/tshark.log");
    if (!wait_until(
            [&] {
              return read_file(dir + "/tshark.log").find("Capturing on") != std::string::npos;
            },
            30s)) {
      result.wire_error = "tshark did not start capturing: " + read_file(dir + "/tshark.log");
      capture.reset();
    }
  }

  std::vector<std::string> send_args = {AGENTCAST_BINARY,   "send",
                                        "--listen",         "127.0.0.1:0",
                                        "--duration",       std::to_string(setup.sender_seconds),
                                        "--identity",       dir + "/identity.pem",
                                        "--stats-json",     dir + "/sender.json",
                                        "--call-code-file", dir + "/code.txt",
                                        "--agent-cache",    dir + "/sender-agents"};
  if (setup.record_back) {
    send_args.insert(send_args.end(),
                     {"--record-back", result.back_recording_path, "--snapshot-back",
                      result.back_snapshot_path, "--audio-out", "wav:" + result.back_wav_path});
  }
  send_args.insert(send_args.end(), setup.sender_args.begin(), setup.sender_args.end());
  ChildProcess sender(send_args, dir + "/sender.out", dir + "/sender.err");
  if (!wait_until([&] { return read_file(dir + "/code.txt").find('\n') != std::string::npos; },
                  30s)) {
    throw std::runtime_error("the sender printed no call code: " + read_file(dir + "/sender.err"));
  }
  std::string code_text = read_file(dir + "/code.txt");
  code_text.pop_back();
  net::CallCode code = net::CallCode::parse(code_text);

  std::optional<ImpairmentRelay> relay;
  if (setup.impairment) {
    relay.emplace(net::Endpoint::resolve(code.host, code.port), *setup.impairment);
    code.port = relay->port();
  }

  std::vector<std::string> view_args = {
      AGENTCAST_BINARY, "view",
      code.to_string(), "--headless",
      "--record",       result.recording_path,
      "--snapshot",     result.snapshot_path,
      "--audio-out",    "wav:" + result.wav_path,
      "--stats-json",   dir + "/viewer.json",
      "--duration",     std::to_string(setup.sender_seconds + 30)};
  view_args.insert(view_args.end(), {"--agent-cache", dir + "/viewer-agents"});
  view_args.insert(view_args.end(), setup.viewer_args.begin(), setup.viewer_args.end());
  ChildProcess viewer(view_args, dir + "/viewer.out", dir + "/viewer.err");

  const auto limit = std::chrono::seconds(setup.sender_seconds + 60);
  result.sender_exit = sender.wait_for(limit).value_or(-1);
  result.viewer_exit = viewer.wait_for(limit).value_or(-1);
  if (relay) result.relay = relay->stats();
  relay.reset();
  result.sender_stderr = read_file(dir + "/sender.err");
  result.viewer_stderr = read_file(dir + "/viewer.err");
  result.sender = read_json(dir + "/sender.json");
  result.viewer = read_json(dir + "/viewer.json");

  if (capture) {
    capture->signal(SIGINT);
    if (capture->wait_for(30s).value_or(-1) != 0) {
      result.wire_error = "tshark did not finish: " + read_file(dir + "/tshark.log");
    } else {
      read_wire(result, dir + "/wire.pcap", code.port);
    }
  }
  if (std::filesystem::exists(result.recording_path)) sample_recording(result);
  return result;
}

}  // namespace agentcast::test
