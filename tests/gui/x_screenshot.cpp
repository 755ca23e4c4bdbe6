// x_screenshot OUT.png [--rect X,Y,W,H]: writes what the X display in $DISPLAY shows (the
// root window, all of it or one rectangle) to a PNG. The GUI tests' camera: it sees the
// screen as a user would, whatever the program that drew it.

#include <QtCore/QStringList>
#include <QtGui/QGuiApplication>
#include <QtGui/QPixmap>
#include <QtGui/QScreen>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "x_screenshot: %s\n", message.c_str());
  return 1;
}

std::optional<QRect> parse_rect(const QString& text) {
  const QStringList parts = text.split(',');
  if (parts.size() != 4) return std::nullopt;
  int values[4];
  for (int i = 0; i < 4; ++i) {
    bool ok = false;
    values[i] = parts[i].toInt(&ok);
    if (!ok) return std::nullopt;
  }
  if (values[2] <= 0 || values[3] <= 0) return std::nullopt;
  return QRect(values[0], values[1], values[2], values[3]);
}

}  // namespace

int main(int argc, char** argv) {
  const char* display = std::getenv("DISPLAY");
  if (display == nullptr || *display == '\0') return fail("DISPLAY is not set");
  // The root window of an X display, not whatever platform the environment prefers.
  qputenv("QT_QPA_PLATFORM", "xcb");
  QGuiApplication app(argc, argv);
  const QStringList args = app.arguments().mid(1);
  if (args.size() != 1 && !(args.size() == 3 && args[1] == "--rect")) {
    return fail("usage: x_screenshot OUT.png [--rect X,Y,W,H]");
  }
  QScreen* screen = QGuiApplication::primaryScreen();
  if (screen == nullptr) return fail(std::string("no screen on display ") + display);
  QPixmap shot = screen->grabWindow(0);
  if (shot.isNull()) return fail(std::string("could not grab the root window of ") + display);
  if (args.size() == 3) {
    const std::optional<QRect> rect = parse_rect(args[2]);
    if (!rect)
      return fail("--rect wants X,Y,W,H with W and H above 0, not " + args[2].toStdString());
    if (!shot.rect().contains(*rect)) {
      return fail("--rect " + args[2].toStdString() + " is not inside the " +
                  std::to_string(shot.width()) + "x" + std::to_string(shot.height()) + " screen");
    }
    shot = shot.copy(*rect);
  }
  if (!shot.save(args[0], "PNG")) return fail("cannot write " + args[0].toStdString());
  return 0;
}
