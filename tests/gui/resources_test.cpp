// The icons are embedded and load as PNG (Qt here has no SVG module), in a program that
// only links agentcast::resources: no Q_INIT_RESOURCE, as resources/CMakeLists.txt promises.

#include <gtest/gtest.h>

#include <QtCore/QFile>
#include <QtGui/QGuiApplication>
#include <QtGui/QImage>

#include "agentcast/resources/icons.h"

namespace agentcast::resources {
namespace {

TEST(Resources, EveryIconIsEmbeddedAtEverySize) {
  for (const char* app : {"agentcast-sender", "agentcast-viewer"}) {
    for (int size : {32, 64, 128, 256}) {
      const QString path = QStringLiteral(":/icons/%1-%2.png").arg(app).arg(size);
      ASSERT_TRUE(QFile::exists(path)) << path.toStdString();
      const QImage image(path);
      ASSERT_FALSE(image.isNull()) << path.toStdString() << " does not load";
      EXPECT_EQ(image.size(), QSize(size, size)) << path.toStdString();
      EXPECT_TRUE(image.hasAlphaChannel()) << "rounded corners need transparency";
    }
  }
}

TEST(Resources, AppIconHasEverySize) {
  // A QIcon's sizes come from its pixmaps, which need an application (no display here).
  char name[] = "gui_e2e_tests", platform[] = "-platform", offscreen[] = "offscreen";
  char* argv[] = {name, platform, offscreen, nullptr};
  int argc = 3;
  const QGuiApplication app(argc, argv);
  EXPECT_EQ(app_icon("agentcast-sender").availableSizes().size(), 4);
  EXPECT_EQ(app_icon("agentcast-viewer").availableSizes().size(), 4);
  EXPECT_TRUE(app_icon("agentcast-nothing").isNull());
}

TEST(Resources, InitIconsIsHarmlessWhenTheyAreAlreadyThere) {
  init_icons();
  init_icons();
  EXPECT_FALSE(QImage(":/icons/agentcast-viewer-64.png").isNull());
}

TEST(Resources, SenderAndViewerIconsDiffer) {
  EXPECT_NE(QImage(":/icons/agentcast-sender-256.png"), QImage(":/icons/agentcast-viewer-256.png"));
}

}  // namespace
}  // namespace agentcast::resources
