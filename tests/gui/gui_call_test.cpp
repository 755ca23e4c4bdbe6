// The apps as a user sees them: agentcast-sender and agentcast-viewer in a real call on a
// virtual display, judged by screenshots of the areas their stats say hold the video.
//
// What the apps must provide (their contract with this test): `--start`, Qt's `-geometry`,
// and in their --stats-json an object "ui" with, in global screen coordinates [x, y, w, h],
// the viewer's "video_rect" and (with --stats-overlay) "overlay_rect" and its count
// "frames_painted"; the sender's "preview_rect" and, in a two-way call, "remote_video_rect".

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>

#include "gui/gui_apps.h"
#include "gui/image_checks.h"
#include "gui/pattern_stamp.h"
#include "gui/stats_file.h"
#include "gui/test_dirs.h"
#include "gui/virtual_screen.h"

namespace agentcast::test {
namespace {

using namespace std::chrono_literals;

// The windows side by side on the 1600x900 screen, so that neither hides the other.
constexpr const char* kViewerGeometry = "800x600+0+0";
constexpr const char* kSenderGeometry = "760x560+820+0";

// Thresholds for "a picture of the test pattern" once the black border is trimmed: its mean
// luma is 60 to 80 (bars, grey track, white stamp cells) and it shows 11 or 12 colours; a
// blank window shows one, a black one has a mean near 0.
constexpr double kMinMeanLuma = 40;
constexpr int kMinColours = 5;
// The box of the pattern moves by a quarter of the width or more in 20 frames, and the
// caption and stamp change: several percent of the picture. Codec noise is far below.
constexpr double kMinChanged = 0.01;

// What both ends send (--size): the size the pattern is drawn at.
constexpr QSize kPatternSize(640, 360);
constexpr const char* kPatternSizeArg = "640x360";

// Frames painted before the first screenshot, and between the two.
constexpr double kFirstFrames = 30;
constexpr double kMoreFrames = 20;

std::string rect_text(QRect r) {
  return describe(std::optional<QRect>(r));
}

// One look at the screen, with what both apps said at that moment.
struct Moment {
  QImage screen;
  QJsonObject viewer, sender;
  std::string png;
};

class GuiCall : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_work_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    screen_.emplace(dir_);
    // The apps may remember window state: keep the user's settings out of the test's way.
    const char* config = std::getenv("XDG_CONFIG_HOME");
    saved_config_ = config == nullptr ? std::nullopt : std::optional<std::string>(config);
    ::setenv("XDG_CONFIG_HOME", (dir_ + "/config").c_str(), 1);
  }
  void TearDown() override {
    viewer_.reset();
    sender_.reset();
    screen_.reset();
    if (saved_config_) {
      ::setenv("XDG_CONFIG_HOME", saved_config_->c_str(), 1);
    } else {
      ::unsetenv("XDG_CONFIG_HOME");
    }
  }

  void start(const std::vector<std::string>& viewer_args) {
    StartedSender started =
        start_sender_app(dir_, {"--video", "test", "--audio", "tone", "--size", kPatternSizeArg,
                                "--fps", "30", "-geometry", kSenderGeometry});
    sender_ = std::move(started.app);
    std::vector<std::string> args = viewer_args;
    args.insert(args.end(), {"-geometry", kViewerGeometry});
    viewer_ = start_viewer_app(dir_, started.call_code, args);
  }

  // Waits until `ready` holds of the apps' stats; fails with what they said if it never does
  // or if either app exits.
  ::testing::AssertionResult wait_for(
      const std::string& what,
      const std::function<bool(const QJsonObject& viewer, const QJsonObject& sender)>& ready,
      std::chrono::seconds timeout) {
    bool exited = false;
    const bool done = wait_until(
        [&] {
          exited = !viewer_->running() || !sender_->running();
          return exited || ready(viewer_->stats(), sender_->stats());
        },
        timeout);
    if (done && !exited) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << (exited ? "an app exited"
                      : "timed out after " + std::to_string(timeout.count()) + " s")
           << " waiting for " << what << "\nviewer stats: " << read_file(viewer_->stats_path())
           << "\nsender stats: " << read_file(sender_->stats_path()) << "\nviewer stderr:\n"
           << viewer_->log() << "\nsender stderr:\n"
           << sender_->log();
  }

