// The sender's form: every picker choice becomes the right SenderOptions, and options set
// on the form come back out unchanged.

#include <gtest/gtest.h>

#include <QtWidgets/QComboBox>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QRadioButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QToolButton>

#include "sender_form.h"
#include "source_picker.h"

namespace agentcast::sender_app {
namespace {

SenderDevices fake_devices() {
  SenderDevices devices;
  devices.cameras.push_back({0, "/dev/video0", "Built-in Camera"});
  devices.cameras.push_back({2, "/dev/video2", "USB Camera"});
  media::AudioDeviceInfo mic;
  mic.index = 3;
  mic.name = "USB Microphone";
  mic.host_api = "ALSA";
  mic.input_channels = 1;
  media::AudioDeviceInfo speakers;
  speakers.index = 5;
  speakers.name = "Speakers";
  speakers.host_api = "ALSA";
  speakers.output_channels = 2;
  devices.audio = {mic, speakers};
  return devices;
}

// Chooses the entry of `picker` whose label contains `label`, as a person would.
void choose(SourcePicker* picker, const QString& label) {
  QComboBox* box = picker->choices();
  for (int i = 0; i < box->count(); ++i) {
    if (box->itemText(i).contains(label)) {
      box->setCurrentIndex(i);
      return;
    }
  }
  FAIL() << "no choice labelled " << label.toStdString();
}

TEST(SenderForm, EachVideoChoiceGivesItsSpec) {
  SenderForm form(fake_devices());
  choose(form.video(), QStringLiteral("Test pattern"));
  EXPECT_EQ(form.options().media.video, "test");
  choose(form.video(), QStringLiteral("USB Camera"));
  EXPECT_EQ(form.options().media.video, "camera:2");
  choose(form.video(), QStringLiteral("Built-in Camera"));
  EXPECT_EQ(form.options().media.video, "camera:0");
  choose(form.video(), QStringLiteral("Default camera"));
  EXPECT_EQ(form.options().media.video, "camera");
  choose(form.video(), QStringLiteral("Video file"));
  EXPECT_TRUE(form.video()->path_field()->isVisibleTo(&form));
  form.video()->path_field()->setText(QStringLiteral("/videos/talk.mp4"));
  EXPECT_EQ(form.options().media.video, "file:/videos/talk.mp4");
  choose(form.video(), QStringLiteral("Folder of images"));
  EXPECT_TRUE(form.video()->path_field()->text().isEmpty()) << "each path choice has its own path";
  form.video()->path_field()->setText(QStringLiteral("/slides/*"));
  EXPECT_EQ(form.options().media.video, "images:/slides/*");
  choose(form.video(), QStringLiteral("Video file"));
  EXPECT_EQ(form.options().media.video, "file:/videos/talk.mp4") << "switching back loses nothing";
  choose(form.video(), QStringLiteral("No video"));
  EXPECT_EQ(form.options().media.video, "none");
  EXPECT_FALSE(form.video()->path_field()->isVisibleTo(&form));
}

TEST(SenderForm, EachSoundChoiceGivesItsSpec) {
  SenderForm form(fake_devices());
  choose(form.audio(), QStringLiteral("Tone"));
  EXPECT_EQ(form.options().media.audio, "tone");
  choose(form.audio(), QStringLiteral("USB Microphone"));
  EXPECT_EQ(form.options().media.audio, "mic:3");
  EXPECT_EQ(form.audio()->choices()->findText(QStringLiteral("Speakers"), Qt::MatchContains), -1)
      << "an output-only device is no microphone";
  choose(form.audio(), QStringLiteral("Default microphone"));
  EXPECT_EQ(form.options().media.audio, "mic");
  choose(form.audio(), QStringLiteral("Sound file"));
  form.audio()->path_field()->setText(QStringLiteral("/music/a.wav"));
  EXPECT_EQ(form.options().media.audio, "file:/music/a.wav");
  choose(form.audio(), QStringLiteral("No sound"));
  EXPECT_EQ(form.options().media.audio, "none");

  choose(form.video(), QStringLiteral("Video file"));
  form.video()->path_field()->setText(QStringLiteral("/videos/talk.mp4"));
  choose(form.audio(), QStringLiteral("video file's sound"));
  EXPECT_EQ(form.options().media.audio, "file:/videos/talk.mp4");
  EXPECT_TRUE(form.problem().isEmpty()) << form.problem().toStdString();
  choose(form.video(), QStringLiteral("Test pattern"));
  EXPECT_FALSE(form.problem().isEmpty()) << "the video file's sound without a video file";
}

TEST(SenderForm, PictureChoices) {
  SenderForm form(fake_devices());
  form.size()->setCurrentIndex(form.size()->findData(QSize(640, 360)));
  form.fps()->setValue(24);
  form.bitrate()->setValue(1500);
  const app::SenderOptions options = form.options();
  EXPECT_EQ(options.media.width, 640);
  EXPECT_EQ(options.media.height, 360);
  EXPECT_EQ(options.media.fps, 24);
  EXPECT_EQ(options.media.bitrate_kbps, 1500);
}

TEST(SenderForm, CallAndBroadcast) {
  SenderForm form(fake_devices());
  form.broadcast_mode()->setChecked(true);
  EXPECT_TRUE(form.max_viewers()->isEnabled());
  EXPECT_FALSE(form.back_output()->isEnabled()) << "nobody sends back in a broadcast";
  form.max_viewers()->setValue(40);
  app::SenderOptions options = form.options();
  EXPECT_EQ(options.agent, "receive-only");
  EXPECT_EQ(options.max_viewers, 40);
  EXPECT_EQ(options.audio_out_back, "none");

  form.call_mode()->setChecked(true);
  EXPECT_FALSE(form.max_viewers()->isEnabled());
  form.back_output()->setCurrentIndex(form.back_output()->findData(QStringLiteral("device:5")));
  options = form.options();
  EXPECT_EQ(options.agent, "full");
  EXPECT_EQ(options.max_viewers, 1);
  EXPECT_EQ(options.audio_out_back, "device:5");
  form.back_output()->setCurrentIndex(form.back_output()->findData(QStringLiteral("default")));
  EXPECT_EQ(form.options().audio_out_back, "default");
  EXPECT_EQ(form.back_output()->findData(QStringLiteral("device:3")), -1)
      << "an input-only device is no output";
}

TEST(SenderForm, SilentByDefault) {
  SenderForm form(fake_devices());
  EXPECT_EQ(form.options().audio_out_back, "none");
  EXPECT_EQ(form.back_output()->currentText(), QStringLiteral("No sound"));
}

TEST(SenderForm, AdvancedChoicesCollapse) {
  SenderForm form(fake_devices());
  form.show();
  EXPECT_FALSE(form.select_mode()->isVisible()) << "the advanced section starts closed";
  form.advanced_toggle()->click();
  EXPECT_TRUE(form.advanced_open());
  EXPECT_TRUE(form.select_mode()->isVisible());
  form.select_mode()->setCurrentIndex(form.select_mode()->findData(QStringLiteral("instructed")));
  form.seed_mode()->setCurrentIndex(form.seed_mode()->findData(QStringLiteral("distributed")));
  form.listen()->setText(QStringLiteral("0.0.0.0:7000"));
  const app::SenderOptions options = form.options();
  EXPECT_EQ(options.select, net::SelectMode::kInstructed);
  EXPECT_EQ(options.seeds, net::SeedMode::kDistributed);
  EXPECT_EQ(options.listen, "0.0.0.0:7000");
  form.advanced_toggle()->click();
  EXPECT_FALSE(form.select_mode()->isVisible());
}

TEST(SenderForm, OptionsComeBackUnchanged) {
  SenderForm form(fake_devices());
  app::SenderOptions in;
  in.media.video = "images:/slides/T*.ppm";
  in.media.audio = "mic:3";
  in.media.width = 854;
  in.media.height = 480;
  in.media.fps = 12;
  in.media.bitrate_kbps = 800;
  in.agent = "receive-only";
  in.max_viewers = 7;
  in.select = net::SelectMode::kInstructed;
  in.seeds = net::SeedMode::kDistributed;
  in.listen = "0.0.0.0:7100";
  // Not on the form: carried through.
  in.agent_dir = "/opt/agents";
  in.agent_cache = "/tmp/cache";
  in.identity_path = "/tmp/id.pem";
  in.record_back_path = "/tmp/them.mkv";
  in.packets_per_epoch = 4000;
  in.media.keyframe_interval = 30;
  form.set_options(in);
  const app::SenderOptions out = form.options();
  EXPECT_EQ(out.media.video, in.media.video);
  EXPECT_EQ(out.media.audio, in.media.audio);
  EXPECT_EQ(out.media.width, 854);
  EXPECT_EQ(out.media.height, 480);
  EXPECT_EQ(out.media.fps, 12);
  EXPECT_EQ(out.media.bitrate_kbps, 800);
  EXPECT_EQ(out.agent, "receive-only");
  EXPECT_EQ(out.max_viewers, 7);
  EXPECT_EQ(out.select, net::SelectMode::kInstructed);
  EXPECT_EQ(out.seeds, net::SeedMode::kDistributed);
  EXPECT_EQ(out.listen, "0.0.0.0:7100");
  EXPECT_EQ(out.agent_dir, "/opt/agents");
  EXPECT_EQ(out.agent_cache, "/tmp/cache");
  EXPECT_EQ(out.identity_path, "/tmp/id.pem");
  EXPECT_EQ(out.record_back_path, "/tmp/them.mkv");
  EXPECT_EQ(out.packets_per_epoch, 4000U);
  EXPECT_EQ(out.media.keyframe_interval, 30);
  EXPECT_TRUE(form.broadcast_mode()->isChecked());
}

TEST(SenderForm, UnknownDevicesAndSizesKeepTheirOwnEntry) {
  SenderForm form(fake_devices());
  app::SenderOptions in;
  in.media.video = "camera:57";
  in.media.audio = "file:/music/a.wav";
  in.media.width = 1000;
  in.media.height = 562;
  in.audio_out_back = "wav:/tmp/back.wav";
  form.set_options(in);
  EXPECT_TRUE(form.video()->choices()->currentText().contains(QStringLiteral("/dev/video57")));
  const app::SenderOptions out = form.options();
  EXPECT_EQ(out.media.video, "camera:57");
  EXPECT_EQ(out.media.audio, "file:/music/a.wav");
  EXPECT_EQ(out.media.width, 1000);
  EXPECT_EQ(out.media.height, 562);
  EXPECT_EQ(out.audio_out_back, "wav:/tmp/back.wav");
}

TEST(SenderForm, SameFileForPictureAndSound) {
  SenderForm form(fake_devices());
  app::SenderOptions in;
  in.media.video = "file:/videos/talk.mp4";
  in.media.audio = "file:/videos/talk.mp4";
  form.set_options(in);
  EXPECT_TRUE(
      form.audio()->choices()->currentText().contains(QStringLiteral("video file's sound")));
  form.video()->path_field()->setText(QStringLiteral("/videos/other.mkv"));
  EXPECT_EQ(form.options().media.audio, "file:/videos/other.mkv") << "the sound follows the video";
}

TEST(SenderForm, SaysWhatIsMissing) {
  SenderForm form(fake_devices());
  EXPECT_TRUE(form.problem().isEmpty());
  choose(form.video(), QStringLiteral("Video file"));
  EXPECT_FALSE(form.problem().isEmpty()) << "no file chosen yet";
  choose(form.video(), QStringLiteral("No video"));
  choose(form.audio(), QStringLiteral("No sound"));
  EXPECT_FALSE(form.problem().isEmpty()) << "nothing to send";
}

}  // namespace
}  // namespace agentcast::sender_app
