#pragma once
// "Ask me before each viewer joins": the viewers waiting for the host, the oldest shown
// with its name and address and Admit / Deny buttons, the others counted. A panel in the
// window rather than a modal dialog, so that neither the preview nor a second waiting
// viewer is blocked by the question, and it works the same offscreen.

#include <cstdint>
#include <optional>
#include <vector>

#include <QtWidgets/QFrame>

#include "agentcast/call/sender.h"

class QLabel;
class QPushButton;

namespace agentcast::sender_app {

class AdmissionPanel : public QFrame {
  Q_OBJECT

 public:
  explicit AdmissionPanel(QWidget* parent = nullptr);

  // The viewers waiting now, oldest first; hidden when there are none.
  void show_waiting(const std::vector<app::PendingViewer>& waiting);
  // The one the buttons decide about; empty when none waits.
  std::optional<app::PendingViewer> shown() const { return shown_; }

  QLabel* question() const { return question_; }
  QLabel* others() const { return others_; }
  QPushButton* admit_button() const { return admit_; }
  QPushButton* deny_button() const { return deny_; }

 signals:
  void decided(std::uint64_t id, bool admit);

 private:
  void decide(bool admit);

  QLabel* question_ = nullptr;
  QLabel* others_ = nullptr;
  QPushButton* admit_ = nullptr;
  QPushButton* deny_ = nullptr;
  std::optional<app::PendingViewer> shown_;
};

}  // namespace agentcast::sender_app
