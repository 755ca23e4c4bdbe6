#include "stats_summary.h"

#include <QtCore/QJsonValue>

namespace agentcast::viewer_ui {
namespace {

const QString kUnknown = QStringLiteral("–");

QString bitrate_text(const QJsonObject& current, const QJsonObject& previous, double seconds) {
  if (!current.contains("bytes_received") || !previous.contains("bytes_received") || seconds <= 0)
    return kUnknown;
  const double bits =
      8.0 * (current["bytes_received"].toDouble() - previous["bytes_received"].toDouble());
  const double rate = bits < 0 ? 0 : bits / seconds;
  if (rate >= 1e6) return QString("%1 Mbit/s").arg(rate / 1e6, 0, 'f', 2);
  return QString("%1 kbit/s").arg(rate / 1e3, 0, 'f', 0);
}

QString loss_text(const QJsonObject& current, const QJsonObject& previous) {
  const double lost = current["packets_lost"].toDouble();
  const double received = current["packets_received"].toDouble();
  // Over the interval when there is one; the figures only grow within a session.
  double interval_lost = lost, interval_expected = lost + received;
  if (previous.contains("packets_received")) {
    interval_lost = lost - previous["packets_lost"].toDouble();
    interval_expected = interval_lost + received - previous["packets_received"].toDouble();
  }
  if (interval_expected <= 0 || interval_lost < 0) return QString("%1 lost").arg(lost, 0, 'f', 0);
  return QString("%1 % (%2 lost)")
      .arg(100.0 * interval_lost / interval_expected, 0, 'f', 1)
      .arg(lost, 0, 'f', 0);
}

QString jitter_text(const QJsonObject& current) {
  QStringList parts;
  if (current.contains("jitter_ms"))
    parts << QString("%1 ms").arg(current["jitter_ms"].toDouble(), 0, 'f', 1);
  const QJsonObject video = current["video_jitter"].toObject();
  if (!video.isEmpty()) {
    const int held = video["frames_buffered"].toInt();
    parts << QString(held == 1 ? "%1 frame held" : "%1 frames held").arg(held);
    parts << QString("%1 late").arg(video["fragments_late"].toInt());
  }
  return parts.isEmpty() ? kUnknown : parts.join(" · ");
}

QString latency_text(const QJsonObject& current) {
  const QJsonObject latency = current["latency_ms"].toObject();
  if (latency["samples"].toDouble() <= 0) return kUnknown;
  return QString("p50 %1 ms · p95 %2 ms")
      .arg(latency["p50"].toDouble(), 0, 'f', 0)
      .arg(latency["p95"].toDouble(), 0, 'f', 0);
}

QString unit_text(const QJsonObject& current) {
  const QString unit = current["unit"].toString();
  const QString epoch = current.contains("epoch")
                            ? QString::number(current["epoch"].toVariant().toULongLong())
                            : kUnknown;
  return QString("%1 · epoch %2").arg(unit.isEmpty() ? kUnknown : unit, epoch);
}

QString agent_text(const QJsonObject& current) {
  const QJsonObject agent = current["agent"].toObject();
  if (agent.isEmpty()) return kUnknown;
  // The first bytes of the hash are enough to compare by eye with the sender's.
  return QString("%1 · %2").arg(agent["kind"].toString(), agent["hash"].toString().left(12));
}

}  // namespace

QStringList summarize_stats(const QJsonObject& current, const QJsonObject& previous,
                            double seconds) {
  return {
      "bitrate  " + bitrate_text(current, previous, seconds),
      "loss     " + loss_text(current, previous),
      "jitter   " + jitter_text(current),
      "latency  " + latency_text(current),
      "unit     " + unit_text(current),
      "agent    " + agent_text(current),
  };
}

}  // namespace agentcast::viewer_ui
