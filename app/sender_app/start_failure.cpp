#include "start_failure.h"

#include <stdexcept>

#include "agentcast/call/sender.h"
#include "agentcast/media/audio_source.h"
#include "agentcast/media/video_source.h"

namespace agentcast::sender_app {

StartFailure describe_start_failure(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const media::CameraUnavailableError& e) {
    return {app::kExitNoCamera,
            QStringLiteral("The camera %1 could not be opened.\n\nCheck that it is plugged in and "
                           "that no other program is using it, or choose another video source.\n\n"
                           "Details: %2")
                .arg(QString::fromStdString(e.device()), QString::fromUtf8(e.what()))};
  } catch (const media::AudioDeviceError& e) {
    return {app::kExitNoAudioDevice,
            QStringLiteral("A sound device could not be opened.\n\nCheck that it is connected and "
                           "not in use, or choose another microphone or sound output (or none).\n\n"
                           "Details: %1")
                .arg(QString::fromUtf8(e.what()))};
  } catch (const std::invalid_argument& e) {
    return {app::kExitUsage,
            QStringLiteral("These settings cannot be used: %1\n\nChange them and start again.")
                .arg(QString::fromUtf8(e.what()))};
  } catch (const std::exception& e) {
    return {app::kExitFailure,
            QStringLiteral("The sender could not start: %1\n\nCheck the settings (the file or "
                           "folder, the address to listen on) and try again.")
                .arg(QString::fromUtf8(e.what()))};
  } catch (...) {
    return {app::kExitFailure, QStringLiteral("The sender could not start for an unknown reason.")};
  }
}

}  // namespace agentcast::sender_app
