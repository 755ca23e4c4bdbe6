// The viewer app's volume slider and mute act on the sound that is played: checked on
// what a call writes to a WAV file while the volume changes under it.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>

#include "agentcast/call/viewer.h"
#include "agentcast/media/wav.h"
#include "sender_test_support.h"

namespace agentcast::sender_app::testing {
namespace {

std::size_t frames_played(const app::Viewer& viewer) {
  const QJsonObject stats = viewer.stats_json();
  return static_cast<std::size_t>(stats["audio_frames_played"].toInteger() +
                                  stats["audio_frames_concealed"].toInteger());
}

int peak(const std::vector<std::int16_t>& samples, std::size_t first_frame, std::size_t end_frame) {
  const std::size_t from = std::min(samples.size(), first_frame * media::kAudioFrameSamples);
  const std::size_t to = std::min(samples.size(), end_frame * media::kAudioFrameSamples);
  int loudest = 0;
  for (std::size_t i = from; i < to; ++i)
    loudest = std::max(loudest, std::abs(static_cast<int>(samples[i])));
  return loudest;
}

TEST(ViewerVolume, VolumeScalesThePlaybackAndMuteSilencesIt) {
  QTemporaryDir dir;
  ASSERT_TRUE(dir.isValid());
  app::Sender sender(quick_sender_options(dir));
  std::jthread sending([&](std::stop_token stop) { sender.run(stop); });

  const QString wav = dir.filePath(QStringLiteral("played.wav"));
  app::ViewerOptions options =
      quick_viewer_options(QString::fromStdString(sender.call_code()), dir);
  options.audio_out = "wav:" + wav.toStdString();
  app::Viewer viewer(options);
  std::jthread watching([&](std::stop_token stop) { viewer.run(stop); });

  // Each stretch lasts 40 frames (0.8 s); the boundaries are where the playback stood when
  // the volume changed, give or take the frame being played then.
  constexpr std::size_t kStretch = 40, kMargin = 3;
  auto play_for_a_while = [&] {
    const std::size_t until = frames_played(viewer) + kStretch;
    return wait_for([&] { return frames_played(viewer) >= until; });
  };
  ASSERT_TRUE(wait_for([&] { return frames_played(viewer) >= 10; })) << "no sound arrived";
  const std::size_t full_from = frames_played(viewer);
  ASSERT_TRUE(play_for_a_while());
  viewer.set_volume(0.25F);
  const std::size_t quarter_from = frames_played(viewer);
  ASSERT_TRUE(play_for_a_while());
  viewer.set_muted(true);
  const std::size_t muted_from = frames_played(viewer);
  ASSERT_TRUE(play_for_a_while());
  const std::size_t muted_to = frames_played(viewer);
  watching.request_stop();
  watching.join();
  sending.request_stop();
  sending.join();

  const media::WavData played = media::read_wav(wav.toStdString());
  const int full = peak(played.samples, full_from + kMargin, quarter_from - kMargin);
  const int quarter = peak(played.samples, quarter_from + kMargin, muted_from - kMargin);
  const int muted = peak(played.samples, muted_from + kMargin, muted_to - kMargin);
  ASSERT_GT(full, 1000) << "the tone is there at full volume";
  EXPECT_NEAR(quarter, full / 4, full / 20) << "a quarter of the volume, a quarter of the peak";
  EXPECT_EQ(muted, 0) << "muted is silent";
}

}  // namespace
}  // namespace agentcast::sender_app::testing
