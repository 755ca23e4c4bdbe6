// The sender app's window driving a real Sender on loopback: the call code, the preview,
// viewers joining (an in-process app::Viewer), a two-way call's picture in picture, stop
// without freezing, and a failure explained.

#include <gtest/gtest.h>

#include <memory>

#include <QtCore/QElapsedTimer>
#include <QtCore/QJsonArray>
#include <QtCore/QRegularExpression>
#include <QtGui/QClipboard>
#include <QtGui/QGuiApplication>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListWidget>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QRadioButton>
#include <QtWidgets/QSlider>

#include "admission_panel.h"
#include "call_code_panel.h"
#include "sender_preview.h"
#include "sender_test_support.h"
#include "sender_window.h"
#include "sending_summary.h"
#include "viewers_table.h"

namespace agentcast::sender_app {
namespace {

using testing::quick_sender_options;
using testing::quick_viewer_options;
using testing::ViewerThread;
using testing::wait_for;
using State = SenderRunner::State;

class SenderWindowTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.isValid()); }

  std::unique_ptr<SenderWindow> open_window(const app::SenderOptions& options) {
    auto window = std::make_unique<SenderWindow>(options, SenderDevices{});
    window->set_failure_dialogs(true);
    window->show();
    EXPECT_TRUE(QTest::qWaitForWindowExposed(window.get()));
    return window;
  }

  // Starts with the Start button and waits until the sender listens.
  void start(SenderWindow& window) {
    QTest::mouseClick(window.start_button(), Qt::LeftButton);
    ASSERT_TRUE(wait_for([&] { return window.state() != State::kStarting; }));
    ASSERT_EQ(window.state(), State::kSending) << window.last_failure().toStdString();
  }

  // Stops with the Stop button; the event loop must keep turning until the sender is
  // gone. Returns the longest the UI thread went without running a 10 ms timer.
  qint64 stop_and_measure_freeze(SenderWindow& window) {
    QElapsedTimer since_tick;
    qint64 longest_gap = 0;
    QTimer ticker;
    QObject::connect(&ticker, &QTimer::timeout,
                     [&] { longest_gap = std::max(longest_gap, since_tick.restart()); });
    since_tick.start();
    ticker.start(10);
    QElapsedTimer click;
    click.start();
    QTest::mouseClick(window.stop_button(), Qt::LeftButton);
    EXPECT_LT(click.elapsed(), 100) << "Stop waited on the sender";
    EXPECT_EQ(window.state(), State::kStopping);
    EXPECT_TRUE(wait_for([&] { return window.state() == State::kIdle; }));
    return longest_gap;
  }

  QTemporaryDir dir_;
};

TEST_F(SenderWindowTest, ShowsTheCallCodeAndFingerprintAndPreviews) {
  auto window = open_window(quick_sender_options(dir_));
  start(*window);

  CallCodePanel* panel = window->call_code_panel();
  const QString code = panel->call_code();
  EXPECT_TRUE(code.startsWith(QStringLiteral("agentcast://127.0.0.1:"))) << code.toStdString();
  EXPECT_TRUE(code.contains(QStringLiteral("#fp="))) << "the code in full";
  EXPECT_TRUE(panel->code_field()->isReadOnly());
  QGuiApplication::clipboard()->clear();
  QTest::mouseClick(panel->copy_button(), Qt::LeftButton);
  EXPECT_EQ(QGuiApplication::clipboard()->text(), code);

  const QStringList groups =
      panel->fingerprint().split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
  ASSERT_EQ(groups.size(), 16) << panel->fingerprint().toStdString();
  for (const QString& group : groups) {
    EXPECT_TRUE(QRegularExpression(QStringLiteral("^\\d{4}$")).match(group).hasMatch())
        << group.toStdString();
  }

  gui::VideoWidget* preview = window->preview()->sent();
  ASSERT_TRUE(wait_for([&] { return preview->frames_painted() >= 5; }))
      << "painted " << preview->frames_painted();
  EXPECT_EQ(preview->picture_size(), QSize(320, 180));

  // The script's view of it: the picture's place on the screen.
  const QJsonObject ui = window->stats_json()[QLatin1String("ui")].toObject();
  EXPECT_EQ(ui[QLatin1String("state")].toString(), QStringLiteral("sending"));
  const QJsonArray rect = ui[QLatin1String("preview_rect")].toArray();
  ASSERT_EQ(rect.size(), 4);
  const QRect picture = preview->picture_rect();
  EXPECT_EQ(rect[0].toInt(), preview->mapToGlobal(picture.topLeft()).x());
  EXPECT_EQ(rect[1].toInt(), preview->mapToGlobal(picture.topLeft()).y());
  EXPECT_EQ(rect[2].toInt(), picture.width());
  EXPECT_EQ(rect[3].toInt(), picture.height());
  EXPECT_GE(ui[QLatin1String("preview_frames_painted")].toInteger(), 5);
  EXPECT_FALSE(ui.contains(QLatin1String("remote_video_rect"))) << "nothing comes back";
  EXPECT_FALSE(window->form()->isEnabled()) << "choices are fixed while sending";

  EXPECT_LT(stop_and_measure_freeze(*window), 300);
  EXPECT_TRUE(panel->call_code().isEmpty());
  EXPECT_TRUE(window->form()->isEnabled());
  EXPECT_TRUE(window->start_button()->isEnabled());
}

