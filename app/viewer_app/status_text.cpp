#include "status_text.h"

namespace agentcast::viewer_ui {
namespace {

QString size_text(std::uint64_t bytes) {
  if (bytes < 1024) return QString("%1 bytes").arg(bytes);
  if (bytes < 1024 * 1024)
    return QString("%1 KiB").arg(static_cast<double>(bytes) / 1024, 0, 'f', 1);
  return QString("%1 MiB").arg(static_cast<double>(bytes) / (1024 * 1024), 0, 'f', 1);
}

}  // namespace

QString step_text(FlowState state, const app::ViewerProgress& progress) {
  switch (state) {
    case FlowState::kIdle:
      return "Paste a call code and press Connect.";
    case FlowState::kConnecting:
      return "Connecting to the sender…";
    case FlowState::kVerifyingCertificate:
      return "Checking the sender's certificate against the call code…";
    case FlowState::kWaitingForHost:
      return progress.host_wait_ms > 0 ? QString("Waiting for the host to let you in (up to %1 s)…")
                                             .arg((progress.host_wait_ms + 999) / 1000)
                                       : QString("Waiting for the host to let you in…");
    case FlowState::kReceivingAgent:
      return "Receiving the sender's agent…";
    case FlowState::kVerifyingAgent:
      return progress.from_cache ? "Verifying the signature of the agent kept from an earlier call…"
                                 : "Verifying the agent's signature…";
    case FlowState::kLoadingAgent:
      return "Loading the agent…";
    case FlowState::kWaitingForFirstFrame:
      return "Waiting for the first picture…";
    case FlowState::kPlaying:
      return progress.sending_back ? "Playing · your camera and microphone go to the sender"
                                   : "Playing";
    case FlowState::kDisconnecting:
      return "Disconnecting…";
    case FlowState::kFailed:
      return "Not connected: the connection failed.";
    case FlowState::kEnded:
      return "The call has ended.";
  }
  return {};
}

QString bytes_text(std::uint64_t done, std::uint64_t total) {
  return QString("%1 of %2").arg(size_text(done), size_text(total));
}

QString signer_text(const app::ViewerProgress& progress) {
  if (progress.signer.empty()) return {};
  return QString("Agent signed by %1").arg(QString::fromStdString(progress.signer));
}

}  // namespace agentcast::viewer_ui
