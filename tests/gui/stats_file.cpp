#include "gui/stats_file.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>

#include "support/process.h"

namespace agentcast::test {
namespace {

QJsonValue at(const QJsonObject& stats, std::initializer_list<const char*> path) {
  QJsonValue value(stats);
  for (const char* key : path)
    value = value.toObject().value(QLatin1String(key));
  return value;
}

}  // namespace

QJsonObject read_stats(const std::string& path) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(read_file(path))).object();
}

double stats_number(const QJsonObject& stats, std::initializer_list<const char*> path) {
  return at(stats, path).toDouble(-1);
}

std::optional<QRect> stats_rect(const QJsonObject& stats, std::initializer_list<const char*> path) {
  const QJsonArray array = at(stats, path).toArray();
  if (array.size() != 4) return std::nullopt;
  const QRect rect(array[0].toInt(), array[1].toInt(), array[2].toInt(), array[3].toInt());
  if (rect.isEmpty()) return std::nullopt;
  return rect;
}

std::string describe(const std::optional<QRect>& rect) {
  if (!rect) return "(none)";
  return std::to_string(rect->x()) + "," + std::to_string(rect->y()) + " " +
         std::to_string(rect->width()) + "x" + std::to_string(rect->height());
}

}  // namespace agentcast::test
