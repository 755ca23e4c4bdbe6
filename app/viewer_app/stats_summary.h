#pragma once
// The lines of the statistics overlay, from Viewer::stats_json() snapshots (docs/STATS.md).
// Rates (bitrate, loss) are over the interval between two snapshots, so that they show what
// happens now rather than an average since the start. Pure: the tests feed it snapshots.

#include <QtCore/QJsonObject>
#include <QtCore/QStringList>

namespace agentcast::viewer_ui {

// `previous` may be empty (the first snapshot): rates then show as not yet known.
// `seconds` is the time between the two snapshots.
QStringList summarize_stats(const QJsonObject& current, const QJsonObject& previous,
                            double seconds);

}  // namespace agentcast::viewer_ui
