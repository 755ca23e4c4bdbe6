#pragma once
// The X display the GUI tests run their programs on, and their way of looking at it: a
// screenshot of the root window, as a user would see it.

#include <QtGui/QImage>
#include <optional>
#include <string>

#include "support/xvfb.h"

namespace agentcast::test {

class VirtualScreen {
 public:
  // Starts Xvfb (its log goes in `dir`) and points this process's DISPLAY at it, with
  // QT_QPA_PLATFORM=xcb, so that every child started from now on shows its windows there.
  explicit VirtualScreen(const std::string& dir);
  ~VirtualScreen();
  VirtualScreen(const VirtualScreen&) = delete;
  VirtualScreen& operator=(const VirtualScreen&) = delete;

  const std::string& display() const { return xvfb_.display(); }

  // The whole screen, also written to `png_path` for whoever reads the test's output.
  // Throws with x_screenshot's message if it cannot.
  QImage grab(const std::string& png_path) const;

 private:
  std::string dir_;
  XvfbDisplay xvfb_;
  std::optional<std::string> saved_display_, saved_platform_;
};

}  // namespace agentcast::test
