#pragma once
// --stats-json files: written atomically (temp file + rename) so a reader never sees half
// a file, refreshed while the process runs and written once more at the end. Keys are
// documented in docs/STATS.md.

#include <string>

#include <QtCore/QJsonObject>

namespace agentcast::app {

// Throws std::runtime_error naming the path if it cannot be written.
void write_stats_json(const std::string& path, const QJsonObject& stats);

}  // namespace agentcast::app
