// agentcast-viewer: the viewer app. It takes a call code and every flag of `agentcast view`
// (and --stats-overlay, --fullscreen) so that a script, or a desktop's agentcast:// link,
// can start it connecting; without them it opens as it was left.

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <QtCore/QTimer>
#include <QtWidgets/QApplication>

#include "agentcast/media/devices.h"
#include "agentcast/resources/icons.h"
#include "launch_options.h"
#include "quit_signals.h"
#include "viewer_window.h"

namespace {

constexpr const char* kUsage =
    "usage: agentcast-viewer [CALLCODE] [the flags of agentcast view] [--stats-overlay]\n"
    "                        [--fullscreen]\n"
    "  a call code connects at once; with --duration S the app quits after S seconds and,\n"
    "  should the connection fail, exits with agentcast view's exit code.\n";

// Qt's -geometry places the window; remembered geometry must not move it elsewhere.
bool geometry_given(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-geometry") == 0 || std::strcmp(argv[i], "--geometry") == 0)
      return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace agentcast;
  const bool placed = geometry_given(argc, argv);
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("AgentCast"));
  QApplication::setApplicationName(QStringLiteral("agentcast-viewer"));
  QApplication::setApplicationDisplayName(QStringLiteral("AgentCast Viewer"));
  QApplication::setDesktopFileName(QStringLiteral("agentcast-viewer"));  // matches the .desktop
  QApplication::setApplicationVersion(QStringLiteral(AGENTCAST_VERSION));
  QApplication::setWindowIcon(resources::app_icon(QStringLiteral("agentcast-viewer")));

  // QApplication has taken its own options (-platform, -geometry, ...) out of argv.
  viewer_ui::Launch launch;
  try {
    launch = viewer_ui::parse_launch(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentcast-viewer: %s\n%s", e.what(), kUsage);
    return app::kExitUsage;
  }
  launch.restore_geometry = !placed;

  viewer_ui::ViewerWindow window(std::move(launch), media::list_audio_devices());
  QObject::connect(&window, &viewer_ui::ViewerWindow::finished, &app,
                   [](int code) { QCoreApplication::exit(code); });
  gui::on_quit_signals(&app, [&window] { window.close(); });
  window.show();
  // Once the event loop runs, so that a failure at once can still end it with its code.
  QTimer::singleShot(0, &window, &viewer_ui::ViewerWindow::start);
  return QApplication::exec();
}
