#pragma once
// What the window's status line says at each step of connecting, in the user's words.

#include <cstdint>

#include <QtCore/QString>

#include "connect_flow.h"

namespace agentcast::viewer_ui {

QString step_text(FlowState state, const app::ViewerProgress& progress);
// "12.5 KiB of 1.4 MiB" for the agent's progress bar.
QString bytes_text(std::uint64_t done, std::uint64_t total);
// Who signed the agent, as the safety number the sender can read out; empty until known.
QString signer_text(const app::ViewerProgress& progress);

}  // namespace agentcast::viewer_ui