// "New invite" lists a single-use code and copies it; a guest joins with it, and a second
// viewer with the same invitation is turned away.
TEST_F(SenderWindowTest, NewInviteAdmitsOneGuestOnce) {
  app::SenderOptions options = quick_sender_options(dir_);
  options.max_viewers = 4;
  auto window = open_window(options);
  CallCodePanel* panel = window->call_code_panel();
  EXPECT_FALSE(panel->invite_button()->isEnabled()) << "nothing to invite to yet";
  start(*window);
  ASSERT_TRUE(panel->invite_button()->isEnabled());
  QTest::mouseClick(panel->invite_button(), Qt::LeftButton);
  QTest::mouseClick(panel->invite_button(), Qt::LeftButton);
  ASSERT_EQ(panel->invites()->count(), 2);
  const QString newest = panel->invites()->item(0)->text();
  const QString first = panel->invites()->item(1)->text();
  EXPECT_EQ(QGuiApplication::clipboard()->text(), newest);
  EXPECT_NE(first, newest);
  for (const QString& invite : {first, newest}) {
    EXPECT_NE(invite, panel->call_code());
    EXPECT_TRUE(invite.startsWith(panel->call_code().section(QLatin1Char('&'), 0, 0)))
        << "the same sender, another secret: " << invite.toStdString();
  }

  app::ViewerOptions guest_options = quick_viewer_options(first, dir_);
  guest_options.name = "guest";
  ViewerThread guest(guest_options);
  ASSERT_TRUE(wait_for([&] { return window->viewers()->rowCount() == 1; })) << guest.error();
  app::ViewerOptions again = quick_viewer_options(first, dir_);
  again.name = "guest again";
  ViewerThread second(again);
  ASSERT_TRUE(wait_for([&] { return second.done(); })) << "the second use was let in";
  EXPECT_NE(second.error().find("already used"), std::string::npos) << second.error();
  EXPECT_EQ(window->viewers()->rowCount(), 1);
  guest.stop();
  stop_and_measure_freeze(*window);
  EXPECT_EQ(panel->invites()->count(), 0) << "a stopped call's invitations are gone";
}

