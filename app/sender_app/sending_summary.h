#pragma once
// One line on how sending goes, from Sender::stats_json() refreshed every second: the
// cipher unit protecting the newest video packet, the epoch, and the bitrate on the wire
// (the change of "bytes_sent" between refreshes).

#include <cstdint>
#include <optional>

#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonObject>
#include <QtWidgets/QLabel>

namespace agentcast::sender_app {

class SendingSummary : public QLabel {
  Q_OBJECT

 public:
  explicit SendingSummary(QWidget* parent = nullptr);

  void show_stats(const QJsonObject& stats);
  void reset();

  // Bits per second over the last refresh; nullopt before two refreshes.
  std::optional<double> bitrate_bps() const { return bitrate_bps_; }

 private:
  QElapsedTimer clock_;
  std::int64_t last_bytes_ = -1;
  std::int64_t last_ms_ = 0;
  std::optional<double> bitrate_bps_;
};

}  // namespace agentcast::sender_app
