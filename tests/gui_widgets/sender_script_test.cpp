// The sender app run by a script: --start, --duration, --call-code-file, --stats-json, and
// the command line's exit codes instead of dialogs.

#include <gtest/gtest.h>

#include <optional>

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtWidgets/QMessageBox>

#include "sender_script.h"
#include "sender_test_support.h"
#include "sender_window.h"

namespace agentcast::sender_app {
namespace {

using testing::quick_sender_options;
using testing::wait_for;

SenderLaunch scripted_launch(const app::SenderOptions& options, double duration_s) {
  SenderLaunch launch;
  launch.command.sender = options;
  launch.command.duration_s = duration_s;
  launch.start_now = true;
  return launch;
}

TEST(SenderScript, RunsForItsDurationAndLeavesItsFiles) {
  QTemporaryDir dir;
  SenderLaunch launch = scripted_launch(quick_sender_options(dir), 2);
  launch.command.call_code_file = dir.filePath(QStringLiteral("code.txt")).toStdString();
  launch.command.stats_json = dir.filePath(QStringLiteral("stats.json")).toStdString();
  SenderWindow window(launch.command.sender, SenderDevices{});
  window.show();
  SenderScript script(window, launch);
  std::optional<int> exit_code;
  QObject::connect(&script, &SenderScript::finished, [&](int code) { exit_code = code; });
  script.begin();

  // While it runs, the statistics file is refreshed with the window's part.
  ASSERT_TRUE(wait_for([&] { return window.state() == SenderRunner::State::kSending; }));
  QFile stats_file(QString::fromStdString(launch.command.stats_json));
  ASSERT_TRUE(wait_for([&] {
    if (!stats_file.open(QIODevice::ReadOnly)) return false;
    const QJsonObject stats = QJsonDocument::fromJson(stats_file.readAll()).object();
    stats_file.close();
    const QJsonObject ui = stats[QLatin1String("ui")].toObject();
    return ui[QLatin1String("state")].toString() == QLatin1String("sending") &&
           ui[QLatin1String("preview_rect")].toArray().at(2).toInt() > 0;
  }));

  ASSERT_TRUE(wait_for([&] { return exit_code.has_value(); }, 20'000));
  EXPECT_EQ(*exit_code, app::kExitOk);
  EXPECT_EQ(window.state(), SenderRunner::State::kIdle);

  QFile code_file(QString::fromStdString(launch.command.call_code_file));
  ASSERT_TRUE(code_file.open(QIODevice::ReadOnly));
  EXPECT_TRUE(code_file.readAll().startsWith("agentcast://127.0.0.1:"));
  ASSERT_TRUE(stats_file.open(QIODevice::ReadOnly));
  const QJsonObject stats = QJsonDocument::fromJson(stats_file.readAll()).object();
  EXPECT_GT(stats[QLatin1String("frames_captured")].toInteger(), 10) << "the last figures";
  const QJsonObject ui = stats[QLatin1String("ui")].toObject();
  EXPECT_EQ(ui[QLatin1String("state")].toString(), QStringLiteral("idle"));
  EXPECT_GT(ui[QLatin1String("preview_frames_painted")].toInteger(), 5);
}

TEST(SenderScript, AMissingCameraEndsWithItsExitCodeAndNoDialog) {
  QTemporaryDir dir;
  app::SenderOptions options = quick_sender_options(dir);
  options.media.video = "camera:57";
  const SenderLaunch launch = scripted_launch(options, 5);
  SenderWindow window(launch.command.sender, SenderDevices{});
  window.show();
  SenderScript script(window, launch);
  std::optional<int> exit_code;
  QObject::connect(&script, &SenderScript::finished, [&](int code) { exit_code = code; });
  script.begin();
  ASSERT_TRUE(wait_for([&] { return exit_code.has_value(); }));
  EXPECT_EQ(*exit_code, app::kExitNoCamera);
  EXPECT_EQ(window.findChild<QMessageBox*>(), nullptr);
  EXPECT_TRUE(window.last_failure().contains(QStringLiteral("/dev/video57")));
}

TEST(SenderScript, NothingToSendIsAUsageError) {
  QTemporaryDir dir;
  app::SenderOptions options = quick_sender_options(dir);
  options.media.video = "none";
  options.media.audio = "none";
  const SenderLaunch launch = scripted_launch(options, 5);
  SenderWindow window(launch.command.sender, SenderDevices{});
  SenderScript script(window, launch);
  std::optional<int> exit_code;
  QObject::connect(&script, &SenderScript::finished, [&](int code) { exit_code = code; });
  script.begin();
  ASSERT_TRUE(wait_for([&] { return exit_code.has_value(); }));
  EXPECT_EQ(*exit_code, app::kExitUsage);
}

}  // namespace
}  // namespace agentcast::sender_app
