#pragma once
// The call code to give the viewer, whole and selectable, with a Copy button; and the
// sender's fingerprint in its short form, to be read aloud over another channel so that
// both ends know the code was not swapped on its way. "New invite" asks for a single-use
// invitation (invite_requested()); each one given to add_invite() is listed and copied.

#include <QtWidgets/QGroupBox>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace agentcast::sender_app {

class CallCodePanel : public QGroupBox {
  Q_OBJECT

 public:
  explicit CallCodePanel(QWidget* parent = nullptr);

  void show_code(const QString& call_code, const QString& readable_fingerprint);
  void clear();
  // Lists a new invitation at the top and copies it to the clipboard.
  void add_invite(const QString& invite);

  QString call_code() const;
  QString fingerprint() const;
  QPushButton* copy_button() const { return copy_; }
  QLineEdit* code_field() const { return code_; }
  QPushButton* invite_button() const { return invite_; }
  QListWidget* invites() const { return invites_; }

 signals:
  void invite_requested();

 private:
  QLineEdit* code_;
  QPushButton* copy_;
  QPushButton* invite_;
  QListWidget* invites_;
  QLabel* fingerprint_;
  QLabel* explanation_;
};

}  // namespace agentcast::sender_app