  Moment capture(const std::string& file_name) {
    Moment m;
    m.viewer = viewer_->stats();
    m.sender = sender_->stats();
    m.png = screenshot_path(file_name);
    m.screen = screen_->grab(m.png);
    std::cout << "screenshot: " << m.png << "\n";
    return m;
  }

  std::string dir_;
  std::optional<VirtualScreen> screen_;
  std::optional<std::string> saved_config_;
  std::unique_ptr<GuiApp> sender_, viewer_;
};

// A rectangle the app reported, checked to be on the screen.
::testing::AssertionResult on_screen(const std::optional<QRect>& rect, const QImage& screen,
                                     const std::string& name) {
  if (!rect) return ::testing::AssertionFailure() << name << " missing from the stats";
  if (!screen.rect().contains(*rect)) {
    return ::testing::AssertionFailure() << name << " " << describe(rect) << " is not on the "
                                         << screen.width() << "x" << screen.height() << " screen";
  }
  return ::testing::AssertionSuccess();
}

// The test pattern, not black and not blank, in `area` of both screenshots, and moving
// between them.
::testing::AssertionResult moving_pattern(const Moment& a, const Moment& b, QRect area,
                                          const std::string& name, QRect excluded = {}) {
  std::ostringstream report;
  report << name << " " << rect_text(area);
  const QRect picture = trim_black_border(a.screen, area);
  report << ", picture " << rect_text(picture);
  if (picture.width() < area.width() / 4 || picture.height() < area.height() / 4) {
    return ::testing::AssertionFailure() << report.str() << ": (nearly) all black in " << a.png;
  }
  bool ok = true;
  std::optional<std::uint64_t> frames[2];
  for (int i = 0; i < 2; ++i) {
    const Moment& m = i == 0 ? a : b;
    const PictureStats stats = picture_stats(m.screen, picture, excluded);
    report << "; " << m.png << ": mean luma " << stats.mean_luma << ", " << stats.colour_bins
           << " colours";
    frames[i] = pattern_frame_number(m.screen, area, kPatternSize);
    if (frames[i]) report << ", pattern frame " << *frames[i];
    ok = ok && stats.mean_luma >= kMinMeanLuma && stats.colour_bins >= kMinColours;
  }
  const double changed = changed_fraction(a.screen, b.screen, picture, excluded);
  report << "; " << changed * 100 << "% of pixels changed";
  ok = ok && changed >= kMinChanged;
  // The stamp does not read in a small picture or under an overlay; where it does, it must
  // show time going forward.
  if (frames[0] && frames[1] && *frames[1] <= *frames[0]) {
    report << " (the later screenshot shows no later frame)";
    ok = false;
  }
  std::cout << report.str() << "\n";
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << report.str() << " (want mean luma >= " << kMinMeanLuma << ", >= " << kMinColours
         << " colours, >= " << kMinChanged * 100 << "% changed)";
}

double painted(const QJsonObject& viewer) {
  return stats_number(viewer, {"ui", "frames_painted"});
}

