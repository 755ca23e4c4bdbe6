#include "agentcast/resources/icons.h"

#include <QtCore/QFile>

namespace agentcast::resources {

QIcon app_icon(const QString& app) {
  QIcon icon;
  for (int size : {32, 64, 128, 256}) {
    const QString path = QStringLiteral(":/icons/%1-%2.png").arg(app).arg(size);
    if (QFile::exists(path)) icon.addFile(path, QSize(size, size));
  }
  return icon;
}

}  // namespace agentcast::resources
