#pragma once
// The capture and playback devices of this machine, for the apps' pickers. The numbers
// are what `--video camera:N`, `--audio mic:N` and `--audio-out N` take.

#include <string>
#include <vector>

namespace agentcast::media {

struct CameraInfo {
  int index = 0;     // camera:N opens /dev/videoN
  std::string path;  // /dev/videoN
  std::string name;  // the driver's card name, or the path when it has none
};

struct AudioDeviceInfo {
  int index = 0;  // PortAudio's device index
  std::string name;
  std::string host_api;  // ALSA, PulseAudio, JACK, ...
  int input_channels = 0;
  int output_channels = 0;
  bool default_input = false;
  bool default_output = false;
};

// The V4L2 devices that can capture video; empty on a machine without a camera.
std::vector<CameraInfo> list_cameras();
// Every PortAudio device; empty (never an exception) when PortAudio finds no sound system.
std::vector<AudioDeviceInfo> list_audio_devices();

}  // namespace agentcast::media