TEST_F(GuiCall, ViewerShowsTheMovingPatternAndTheStatsOverlay) {
  start({"--stats-overlay"});
  ASSERT_TRUE(wait_for(
      "the viewer to paint " + std::to_string(static_cast<int>(kFirstFrames)) + " frames",
      [](const QJsonObject& viewer, const QJsonObject&) {
        return painted(viewer) >= kFirstFrames && stats_rect(viewer, {"ui", "video_rect"}) &&
               stats_rect(viewer, {"ui", "overlay_rect"});
      },
      60s));
  const Moment a = capture("viewer-1.png");
  const double painted_a = painted(a.viewer);
  ASSERT_TRUE(wait_for(
      std::to_string(static_cast<int>(kMoreFrames)) + " more frames painted",
      [&](const QJsonObject& viewer, const QJsonObject&) {
        return painted(viewer) >= painted_a + kMoreFrames;
      },
      30s));
  const Moment b = capture("viewer-2.png");
  EXPECT_GT(stats_number(b.viewer, {"frames_decoded"}), 0);

  const auto video = stats_rect(b.viewer, {"ui", "video_rect"});
  const auto overlay = stats_rect(a.viewer, {"ui", "overlay_rect"});
  ASSERT_TRUE(on_screen(video, b.screen, "ui.video_rect"));
  ASSERT_TRUE(on_screen(overlay, a.screen, "ui.overlay_rect"));
  EXPECT_EQ(stats_rect(a.viewer, {"ui", "video_rect"}), video) << "the window moved";
  // Leave the overlay out: its numbers change every second whether the video moves or not.
  EXPECT_TRUE(moving_pattern(a, b, *video, "viewer video", *overlay));

  // The overlay: light text on a darker panel, over the video. Text means strokes, many
  // light pixels right next to dark ones; the pattern under it has neither so many dark
  // pixels in one place nor such strokes except in its caption.
  EXPECT_TRUE(video->intersects(*overlay)) << "overlay " << describe(overlay) << " is not over "
                                           << "the video " << describe(video);
  const PanelStats panel = panel_stats(a.screen, *overlay);
  std::cout << "overlay " << describe(overlay) << ": " << panel.dark * 100 << "% dark, "
            << panel.light * 100 << "% light, " << panel.light_dark_edges << " light/dark edges\n";
  EXPECT_GE(panel.dark, 0.3) << "no darker panel under the overlay text";
  EXPECT_GE(panel.light, 0.005) << "no light text in the overlay";
  EXPECT_LE(panel.light, 0.6) << "the overlay is mostly light: not text on a panel";
  EXPECT_GE(panel.light_dark_edges, 40) << "no strokes of text in the overlay";

  // The sender shows what it sends.
  const auto preview = stats_rect(b.sender, {"ui", "preview_rect"});
  ASSERT_TRUE(on_screen(preview, b.screen, "sender ui.preview_rect"));
  b.screen.copy(*preview).save(QString::fromStdString(screenshot_path("sender.png")));
  std::cout << "screenshot: " << screenshot_path("sender.png") << "\n";
  EXPECT_TRUE(moving_pattern(a, b, *preview, "sender preview"));
}

TEST_F(GuiCall, TwoWayCallShowsVideoBothWays) {
  // The pattern and tone named, rather than left to the camera and microphone fallback, so
  // that a machine with a camera shows the same picture.
  start({"--send-back", "--video", "test", "--audio", "tone", "--size", kPatternSizeArg});
  // Frames of the viewer the sender painted; those it decoded if it does not say.
  const auto back_decoded = [](const QJsonObject& sender) {
    const double painted = stats_number(sender, {"ui", "remote_frames_painted"});
    return painted >= 0 ? painted : stats_number(sender, {"back", "frames_decoded"});
  };
  ASSERT_TRUE(wait_for(
      "video both ways",
      [&](const QJsonObject& viewer, const QJsonObject& sender) {
        return painted(viewer) >= kFirstFrames && back_decoded(sender) >= kFirstFrames &&
               stats_rect(viewer, {"ui", "video_rect"}) &&
               stats_rect(sender, {"ui", "remote_video_rect"});
      },
      90s));
  const Moment a = capture("two-way-1.png");
  ASSERT_TRUE(wait_for(
      "more frames both ways",
      [&](const QJsonObject& viewer, const QJsonObject& sender) {
        return painted(viewer) >= painted(a.viewer) + kMoreFrames &&
               back_decoded(sender) >= back_decoded(a.sender) + kMoreFrames;
      },
      30s));
  const Moment b = capture("two-way-2.png");

  const auto video = stats_rect(b.viewer, {"ui", "video_rect"});
  const auto remote = stats_rect(b.sender, {"ui", "remote_video_rect"});
  ASSERT_TRUE(on_screen(video, b.screen, "viewer ui.video_rect"));
  ASSERT_TRUE(on_screen(remote, b.screen, "sender ui.remote_video_rect"));
  EXPECT_TRUE(moving_pattern(a, b, *video, "viewer video"));
  EXPECT_TRUE(moving_pattern(a, b, *remote, "sender's picture of the viewer"));
}

}  // namespace
}  // namespace agentcast::test
