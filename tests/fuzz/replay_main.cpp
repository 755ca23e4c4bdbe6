// Runs a libFuzzer target's LLVMFuzzerTestOneInput over a corpus without libFuzzer: for
// any compiler, and under the sanitizers in the AGENTCAST_SANITIZE build.
//
//   fuzz_replay_receiving_section [--require-complete] PATH...
//
// Each PATH is a file or a directory (its regular files, recursively, in sorted order);
// inputs run in the order given, in one process, so targets that keep state across inputs
// see the same sequence every time. Exits non-zero when a path is missing, a directory
// holds no inputs, or a file cannot be read, so that the replay cannot pass vacuously.
//
// A target may define AgentcastFuzzReplayReport(int strict): it is called after the last
// input to report what the inputs reached, and its non-zero result becomes the exit
// status. --require-complete passes strict = 1 (the corpus must reach every outcome the
// target lists); without it the report is informational, as for a single crash input.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int AgentcastFuzzReplayReport(int strict);

namespace {

namespace fs = std::filesystem;

bool read_file(const fs::path& path, std::vector<std::uint8_t>& bytes) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  return !file.bad();
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  bool require_complete = false;
  if (argc > 1 && std::string_view(argv[1]) == "--require-complete") {
    require_complete = true;
    ++first;
  }
  if (first >= argc) {
    std::fprintf(stderr, "usage: %s [--require-complete] FILE_OR_DIRECTORY...\n", argv[0]);
    return 2;
  }
  std::size_t inputs = 0;
  std::size_t total_bytes = 0;
  for (int arg = first; arg < argc; ++arg) {
    const fs::path root(argv[arg]);
    std::error_code error;
    std::vector<fs::path> files;
    if (fs::is_directory(root, error)) {
      for (fs::recursive_directory_iterator it(root, error), end; !error && it != end;
           it.increment(error)) {
        if (it->is_regular_file(error)) files.push_back(it->path());
      }
      if (error) {
        std::fprintf(stderr, "replay: cannot list %s: %s\n", root.c_str(), error.message().c_str());
        return 1;
      }
      if (files.empty()) {
        std::fprintf(stderr, "replay: %s holds no inputs\n", root.c_str());
        return 1;
      }
      std::sort(files.begin(), files.end());
    } else if (fs::is_regular_file(root, error)) {
      files.push_back(root);
    } else {
      std::fprintf(stderr, "replay: %s is neither a file nor a directory\n", root.c_str());
      return 1;
    }

    std::size_t here = 0;
    std::vector<std::uint8_t> bytes;
    for (const fs::path& file : files) {
      if (!read_file(file, bytes)) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
        return 1;
      }
      // A copy of exactly the input's size, so that reads past the end are caught.
      const std::vector<std::uint8_t> input(bytes);
      LLVMFuzzerTestOneInput(input.data(), input.size());
      ++here;
      total_bytes += input.size();
    }
    std::printf("replay: %zu inputs from %s\n", here, root.c_str());
    inputs += here;
  }
  std::printf("replay: ran %zu inputs (%zu bytes) without a failure\n", inputs, total_bytes);
  std::fflush(stdout);
  if (AgentcastFuzzReplayReport != nullptr) return AgentcastFuzzReplayReport(require_complete);
  return 0;
}
