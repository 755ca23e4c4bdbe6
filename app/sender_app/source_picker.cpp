#include "source_picker.h"

#include <QtWidgets/QComboBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QVBoxLayout>

namespace agentcast::sender_app {

SourcePicker::SourcePicker(QWidget* parent)
    : QWidget(parent),
      combo_(new QComboBox(this)),
      path_(new QLineEdit(this)),
      browse_button_(new QPushButton(tr("Browse…"), this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(combo_);
  auto* path_row = new QHBoxLayout;
  path_row->addWidget(path_, 1);
  path_row->addWidget(browse_button_);
  layout->addLayout(path_row);
  path_->setVisible(false);
  browse_button_->setVisible(false);
  unknown_label_ = [](const QString& spec) { return spec; };

  connect(combo_, &QComboBox::currentIndexChanged, this, [this](int index) {
    select(index);
    emit changed();
  });
  // Only a person choosing a path choice with no path yet is asked for one; setting a spec
  // from code never opens a dialog.
  connect(combo_, &QComboBox::activated, this, [this](int index) {
    const auto i = static_cast<std::size_t>(index);
    if (i < choices_.size() && choices_[i].has_path && path_->text().isEmpty()) browse();
  });
  connect(path_, &QLineEdit::textChanged, this, [this] { emit changed(); });
  connect(browse_button_, &QPushButton::clicked, this, [this] { browse(); });
}

void SourcePicker::add_choice(const QString& label, const QString& spec) {
  choices_.push_back(Choice{spec, false, Browse::kFile, {}, {}});
  combo_->addItem(label);
}

void SourcePicker::add_path_choice(const QString& label, const QString& prefix, Browse browse,
                                   const QString& file_filter) {
  choices_.push_back(Choice{prefix, true, browse, file_filter, {}});
  combo_->addItem(label);
}

void SourcePicker::set_unknown_label(std::function<QString(const QString&)> label) {
  unknown_label_ = std::move(label);
}

void SourcePicker::select(int index) {
  if (current_ >= 0 && static_cast<std::size_t>(current_) < choices_.size()) {
    choices_[static_cast<std::size_t>(current_)].path = path_->text();
  }
  current_ = index;
  const bool has_path = index >= 0 && choices_[static_cast<std::size_t>(index)].has_path;
  const QSignalBlocker quiet(path_);
  path_->setText(has_path ? choices_[static_cast<std::size_t>(index)].path : QString());
  path_->setVisible(has_path);
  browse_button_->setVisible(has_path);
  if (has_path) {
    path_->setPlaceholderText(choices_[static_cast<std::size_t>(index)].browse == Browse::kFolder
                                  ? tr("folder/*.png")
                                  : tr("path of the file"));
  }
}

std::string SourcePicker::spec() const {
  if (current_ < 0) return {};
  const Choice& choice = choices_[static_cast<std::size_t>(current_)];
  return (choice.has_path ? choice.spec + path_->text() : choice.spec).toStdString();
}

void SourcePicker::set_spec(const std::string& text) {
  const QString spec = QString::fromStdString(text);
  int found = -1;
  for (std::size_t i = 0; i < choices_.size() && found < 0; ++i) {
    if (!choices_[i].has_path && choices_[i].spec == spec) found = static_cast<int>(i);
  }
  for (std::size_t i = 0; i < choices_.size() && found < 0; ++i) {
    if (choices_[i].has_path && spec.startsWith(choices_[i].spec)) {
      found = static_cast<int>(i);
      choices_[i].path = spec.mid(choices_[i].spec.size());
    }
  }
  if (found < 0) {
    add_choice(unknown_label_(spec), spec);
    found = static_cast<int>(choices_.size() - 1);
  }
  if (found == combo_->currentIndex()) {
    current_ = -1;  // the path field takes the new path rather than keeping the old one
    select(found);
    emit changed();
  } else {
    combo_->setCurrentIndex(found);
  }
}

void SourcePicker::browse() {
  if (current_ < 0) return;
  const Choice& choice = choices_[static_cast<std::size_t>(current_)];
  QString chosen;
  if (choice.browse == Browse::kFolder) {
    QString folder = path_->text();
    if (folder.endsWith(QLatin1String("/*"))) folder.chop(2);
    chosen = QFileDialog::getExistingDirectory(this, tr("Folder of images"), folder);
    if (!chosen.isEmpty()) chosen += QStringLiteral("/*");
  } else {
    chosen = QFileDialog::getOpenFileName(this, tr("Choose a file"), path_->text(), choice.filter);
  }
  if (!chosen.isEmpty()) path_->setText(chosen);
}

}  // namespace agentcast::sender_app
