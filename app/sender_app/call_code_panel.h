#pragma once
// The call code to give the viewer, whole and selectable, with a Copy button; and the
// sender's fingerprint in its short form, to be read aloud over another channel so that
// both ends know the code was not swapped on its way.

#include <QtWidgets/QGroupBox>

class QLabel;
class QLineEdit;
class QPushButton;

namespace agentcast::sender_app {

class CallCodePanel : public QGroupBox {
  Q_OBJECT

 public:
  explicit CallCodePanel(QWidget* parent = nullptr);

  void show_code(const QString& call_code, const QString& readable_fingerprint);
  void clear();

  QString call_code() const;
  QString fingerprint() const;
  QPushButton* copy_button() const { return copy_; }
  QLineEdit* code_field() const { return code_; }

 private:
  QLineEdit* code_;
  QPushButton* copy_;
  QLabel* fingerprint_;
  QLabel* explanation_;
};

}  // namespace agentcast::sender_app
