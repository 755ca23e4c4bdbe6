#pragma once
// Where the GUI tests leave what they produce: a fresh working directory per test (logs,
// stats files, agent caches) and one shared folder of screenshots for humans to look at.

#include <filesystem>
#include <string>

namespace agentcast::test {

inline std::string make_work_dir(const std::string& name) {
  const auto dir = std::filesystem::path(AGENTCAST_TEST_OUTPUT_DIR) / ("gui-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline std::string screenshot_path(const std::string& file_name) {
  const std::filesystem::path dir(AGENTCAST_GUI_SCREENSHOT_DIR);
  std::filesystem::create_directories(dir);
  return (dir / file_name).string();
}

}  // namespace agentcast::test
