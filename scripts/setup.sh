#!/usr/bin/env bash
# Installs every Debian package AgentCast needs to build, test and run. Idempotent and
# non-interactive: packages already present are left alone, and apt-get runs only when
# something is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-dev
  # crypto/: OpenSSL 3
  libssl-dev openssl
  # media/: FFmpeg (libx264, libopus inside), libopus, PortAudio, OpenCV
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libopus-dev
  portaudio19-dev libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libopencv-videoio-dev
  # net/ control messages (CBOR) and, later, the apps: Qt 6
  qt6-base-dev
  # tests: decode recordings, capture the wire, network namespaces
  ffmpeg tshark iproute2
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # GUI tests: the apps on a virtual X display, screenshotted; a font for the text they
  # check; the .desktop file validator; the icon generator's up-to-date check
  xvfb xauth fonts-dejavu-core desktop-file-utils python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
