#include "agentcast/media/devices.h"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <portaudio.h>

#include "agentcast/media/audio_source.h"  // detail::PortAudioLibrary

namespace agentcast::media {
namespace {

// A V4L2 node that can capture (metadata and output nodes share the /dev/video names).
bool describe_camera(const std::string& path, std::string& name) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  v4l2_capability caps{};
  const bool ok = ::ioctl(fd, VIDIOC_QUERYCAP, &caps) == 0;
  ::close(fd);
  if (!ok) return false;
  const std::uint32_t device_caps =
      (caps.capabilities & V4L2_CAP_DEVICE_CAPS) != 0 ? caps.device_caps : caps.capabilities;
  if ((device_caps & V4L2_CAP_VIDEO_CAPTURE) == 0) return false;
  name.assign(reinterpret_cast<const char*>(caps.card),
              strnlen(reinterpret_cast<const char*>(caps.card), sizeof caps.card));
  return true;
}

}  // namespace

std::vector<CameraInfo> list_cameras() {
  std::vector<CameraInfo> cameras;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/dev", error)) {
    const std::string file = entry.path().filename().string();
    if (file.rfind("video", 0) != 0 || file.size() == 5) continue;
    const std::string digits = file.substr(5);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    CameraInfo camera;
    camera.index = std::stoi(digits);
    camera.path = entry.path().string();
    if (!describe_camera(camera.path, camera.name)) continue;
    if (camera.name.empty()) camera.name = camera.path;
    cameras.push_back(std::move(camera));
  }
  std::sort(cameras.begin(), cameras.end(),
            [](const CameraInfo& a, const CameraInfo& b) { return a.index < b.index; });
  return cameras;
}

std::vector<AudioDeviceInfo> list_audio_devices() {
  std::vector<AudioDeviceInfo> devices;
  try {
    const detail::PortAudioLibrary library("listing audio devices");
    const PaDeviceIndex default_input = Pa_GetDefaultInputDevice();
    const PaDeviceIndex default_output = Pa_GetDefaultOutputDevice();
    for (PaDeviceIndex i = 0; i < Pa_GetDeviceCount(); ++i) {
      const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
      if (info == nullptr) continue;
      AudioDeviceInfo device;
      device.index = i;
      device.name = info->name != nullptr ? info->name : "";
      if (const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi); api != nullptr) {
        device.host_api = api->name != nullptr ? api->name : "";
      }
      device.input_channels = info->maxInputChannels;
      device.output_channels = info->maxOutputChannels;
      device.default_input = i == default_input;
      device.default_output = i == default_output;
      devices.push_back(std::move(device));
    }
  } catch (const AudioDeviceError&) {
    // No sound system: nothing to pick from, which the pickers show as such.
  }
  return devices;
}

}  // namespace agentcast::media
