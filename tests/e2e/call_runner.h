#pragma once
// Runs one call as a user would: `agentcast send` and `agentcast view` as separate
// processes on loopback (optionally through an impairment relay, optionally with the wire
// captured by tshark), and gathers what they left behind.

#include <QtCore/QJsonObject>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "e2e/impairment_relay.h"

namespace agentcast::test {

struct CallSetup {
  std::string name;  // names the working directory
  int sender_seconds = 10;
  std::vector<std::string> sender_args;
  std::vector<std::string> viewer_args;
  bool capture_wire = false;
  std::optional<Impairment> impairment;  // through an ImpairmentRelay when set
  // A two-way call (the viewer passes --send-back in viewer_args): the sender records,
  // snapshots and writes to a WAV file what comes back.
  bool record_back = false;
};

struct CallResult {
  std::string dir;
  int sender_exit = -1, viewer_exit = -1;
  std::string sender_stderr, viewer_stderr;
  QJsonObject sender, viewer;  // their --stats-json files
  std::string snapshot_path, wav_path, recording_path;
  // What the sender made of what came back (record_back).
  std::string back_snapshot_path, back_wav_path, back_recording_path;
  RelayStats relay;
  // The eavesdropper's view: UDP payloads on the call's port, and why if capture failed.
  std::vector<std::vector<std::uint8_t>> wire_packets;
  std::string wire_error;
  // 12-byte pieces of the recorded (plaintext) media packets, to search the wire for.
  std::vector<std::vector<std::uint8_t>> recorded_samples;
};

CallResult run_call(const CallSetup& setup);

}  // namespace agentcast::test
