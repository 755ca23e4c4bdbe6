#pragma once
// The viewers connected to the sender, one row each, from the "viewers" array of
// Sender::stats_json() (docs/STATS.md): who, from where, with which agent, and how their
// reception goes by their last report.

#include <QtCore/QJsonArray>
#include <QtWidgets/QTableWidget>
#include <cstdint>
#include <optional>

namespace agentcast::sender_app {

class ViewersTable : public QTableWidget {
  Q_OBJECT

 public:
  enum Column { kName, kAddress, kAgent, kSendsBack, kLoss, kLatency, kColumns };

  explicit ViewersTable(QWidget* parent = nullptr);

  void show_viewers(const QJsonArray& viewers);
  // The slot (Sender::remove_viewer) of the selected viewer, if a row is selected.
  std::optional<std::uint16_t> selected_slot() const;

 private:
  static constexpr int kSlotRole = Qt::UserRole + 1;  // on each row's name cell
};

}  // namespace agentcast::sender_app
