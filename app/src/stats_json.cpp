#include "stats_json.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QSaveFile>
#include <stdexcept>

namespace agentcast::app {

void write_stats_json(const std::string& path, const QJsonObject& stats) {
  QSaveFile file(QString::fromStdString(path));
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(QJsonDocument(stats).toJson(QJsonDocument::Indented)) < 0 || !file.commit()) {
    throw std::runtime_error("cannot write statistics to " + path + ": " +
                             file.errorString().toStdString());
  }
}

}  // namespace agentcast::app
