#include "call_code_panel.h"

#include <QtGui/QClipboard>
#include <QtGui/QFontDatabase>
#include <QtGui/QGuiApplication>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

namespace agentcast::sender_app {

CallCodePanel::CallCodePanel(QWidget* parent)
    : QGroupBox(tr("Call code"), parent),
      code_(new QLineEdit(this)),
      copy_(new QPushButton(tr("Copy"), this)),
      invite_(new QPushButton(tr("New invite"), this)),
      invites_(new QListWidget(this)),
      fingerprint_(new QLabel(this)),
      explanation_(new QLabel(this)) {
  setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
  code_->setReadOnly(true);
  code_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  code_->setPlaceholderText(tr("Appears once you start"));
  copy_->setToolTip(tr("Copy the call code to the clipboard"));
  invite_->setObjectName(QStringLiteral("newInviteButton"));
  invite_->setToolTip(
      tr("A call code that admits one viewer, once: give guests these, and keep the call code, "
         "which any number may use, to yourself. It is copied to the clipboard."));
  invites_->setObjectName(QStringLiteral("invitesList"));
  invites_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  invites_->setMaximumHeight(80);
  fingerprint_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  fingerprint_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  fingerprint_->setWordWrap(true);
  explanation_->setWordWrap(true);
  explanation_->setText(
      tr("Send the call code to your viewer. Then read these 16 groups of digits aloud to "
         "them over another channel (a phone call, or in person): their app shows the same "
         "numbers only if the call code reached them unchanged."));

  auto* layout = new QVBoxLayout(this);
  auto* code_row = new QHBoxLayout;
  code_row->addWidget(code_, 1);
  code_row->addWidget(copy_);
  code_row->addWidget(invite_);
  layout->addLayout(code_row);
  layout->addWidget(invites_);
  layout->addWidget(fingerprint_);
  layout->addWidget(explanation_);

  connect(copy_, &QPushButton::clicked, this,
          [this] { QGuiApplication::clipboard()->setText(code_->text()); });
  connect(invite_, &QPushButton::clicked, this, &CallCodePanel::invite_requested);
  connect(invites_, &QListWidget::currentTextChanged, this, [](const QString& invite) {
    if (!invite.isEmpty()) QGuiApplication::clipboard()->setText(invite);
  });
  clear();
}

void CallCodePanel::show_code(const QString& call_code, const QString& readable_fingerprint) {
  code_->setText(call_code);
  code_->setCursorPosition(0);
  fingerprint_->setText(readable_fingerprint);
  copy_->setEnabled(true);
  invite_->setEnabled(true);
  fingerprint_->setVisible(true);
  explanation_->setVisible(true);
}

void CallCodePanel::clear() {
  code_->clear();
  fingerprint_->clear();
  copy_->setEnabled(false);
  invite_->setEnabled(false);
  invites_->clear();
  invites_->setVisible(false);
  fingerprint_->setVisible(false);
  explanation_->setVisible(false);
}

void CallCodePanel::add_invite(const QString& invite) {
  if (invite.isEmpty()) return;
  invites_->insertItem(0, invite);
  invites_->setVisible(true);
  invites_->setCurrentRow(0);  // copies it
}

QString CallCodePanel::call_code() const {
  return code_->text();
}

QString CallCodePanel::fingerprint() const {
  return fingerprint_->text();
}

}  // namespace agentcast::sender_app
