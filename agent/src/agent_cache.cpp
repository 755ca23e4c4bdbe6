#include "agentcast/agent/agent_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "agentcast/agent/bundle.h"
#include "agentcast/net/control_messages.h"

namespace agentcast::agent {

namespace {

namespace fs = std::filesystem;

std::runtime_error disk_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

// Writes `bytes` to `path` through a temporary file and a rename, so a reader never sees
// half a file, with `mode` from the start.
void write_atomically(const std::string& path, std::span<const std::uint8_t> bytes, mode_t mode) {
  const std::string temporary = path + ".part." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw disk_error("cannot write", temporary);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(temporary.c_str());
      throw disk_error("cannot write", temporary);
    }
    written += static_cast<std::size_t>(n);
  }
  // No fsync: a file cut short by a crash fails its hash when read back, and a binary is
  // always rewritten from a verified bundle before it is loaded.
  if (::close(fd) != 0) {
    ::unlink(temporary.c_str());
    throw disk_error("cannot write", temporary);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    throw disk_error("cannot store", path);
  }
}

}  // namespace

AgentCache::AgentCache(std::string directory) : directory_(std::move(directory)) {
  if (directory_.empty()) throw std::runtime_error("the agent cache directory is empty");
  std::error_code ec;
  const fs::path parent = fs::path(directory_).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (::mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST) {
    throw disk_error("cannot create the agent cache", directory_);
  }
  struct stat info {};
  if (::lstat(directory_.c_str(), &info) != 0) throw disk_error("cannot open", directory_);
  if (!S_ISDIR(info.st_mode)) {
    throw std::runtime_error("the agent cache " + directory_ + " is not a directory");
  }
  if (info.st_uid != ::geteuid()) {
    throw std::runtime_error("the agent cache " + directory_ + " belongs to another user");
  }
  // Code is loaded from here: nobody else may read, add or swap a file.
  if ((info.st_mode & 0077) != 0 && ::chmod(directory_.c_str(), 0700) != 0) {
    throw disk_error("cannot make the agent cache private:", directory_);
  }
}

std::string AgentCache::default_directory() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/agentcast/agents";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.cache/agentcast/agents";
  }
  throw std::runtime_error("neither XDG_CACHE_HOME nor HOME is set: pass --agent-cache DIR");
}

std::vector<std::string> AgentCache::hashes(std::size_t limit) const {
  std::vector<std::pair<fs::file_time_type, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(directory_, ec)) {
    const fs::path& path = entry.path();
    if (path.extension() != ".bundle" || !net::is_content_hash(path.stem().string())) continue;
    found.emplace_back(entry.last_write_time(ec), path.stem().string());
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a > b; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < found.size() && i < limit; ++i)
    out.push_back(found[i].second);
  return out;
}

std::optional<std::vector<std::uint8_t>> AgentCache::read(const std::string& hash,
                                                          std::size_t max_size) const {
  if (!net::is_content_hash(hash)) return std::nullopt;
  const std::string path = directory_ + "/" + hash + ".bundle";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
      static_cast<std::uint64_t>(info.st_size) > max_size) {
    ::close(fd);
    return std::nullopt;
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(info.st_size));
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got != bytes.size() || content_hash(bytes) != hash) return std::nullopt;
  // Most recently used first: a touch keeps a bundle in use near the front.
  ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
  return bytes;
}

void AgentCache::store(const std::string& hash, std::span<const std::uint8_t> bundle) const {
  write_atomically(directory_ + "/" + hash + ".bundle", bundle, 0600);
}

std::string AgentCache::install_binary(const std::string& hash,
                                       std::span<const std::uint8_t> binary) const {
  const std::string path = directory_ + "/" + hash + ".so";
  write_atomically(path, binary, 0500);
  return path;
}

void AgentCache::remove(const std::string& hash) const noexcept {
  if (!net::is_content_hash(hash)) return;
  ::unlink((directory_ + "/" + hash + ".bundle").c_str());
  ::unlink((directory_ + "/" + hash + ".so").c_str());
}

}  // namespace agentcast::agent
