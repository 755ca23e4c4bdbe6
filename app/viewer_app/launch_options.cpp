#include "launch_options.h"

namespace agentcast::viewer_ui {

Launch parse_launch(const std::vector<std::string>& args) {
  Launch launch;
  launch.command = app::parse_view_command(args, /*call_code_optional=*/true, {},
                                           {"--stats-overlay", "--fullscreen"});
  const app::Options& flags = launch.command.flags;
  launch.stats_overlay = flags.flag("--stats-overlay");
  launch.fullscreen = flags.flag("--fullscreen");
  launch.audio_out_given = flags.value("--audio-out").has_value();
  launch.send_back_given = flags.flag("--send-back");
  launch.use_settings = !launch.scripted();
  return launch;
}

app::OutgoingMediaOptions default_send_back() {
  // The command line's own defaults for --send-back, so that both front ends send alike.
  return app::parse_view_command({"--send-back"}, /*call_code_optional=*/true).viewer.back;
}

}  // namespace agentcast::viewer_ui
