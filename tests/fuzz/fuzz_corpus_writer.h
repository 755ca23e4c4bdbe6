#pragma once
// Writes the inputs of a generated fuzz corpus (the make_*_corpus.cpp generators): one
// file per input, named gen_NAME. The build empties the directory before it runs one.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

namespace agentcast::fuzz {

class CorpusWriter {
 public:
  explicit CorpusWriter(std::filesystem::path directory) : directory_(std::move(directory)) {
    std::filesystem::create_directories(directory_);
  }

  void write(const std::string& name, std::span<const std::uint8_t> bytes) {
    const std::filesystem::path path = directory_ / ("gen_" + name);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    if (!file) throw std::runtime_error("cannot write " + path.string());
    ++count_;
  }
  int count() const { return count_; }
  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path directory_;
  int count_ = 0;
};

// main() of a generator: `make(writer)` fills the directory named by the only argument.
template <typename Make>
int corpus_main(int argc, char** argv, const char* name, Make&& make) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  try {
    CorpusWriter writer{std::filesystem::path(argv[1])};
    make(writer);
    std::printf("%s: wrote %d inputs to %s\n", name, writer.count(), writer.directory().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
  return 0;
}

}  // namespace agentcast::fuzz
