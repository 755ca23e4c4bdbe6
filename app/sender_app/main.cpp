// agentcast-sender: the sender app. It takes every flag of `agentcast send` (and --start)
// so that a script can start it configured; without flags it opens as it was left.

#include <cstdio>
#include <string>
#include <vector>

#include <QtCore/QSettings>
#include <QtWidgets/QApplication>

#include "agentcast/resources/icons.h"
#include "quit_signals.h"
#include "sender_launch.h"
#include "sender_script.h"
#include "sender_window.h"

namespace {

constexpr const char* kUsage =
    "usage: agentcast-sender [the flags of agentcast send] [--start]\n"
    "  --start starts sending at once; with --duration S the app quits after S seconds\n"
    "  and, should sending fail, exits with agentcast send's exit code.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace agentcast;
  QApplication application(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("AgentCast"));
  QApplication::setApplicationName(QStringLiteral("agentcast-sender"));
  QApplication::setApplicationDisplayName(QStringLiteral("AgentCast Sender"));
  QApplication::setDesktopFileName(QStringLiteral("agentcast-sender"));  // matches the .desktop
  QApplication::setApplicationVersion(QStringLiteral(AGENTCAST_VERSION));
  QApplication::setWindowIcon(resources::app_icon(QStringLiteral("agentcast-sender")));

  // QApplication has taken its own options (-platform, ...) out of argv.
  const std::vector<std::string> args(argv + 1, argv + argc);
  QSettings settings;
  sender_app::SenderLaunch launch;
  try {
    launch = sender_app::read_launch(args, settings);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentcast-sender: %s\n%s", e.what(), kUsage);
    return app::kExitUsage;
  }
  const bool remember = !launch.scripted();  // a script does not change a person's settings

  sender_app::SenderWindow window(launch.command.sender, sender_app::SenderDevices::enumerate());
  if (remember) window.restore_state(settings);
  sender_app::SenderScript script(window, launch);
  QObject::connect(&script, &sender_app::SenderScript::finished, &application,
                   [](int code) { QCoreApplication::exit(code); });
  if (remember) {
    QObject::connect(&window, &sender_app::SenderWindow::start_requested, &application,
                     [&settings](const app::SenderOptions& options) {
                       sender_app::remember_choices(settings, options);
                       settings.sync();
                     });
  }
  gui::on_quit_signals(&application, [&window] { window.close(); });

  window.show();
  script.begin();
  const int code = QApplication::exec();
  if (remember) {
    window.save_state(settings);
    sender_app::remember_choices(settings, window.form()->options());
  }
  return code;
}
