#include "viewers_table.h"

#include <QtCore/QJsonObject>
#include <QtWidgets/QHeaderView>

namespace agentcast::sender_app {

ViewersTable::ViewersTable(QWidget* parent) : QTableWidget(0, kColumns, parent) {
  // Short headers and whole names: the table sits in a narrow column next to the preview,
  // where a stretched name column was squeezed to a few letters.
  setHorizontalHeaderLabels(
      {tr("Name"), tr("Address"), tr("Agent"), tr("Sends back"), tr("Lost"), tr("Latency ms")});
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setWordWrap(false);
  verticalHeader()->setVisible(false);
  horizontalHeader()->setStretchLastSection(true);
  horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  setToolTip(tr("Loss and latency are each viewer's own last report."));
  horizontalHeaderItem(kLoss)->setToolTip(tr("Media packets the viewer did not receive"));
  horizontalHeaderItem(kLatency)->setToolTip(tr("Glass-to-glass latency, median"));
}

void ViewersTable::show_viewers(const QJsonArray& viewers) {
  // Rows are rewritten in place, so a selection or scroll position survives the refresh.
  setRowCount(static_cast<int>(viewers.size()));
  for (int row = 0; row < rowCount(); ++row) {
    const QJsonObject v = viewers[row].toObject();
    const QString cells[kColumns] = {
        v[QLatin1String("name")].toString(),
        v[QLatin1String("address")].toString(),
        v[QLatin1String("agent")].toString(),
        v[QLatin1String("send_back")].toBool() ? tr("yes") : QString(),
        QString::number(v[QLatin1String("packets_lost")].toInteger()),
        QString::number(v[QLatin1String("latency_p50_ms")].toDouble(), 'f', 1),
    };
    for (int column = 0; column < kColumns; ++column) {
      QTableWidgetItem* cell = item(row, column);
      if (cell == nullptr) {
        cell = new QTableWidgetItem;
        if (column >= kLoss) cell->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        setItem(row, column, cell);
      }
      if (cell->text() != cells[column]) cell->setText(cells[column]);
    }
    item(row, kName)->setData(kSlotRole, v[QLatin1String("slot")].toInt(-1));
  }
}

std::optional<std::uint16_t> ViewersTable::selected_slot() const {
  const QList<QTableWidgetItem*> selected = selectedItems();
  if (selected.isEmpty()) return std::nullopt;
  const QTableWidgetItem* name = item(selected.front()->row(), kName);
  const int slot = name != nullptr ? name->data(kSlotRole).toInt() : -1;
  if (slot < 0 || slot > 0xffff) return std::nullopt;
  return static_cast<std::uint16_t>(slot);
}

}  // namespace agentcast::sender_app
