#include "sending_summary.h"

#include <QtCore/QJsonArray>

namespace agentcast::sender_app {
namespace {

QString format_bitrate(double bps) {
  if (bps >= 1e6) return QStringLiteral("%1 Mbit/s").arg(bps / 1e6, 0, 'f', 2);
  return QStringLiteral("%1 kbit/s").arg(bps / 1e3, 0, 'f', 0);
}

}  // namespace

SendingSummary::SendingSummary(QWidget* parent) : QLabel(parent) {
  setTextInteractionFlags(Qt::TextSelectableByMouse);
  clock_.start();
  reset();
}

void SendingSummary::reset() {
  last_bytes_ = -1;
  bitrate_bps_.reset();
  clear();  // the window's state label says "Not sending"
}

void SendingSummary::show_stats(const QJsonObject& stats) {
  const std::int64_t bytes = stats[QLatin1String("bytes_sent")].toInteger(-1);
  const std::int64_t now = clock_.elapsed();
  if (bytes >= 0 && last_bytes_ >= 0 && bytes >= last_bytes_ && now > last_ms_) {
    bitrate_bps_ = static_cast<double>(bytes - last_bytes_) * 8.0 * 1000.0 /
                   static_cast<double>(now - last_ms_);
  }
  last_bytes_ = bytes;
  last_ms_ = now;

  const QString unit = stats[QLatin1String("unit")].toString();
  const QJsonValue epoch = stats[QLatin1String("epoch")];
  const auto viewers = stats[QLatin1String("viewers")].toArray().size();
  QStringList parts;
  parts << (bitrate_bps_ ? tr("Sending %1").arg(format_bitrate(*bitrate_bps_)) : tr("Sending"));
  parts << (viewers == 1 ? tr("1 viewer") : tr("%1 viewers").arg(viewers));
  parts << tr("unit %1").arg(unit.isEmpty() ? QStringLiteral("–") : unit);
  parts << tr("epoch %1")
               .arg(epoch.isDouble() ? QString::number(epoch.toInteger()) : QStringLiteral("–"));
  setText(parts.join(QStringLiteral(" · ")));
}

}  // namespace agentcast::sender_app