// "Ask me before each viewer joins": each viewer that has the call code waits, shown with
// its name and address; Deny turns it away (it learns why, it got no agent byte, the
// sender counts it) and Admit lets the next one in.
TEST_F(SenderWindowTest, AskingBeforeEachViewerDenyRefusesAndAdmitLetsIn) {
  auto window = open_window(quick_sender_options(dir_));
  QCheckBox* ask = window->form()->ask_host();
  ASSERT_NE(ask, nullptr);
  EXPECT_EQ(ask->objectName(), QStringLiteral("askHostCheck"));
  EXPECT_FALSE(ask->isChecked()) << "off unless chosen";
  QTest::mouseClick(ask, Qt::LeftButton);
  ASSERT_TRUE(window->form()->options().ask_host);
  start(*window);
  AdmissionPanel* panel = window->admission();
  EXPECT_FALSE(panel->isVisible()) << "nobody waits yet";
  auto stat = [&](const char* key, const char* inner = nullptr) {
    const QJsonObject stats = window->stats_json();
    if (inner == nullptr) return stats[QLatin1String(key)].toInteger(-1);
    return stats[QLatin1String(key)].toObject()[QLatin1String(inner)].toInteger(0);
  };
  const QString code = window->call_code_panel()->call_code();

  app::ViewerOptions stranger_options = quick_viewer_options(code, dir_);
  stranger_options.name = "<b>stranger</b>";
  ViewerThread stranger(stranger_options);
  ASSERT_TRUE(wait_for([&] { return panel->isVisible(); })) << stranger.error();
  EXPECT_TRUE(panel->question()->text().contains(QStringLiteral("<b>stranger</b>")))
      << panel->question()->text().toStdString();
  EXPECT_EQ(panel->question()->textFormat(), Qt::PlainText) << "a name is never markup";
  EXPECT_TRUE(panel->question()->text().contains(QStringLiteral("127.0.0.1:")))
      << panel->question()->text().toStdString();
  EXPECT_EQ(panel->findChild<QPushButton*>(QStringLiteral("denyButton")), panel->deny_button());
  EXPECT_EQ(panel->findChild<QPushButton*>(QStringLiteral("admitButton")), panel->admit_button());
  EXPECT_EQ(window->viewers()->rowCount(), 0);
  EXPECT_EQ(stat("viewers_awaiting_host"), 1);
  EXPECT_EQ(stat("control", "agent_bytes_sent"), 0);

  QTest::mouseClick(panel->deny_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for([&] { return stranger.done(); })) << "the denied viewer joined";
  EXPECT_NE(stranger.error().find("the host declined to let you in"), std::string::npos)
      << stranger.error();
  ASSERT_TRUE(wait_for([&] { return stat("viewers_refused_by_reason", "denied_by_host") == 1; }));
  EXPECT_EQ(stat("control", "agent_bytes_sent"), 0) << "no agent byte went to the denied viewer";
  EXPECT_EQ(stat("control", "sessions_sent"), 0);
  ASSERT_TRUE(wait_for([&] { return !panel->isVisible(); }));
  EXPECT_EQ(window->viewers()->rowCount(), 0);

  app::ViewerOptions friend_options = quick_viewer_options(code, dir_);
  friend_options.name = "friend";
  ViewerThread welcome(friend_options);
  ASSERT_TRUE(wait_for([&] {
    return panel->isVisible() && panel->question()->text().contains(QStringLiteral("friend"));
  })) << welcome.error();
  QTest::mouseClick(panel->admit_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for([&] { return window->viewers()->rowCount() == 1; })) << welcome.error();
  EXPECT_EQ(window->viewers()->item(0, ViewersTable::kName)->text(), QStringLiteral("friend"));
  EXPECT_EQ(stat("viewers_admitted_by_host"), 1);
  EXPECT_GT(stat("control", "agent_bytes_sent"), 0);
  EXPECT_EQ(stat("viewers_refused"), 1);
  EXPECT_FALSE(panel->isVisible());
  welcome.stop();
  EXPECT_LT(stop_and_measure_freeze(*window), 300);
}

TEST_F(SenderWindowTest, AViewerAppearsInTheTable) {
  auto window = open_window(quick_sender_options(dir_));
  start(*window);
  ViewerThread viewer(quick_viewer_options(window->call_code_panel()->call_code(), dir_));

  ViewersTable* table = window->viewers();
  ASSERT_TRUE(wait_for([&] { return table->rowCount() == 1; })) << viewer.error();
  EXPECT_EQ(table->item(0, ViewersTable::kName)->text(), QStringLiteral("test viewer"));
  EXPECT_TRUE(
      table->item(0, ViewersTable::kAddress)->text().startsWith(QStringLiteral("127.0.0.1")));
  EXPECT_EQ(table->item(0, ViewersTable::kAgent)->text(), QStringLiteral("full"));
  EXPECT_TRUE(table->item(0, ViewersTable::kSendsBack)->text().isEmpty());

  // How sending goes: the unit and epoch of the newest video packet, the bitrate.
  SendingSummary* summary = window->summary();
  ASSERT_TRUE(wait_for([&] { return summary->bitrate_bps().value_or(0) > 0; }))
      << summary->text().toStdString();
  EXPECT_FALSE(summary->text().contains(QStringLiteral("unit –"))) << summary->text().toStdString();
  EXPECT_TRUE(summary->text().contains(QStringLiteral("epoch 0"))) << summary->text().toStdString();
  EXPECT_TRUE(summary->text().contains(QStringLiteral("1 viewer")))
      << summary->text().toStdString();

  EXPECT_LT(stop_and_measure_freeze(*window), 300);
  EXPECT_EQ(table->rowCount(), 0);
  // The sender told the viewer the session ended.
  EXPECT_TRUE(wait_for([&] { return viewer.done(); }));
}

