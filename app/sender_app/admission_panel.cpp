#include "admission_panel.h"

#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

namespace agentcast::sender_app {

AdmissionPanel::AdmissionPanel(QWidget* parent)
    : QFrame(parent),
      question_(new QLabel(this)),
      others_(new QLabel(this)),
      admit_(new QPushButton(tr("Admit"), this)),
      deny_(new QPushButton(tr("Deny"), this)) {
  setObjectName(QStringLiteral("admissionPanel"));
  setFrameShape(QFrame::StyledPanel);
  question_->setObjectName(QStringLiteral("waitingViewerLabel"));
  // The name is the viewer's own choice: shown as text, never interpreted as markup.
  question_->setTextFormat(Qt::PlainText);
  question_->setWordWrap(true);
  others_->setObjectName(QStringLiteral("otherWaitingLabel"));
  admit_->setObjectName(QStringLiteral("admitButton"));
  deny_->setObjectName(QStringLiteral("denyButton"));
  // Enter must not let someone in by accident: admitting is a deliberate click.
  admit_->setAutoDefault(false);
  deny_->setAutoDefault(false);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(question_);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(others_, 1);
  buttons->addWidget(deny_);
  buttons->addWidget(admit_);
  layout->addLayout(buttons);
  connect(admit_, &QPushButton::clicked, this, [this] { decide(true); });
  connect(deny_, &QPushButton::clicked, this, [this] { decide(false); });
  setVisible(false);
}

void AdmissionPanel::show_waiting(const std::vector<app::PendingViewer>& waiting) {
  if (waiting.empty()) {
    shown_.reset();
    setVisible(false);
    return;
  }
  shown_ = waiting.front();
  admit_->setEnabled(true);
  deny_->setEnabled(true);
  question_->setText(
      tr("“%1” wants to join, from %2. Let them in?")
          .arg(QString::fromStdString(shown_->name), QString::fromStdString(shown_->address)));
  others_->setText(waiting.size() > 1
                       ? tr("%n more waiting", nullptr, static_cast<int>(waiting.size() - 1))
                       : QString());
  setVisible(true);
}

void AdmissionPanel::decide(bool admit) {
  if (!shown_) return;
  const std::uint64_t id = shown_->id;
  // Not asked twice: the list the sender reports next no longer holds it.
  shown_.reset();
  admit_->setEnabled(false);
  deny_->setEnabled(false);
  emit decided(id, admit);
}

}  // namespace agentcast::sender_app
