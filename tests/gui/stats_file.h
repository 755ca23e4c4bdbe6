#pragma once
// The apps' --stats-json files, as the GUI tests read them: numbers and on-screen
// rectangles by path ("ui", "video_rect").

#include <QtCore/QJsonObject>
#include <QtCore/QRect>
#include <initializer_list>
#include <optional>
#include <string>

namespace agentcast::test {

// Empty until the app has written the file (it does so atomically, once a second).
QJsonObject read_stats(const std::string& path);

// The number at `path` (e.g. {"ui", "frames_painted"}), or -1 if there is none.
double stats_number(const QJsonObject& stats, std::initializer_list<const char*> path);

// The [x, y, w, h] at `path`, in screen coordinates; empty if absent, malformed or of no
// area.
std::optional<QRect> stats_rect(const QJsonObject& stats, std::initializer_list<const char*> path);

// For failure messages: a rectangle as "x,y wxh".
std::string describe(const std::optional<QRect>& rect);

}  // namespace agentcast::test