TEST_F(SenderWindowTest, RemoveEndsTheSelectedViewersSessionAndReKeysTheOthers) {
  app::SenderOptions options = quick_sender_options(dir_);
  options.agent = "receive-only";  // a broadcast
  options.max_viewers = 2;
  auto window = open_window(options);
  start(*window);
  const QString code = window->call_code_panel()->call_code();
  auto stat = [&](const char* key, const char* inner = nullptr) {
    const QJsonObject stats = window->stats_json();
    if (inner == nullptr) return stats[QLatin1String(key)].toInteger(-1);
    return stats[QLatin1String(key)].toObject()[QLatin1String(inner)].toInteger(0);
  };
  // The viewer to be removed keeps what its sender told it when the session ended.
  std::atomic<bool> removed_done{false};
  std::string removed_reason;  // written before removed_done
  app::ViewerOptions goes_options = quick_viewer_options(code, dir_);
  goes_options.name = "goes";
  std::jthread goes([&](std::stop_token stop) {
    try {
      app::Viewer viewer(goes_options);
      viewer.run(stop);
      removed_reason = viewer.end_reason();
    } catch (const std::exception& e) {
      removed_reason = std::string("failed: ") + e.what();
    }
    removed_done = true;
  });
  app::ViewerOptions stays_options = quick_viewer_options(code, dir_);
  stays_options.name = "stays";
  // Two viewers storing one agent in one cache at once would race.
  stays_options.agent_cache = dir_.filePath(QStringLiteral("stays-agents")).toStdString();
  ViewerThread stays(stays_options);

  ViewersTable* table = window->viewers();
  ASSERT_TRUE(wait_for([&] { return table->rowCount() == 2; })) << stays.error();
  EXPECT_FALSE(window->remove_button()->isEnabled()) << "nobody selected";
  int row = -1;
  for (int r = 0; r < table->rowCount(); ++r) {
    if (table->item(r, ViewersTable::kName)->text() == QStringLiteral("goes")) row = r;
  }
  ASSERT_GE(row, 0);
  table->selectRow(row);
  ASSERT_TRUE(window->remove_button()->isEnabled());
  QTest::mouseClick(window->remove_button(), Qt::LeftButton);

  ASSERT_TRUE(wait_for([&] { return removed_done.load(); })) << "the removed viewer plays on";
  EXPECT_EQ(removed_reason, "removed by the host");
  ASSERT_TRUE(wait_for([&] { return stat("sessions_ended_by_reason", "removed") == 1; }));
  EXPECT_EQ(stat("rekeys"), 2) << "video and audio";
  ASSERT_TRUE(wait_for([&] { return table->rowCount() == 1; }));
  EXPECT_EQ(table->item(0, ViewersTable::kName)->text(), QStringLiteral("stays"));
  const QJsonObject ended =
      window->stats_json()[QLatin1String("sessions_ended")].toArray()[0].toObject();
  EXPECT_EQ(ended[QLatin1String("name")].toString(), QStringLiteral("goes"));
  EXPECT_EQ(ended[QLatin1String("reason")].toString(), QStringLiteral("removed"));
  EXPECT_FALSE(stays.done()) << stays.error();
  goes.join();
  EXPECT_LT(stop_and_measure_freeze(*window), 300);
}

