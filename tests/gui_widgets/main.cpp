// The widget tests need a QApplication; without a display they run on the offscreen
// platform (also when ctest lists them, where the test's environment does not apply).
#include <gtest/gtest.h>

#include <QtCore/QStandardPaths>
#include <QtWidgets/QApplication>

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QStandardPaths::setTestModeEnabled(true);  // QSettings in ~/.qttest: the user's stay untouched
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
