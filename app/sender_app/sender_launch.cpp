#include "sender_launch.h"

#include <stdexcept>
#include <string_view>
#include <utility>

#include <QtCore/QSettings>

namespace agentcast::sender_app {
namespace {

const QString kGroup = QStringLiteral("choices");
constexpr const char* kOn = "on";

// The flag names (without "--") of what the form shows, with their values.
std::vector<std::pair<const char*, std::string>> choices(const app::SenderOptions& o) {
  return {
      {"video", o.media.video},
      {"audio", o.media.audio},
      {"size", std::to_string(o.media.width) + "x" + std::to_string(o.media.height)},
      {"fps", std::to_string(o.media.fps)},
      {"bitrate", std::to_string(o.media.bitrate_kbps)},
      {"agent", o.agent},
      {"max-viewers", std::to_string(o.max_viewers)},
      {"select", o.select == net::SelectMode::kInstructed ? "instructed" : "synchronized"},
      {"seeds", o.seeds == net::SeedMode::kDistributed ? "distributed" : "synchronized"},
      {"listen", o.listen},
      {"audio-out", o.audio_out_back},
      {"ask", o.ask_host ? kOn : ""},
  };
}

// Flags without a value are stored as "on" (or "" when off).
bool is_switch(const char* name) {
  return std::string_view(name) == "ask";
}

}  // namespace

void remember_choices(QSettings& settings, const app::SenderOptions& options) {
  settings.beginGroup(kGroup);
  for (const auto& [name, value] : choices(options)) {
    settings.setValue(QLatin1String(name), QString::fromStdString(value));
  }
  settings.endGroup();
}

std::vector<std::string> remembered_flags(const QSettings& settings) {
  std::vector<std::string> flags;
  for (const auto& [name, unused] : choices(app::SenderOptions{})) {
    const QVariant value = settings.value(kGroup + QLatin1Char('/') + QLatin1String(name));
    if (!value.isValid()) continue;
    if (is_switch(name)) {
      if (value.toString() == QLatin1String(kOn)) flags.push_back(std::string("--") + name);
      continue;
    }
    flags.push_back(std::string("--") + name);
    flags.push_back(value.toString().toStdString());
  }
  return flags;
}

SenderLaunch read_launch(const std::vector<std::string>& args, const QSettings& settings) {
  const std::set<std::string> extra_flags{"--start"};
  SenderLaunch launch;
  // The command line alone first: its mistakes are the user's to see, not hidden behind a
  // fallback.
  launch.command = app::parse_send_command(args, {}, extra_flags);
  std::vector<std::string> combined = remembered_flags(settings);
  combined.insert(combined.end(), args.begin(), args.end());
  try {
    launch.command = app::parse_send_command(combined, {}, extra_flags);
  } catch (const std::invalid_argument&) {
    // Keep the command line's reading.
  }
  launch.start_now = launch.command.flags.flag("--start");
  return launch;
}

}  // namespace agentcast::sender_app