TEST_F(SenderWindowTest, ABroadcastShipsReceiveOnlyAgents) {
  app::SenderOptions options = quick_sender_options(dir_);
  options.agent = "receive-only";
  options.max_viewers = 5;
  auto window = open_window(options);
  EXPECT_TRUE(window->form()->broadcast_mode()->isChecked());
  start(*window);
  ViewerThread viewer(quick_viewer_options(window->call_code_panel()->call_code(), dir_));
  ViewersTable* table = window->viewers();
  ASSERT_TRUE(wait_for([&] { return table->rowCount() == 1; })) << viewer.error();
  EXPECT_EQ(table->item(0, ViewersTable::kAgent)->text(), QStringLiteral("receive-only"));
  window->stop();
  EXPECT_TRUE(wait_for([&] { return window->state() == State::kIdle; }));
}

TEST_F(SenderWindowTest, ATwoWayCallShowsWhatComesBackInACorner) {
  auto window = open_window(quick_sender_options(dir_));
  start(*window);
  app::ViewerOptions options = quick_viewer_options(window->call_code_panel()->call_code(), dir_);
  options.send_back = true;
  options.back.video = "test";
  options.back.audio = "tone";
  options.back.width = 320;
  options.back.height = 180;
  options.back.fps = 15;
  options.back.bitrate_kbps = 300;
  options.back.keyframe_interval = 15;
  ViewerThread viewer(options);

  SenderPreview* preview = window->preview();
  ASSERT_TRUE(wait_for([&] {
    return preview->back_visible() && preview->back()->frames_painted() >= 3;
  })) << "presented "
      << preview->back()->frames_presented() << ", viewer: " << viewer.error();
  // In the bottom right corner of the preview, inside it, and smaller.
  const QRect back = preview->back()->geometry();
  const QRect sent = preview->sent()->rect();
  EXPECT_TRUE(sent.contains(back));
  EXPECT_LT(back.width(), sent.width() / 2);
  EXPECT_GT(back.left(), sent.width() / 2);
  EXPECT_LE(sent.right() - back.right(), 16);
  EXPECT_LE(sent.bottom() - back.bottom(), 16);

  const QJsonObject ui = window->ui_stats();
  ASSERT_TRUE(ui.contains(QLatin1String("remote_video_rect")));
  const QJsonArray rect = ui[QLatin1String("remote_video_rect")].toArray();
  const QRect picture = preview->back()->picture_rect();
  EXPECT_EQ(rect[0].toInt(), preview->back()->mapToGlobal(picture.topLeft()).x());
  EXPECT_EQ(rect[2].toInt(), picture.width());
  EXPECT_GE(ui[QLatin1String("remote_frames_painted")].toInteger(), 3);

  ASSERT_TRUE(wait_for([&] { return window->viewers()->rowCount() == 1; }));
  EXPECT_EQ(window->viewers()->item(0, ViewersTable::kSendsBack)->text(), QStringLiteral("yes"));
  // Live controls of their sound, on a running sender.
  window->back_volume()->setValue(40);
  window->back_mute()->setChecked(true);

  viewer.stop();
  EXPECT_TRUE(wait_for([&] { return !preview->back_visible(); }))
      << "the corner view goes once nothing comes back";
  EXPECT_LT(stop_and_measure_freeze(*window), 300);
}

TEST_F(SenderWindowTest, AMissingCameraIsExplained) {
  app::SenderOptions options = quick_sender_options(dir_);
  options.media.video = "camera:57";
  auto window = open_window(options);
  QTest::mouseClick(window->start_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for([&] { return window->state() == State::kFailed; }));
  QMessageBox* box = nullptr;
  ASSERT_TRUE(wait_for([&] {
    box = window->findChild<QMessageBox*>();
    return box != nullptr && box->isVisible();
  }));
  EXPECT_TRUE(box->text().contains(QStringLiteral("/dev/video57"))) << box->text().toStdString();
  EXPECT_TRUE(box->text().contains(QStringLiteral("choose another video source")));
  EXPECT_TRUE(window->start_button()->isEnabled()) << "one can fix the choice and try again";
  EXPECT_TRUE(window->form()->isEnabled());
  box->accept();
}

TEST_F(SenderWindowTest, AProblemWithTheFormIsSaidBeforeStarting) {
  app::SenderOptions options = quick_sender_options(dir_);
  options.media.video = "none";
  options.media.audio = "none";
  auto window = open_window(options);
  window->start();
  EXPECT_EQ(window->state(), State::kIdle);
  EXPECT_TRUE(window->last_failure().contains(QStringLiteral("Nothing to send")));
}

}  // namespace
}  // namespace agentcast::sender_app
