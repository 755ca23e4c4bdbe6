#pragma once
// What a failure dialog says: a title, what went wrong in plain words, what to do about it,
// and the technical text (an exception's what()) kept apart under "Details" so that the
// plain words stay plain. Both apps show their failures this way.

#include <QtCore/QString>

class QMessageBox;
class QWidget;

namespace agentcast::gui {

struct FailureText {
  QString title;
  QString message;  // what went wrong
  QString advice;   // what the user can do
  QString details;  // the technical text; may be empty
};

// Opens a window-modal dialog without waiting for it (the event loop, and a test, go on
// running); it deletes itself when closed.
QMessageBox* show_failure(QWidget* parent, const FailureText& text);

}  // namespace agentcast::gui
