#include "failure_dialog.h"

#include <QtWidgets/QMessageBox>

namespace agentcast::gui {

QMessageBox* show_failure(QWidget* parent, const FailureText& text) {
  auto* box =
      new QMessageBox(QMessageBox::Warning, text.title, text.message, QMessageBox::Ok, parent);
  box->setObjectName("failureDialog");
  box->setInformativeText(text.advice);
  if (!text.details.isEmpty()) box->setDetailedText(text.details);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
  return box;
}

}  // namespace agentcast::gui
