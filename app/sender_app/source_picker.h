#pragma once
// One source picker of the sender's form: a list of choices, each standing for a source
// spec of `agentcast send` ("test", "camera:0", "none", ...). A choice that needs a path
// ("file:PATH", "images:GLOB") shows a path field and a Browse button; each such choice
// keeps its own path, so that switching back and forth loses nothing.

#include <functional>
#include <string>
#include <vector>

#include <QtCore/QString>
#include <QtWidgets/QWidget>

class QComboBox;
class QLineEdit;
class QPushButton;

namespace agentcast::sender_app {

class SourcePicker : public QWidget {
  Q_OBJECT

 public:
  enum class Browse { kFile, kFolder };

  explicit SourcePicker(QWidget* parent = nullptr);

  void add_choice(const QString& label, const QString& spec);
  // The spec is `prefix` followed by the path field. A folder chosen with Browse becomes
  // the glob FOLDER/* (what images:GLOB takes).
  void add_path_choice(const QString& label, const QString& prefix, Browse browse,
                       const QString& file_filter = {});
  // Names a spec that matches no choice (a camera that is not plugged in, ...): it gets a
  // choice of its own rather than being lost.
  void set_unknown_label(std::function<QString(const QString& spec)> label);

  std::string spec() const;
  void set_spec(const std::string& spec);

  QComboBox* choices() const { return combo_; }
  QLineEdit* path_field() const { return path_; }

 signals:
  void changed();

 private:
  struct Choice {
    QString spec;  // the whole spec, or the prefix of a path choice
    bool has_path = false;
    Browse browse = Browse::kFile;
    QString filter;
    QString path;
  };

  void select(int index);
  void browse();

  QComboBox* combo_;
  QLineEdit* path_;
  QPushButton* browse_button_;
  std::vector<Choice> choices_;
  int current_ = -1;
  std::function<QString(const QString&)> unknown_label_;
};

}  // namespace agentcast::sender_app
