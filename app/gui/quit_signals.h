#pragma once
// SIGINT and SIGTERM close an app's window (which ends its call first, so the other end is
// told and --stats-json gets its last figures) instead of killing the process mid-call.

#include <functional>

#include <QtCore/QObject>

namespace agentcast::gui {

// Once per process, from the UI thread; `quit` then runs on the UI thread.
void on_quit_signals(QObject* context, std::function<void()> quit);

}  // namespace agentcast::gui
