#include "gui/virtual_screen.h"

#include <cstdlib>
#include <stdexcept>

#include "support/process.h"

namespace agentcast::test {
namespace {

std::optional<std::string> get_env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

void restore_env(const char* name, const std::optional<std::string>& value) {
  if (value) {
    ::setenv(name, value->c_str(), 1);
  } else {
    ::unsetenv(name);
  }
}

}  // namespace

VirtualScreen::VirtualScreen(const std::string& dir)
    : dir_(dir),
      xvfb_(dir + "/xvfb.log"),
      saved_display_(get_env("DISPLAY")),
      saved_platform_(get_env("QT_QPA_PLATFORM")) {
  // The children inherit this process's environment (support/process.h).
  ::setenv("DISPLAY", xvfb_.display().c_str(), 1);
  ::setenv("QT_QPA_PLATFORM", "xcb", 1);
}

VirtualScreen::~VirtualScreen() {
  restore_env("DISPLAY", saved_display_);
  restore_env("QT_QPA_PLATFORM", saved_platform_);
}

QImage VirtualScreen::grab(const std::string& png_path) const {
  using namespace std::chrono_literals;
  const std::string err = dir_ + "/x_screenshot.err";
  ChildProcess tool({X_SCREENSHOT_BINARY, png_path}, dir_ + "/x_screenshot.out", err);
  const std::optional<int> exit = tool.wait_for(30s);
  if (exit != 0) {
    throw std::runtime_error("x_screenshot " +
                             (exit ? "failed (exit " + std::to_string(*exit) + ")" : "hung") +
                             ": " + read_file(err));
  }
  QImage image(QString::fromStdString(png_path));
  if (image.isNull()) throw std::runtime_error("x_screenshot wrote no image to " + png_path);
  return image.convertToFormat(QImage::Format_RGB32);
}

}  // namespace agentcast::test
