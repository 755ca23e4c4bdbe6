// The harness itself: a window we drew, in a known colour at a known place, must be what a
// screenshot of the virtual display shows there. If this fails, no GUI test result means
// anything on this machine.

#include <gtest/gtest.h>

#include <iostream>

#include "gui/image_checks.h"
#include "gui/test_dirs.h"
#include "gui/virtual_screen.h"
#include "support/process.h"

namespace agentcast::test {
namespace {

using namespace std::chrono_literals;

TEST(XvfbScreenshot, GrabsAWindowThatIsShown) {
  const std::string dir = make_work_dir("xvfb-screenshot");
  VirtualScreen screen(dir);
  const QColor colour(0xff, 0x80, 0x00);
  const QRect where(100, 50, 300, 200);
  ChildProcess window({COLOUR_WINDOW_BINARY, "-geometry", "300x200+100+50", "--colour", "#ff8000"},
                      dir + "/window.out", dir + "/window.err");

  const std::string png = screenshot_path("xvfb-colour-window.png");
  QImage shot;
  // Mapping and painting take a moment after the process starts: look until it is there.
  const bool shown = wait_until(
      [&] {
        shot = screen.grab(png);
        return colour_fraction(shot, where, colour) == 1.0;
      },
      30s);
  std::cout << "screenshot: " << png << "\n";
  ASSERT_TRUE(shown) << "the window never filled " << where.width() << "x" << where.height() << "+"
                     << where.x() << "+" << where.y() << " with #ff8000; "
                     << colour_fraction(shot, where, colour) * 100
                     << "% of it is that colour. Window's stderr: "
                     << read_file(dir + "/window.err");
  EXPECT_EQ(shot.size(), QSize(1600, 900));
  // Exactly there: not a pixel more on any side (Xvfb has no window manager to move it).
  for (const QRect& outside : {QRect(99, 50, 1, 200), QRect(400, 50, 1, 200),
                               QRect(100, 49, 300, 1), QRect(100, 250, 300, 1)}) {
    EXPECT_EQ(colour_fraction(shot, outside, colour), 0.0)
        << "colour outside the window at " << outside.x() << "," << outside.y();
  }
  EXPECT_FALSE(window.wait_for(0ms))
      << "the window program exited: " << read_file(dir + "/window.err");
}

}  // namespace
}  // namespace agentcast::test
