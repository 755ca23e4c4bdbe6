# Imported targets for the media libraries, from Debian's -dev packages (scripts/setup.sh):
#   agentcast::ffmpeg    libavcodec, libavformat, libavutil, libswscale, libswresample
#   agentcast::opus      libopus (PLC and in-band FEC decoding, which libavcodec does not expose)
#   agentcast::portaudio PortAudio v19
#   agentcast::opencv    OpenCV core, imgproc, imgcodecs, videoio
find_package(PkgConfig REQUIRED)
pkg_check_modules(AGENTCAST_FFMPEG REQUIRED IMPORTED_TARGET
                  libavcodec libavformat libavutil libswscale libswresample)
pkg_check_modules(AGENTCAST_OPUS REQUIRED IMPORTED_TARGET opus)
pkg_check_modules(AGENTCAST_PORTAUDIO REQUIRED IMPORTED_TARGET portaudio-2.0)
add_library(agentcast::ffmpeg ALIAS PkgConfig::AGENTCAST_FFMPEG)
add_library(agentcast::opus ALIAS PkgConfig::AGENTCAST_OPUS)
add_library(agentcast::portaudio ALIAS PkgConfig::AGENTCAST_PORTAUDIO)

# Debian ships OpenCV's CMake package only with the libopencv-dev meta package, which
# drags in every module (and Qt 5); the four modules used here are found directly.
find_path(AGENTCAST_OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
add_library(agentcast_opencv INTERFACE)
target_include_directories(agentcast_opencv SYSTEM INTERFACE ${AGENTCAST_OPENCV_INCLUDE_DIR})
foreach(module core imgproc imgcodecs videoio)
  find_library(AGENTCAST_OPENCV_${module} opencv_${module} REQUIRED)
  target_link_libraries(agentcast_opencv INTERFACE ${AGENTCAST_OPENCV_${module}})
endforeach()
add_library(agentcast::opencv ALIAS agentcast_opencv)
