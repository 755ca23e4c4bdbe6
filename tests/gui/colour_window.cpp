// colour_window [-geometry WxH+X+Y] [--colour #RRGGBB]: one window filled with one colour,
// so that the screenshot harness has something it knows exactly to look for.

#include <QtCore/QStringList>
#include <QtGui/QColor>
#include <QtGui/QGuiApplication>
#include <QtGui/QPainter>
#include <QtGui/QRasterWindow>
#include <cstdio>

namespace {

class ColourWindow : public QRasterWindow {
 public:
  explicit ColourWindow(QColor colour) : colour_(colour) {}

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter(this).fillRect(QRect(QPoint(), size()), colour_);
  }

 private:
  QColor colour_;
};

}  // namespace

int main(int argc, char** argv) {
  QGuiApplication app(argc, argv);  // takes -geometry away (the xcb platform applies it)
  const QStringList args = app.arguments().mid(1);
  QColor colour(0xff, 0x80, 0x00);
  if (args.size() == 2 && args[0] == "--colour") {
    colour = QColor::fromString(args[1]);
  } else if (!args.isEmpty()) {
    std::fprintf(stderr, "usage: colour_window [-geometry WxH+X+Y] [--colour #RRGGBB]\n");
    return 2;
  }
  if (!colour.isValid()) {
    std::fprintf(stderr, "colour_window: not a colour: %s\n", qPrintable(args[1]));
    return 2;
  }
  ColourWindow window(colour);
  window.resize(300, 200);
  window.show();
  return app.exec();
}
