#pragma once
// The private cache of agent bundles (security rule 7): a directory of mode 0700 holding
// each verified bundle under the SHA-256 of its bytes, so a viewer that meets the same
// sender again says "I have H" and skips the transfer. What is read back is hashed again
// and verified again before it is loaded: the cache saves bytes, never trust.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace agentcast::agent {

class AgentCache {
 public:
  // Opens `directory`, creating it (and missing parents) with mode 0700. Throws
  // std::runtime_error naming the directory when it cannot be created or is not a
  // directory of this user that only this user can open.
  explicit AgentCache(std::string directory);

  // $XDG_CACHE_HOME/agentcast/agents, or ~/.cache/agentcast/agents.
  static std::string default_directory();

  const std::string& directory() const noexcept { return directory_; }

  // The content hashes held, most recently used first, at most `limit`.
  std::vector<std::string> hashes(std::size_t limit = 16) const;
  // The bundle stored under `hash`, if present, not larger than `max_size`, and still
  // hashing to its name.
  std::optional<std::vector<std::uint8_t>> read(const std::string& hash,
                                                std::size_t max_size) const;
  // Stores a verified bundle under its hash (atomically, mode 0600). Throws
  // std::runtime_error when the disk refuses.
  void store(const std::string& hash, std::span<const std::uint8_t> bundle) const;
  // Writes a verified bundle's binary next to it, where the dynamic loader can open it,
  // and returns its path. Throws std::runtime_error when the disk refuses.
  std::string install_binary(const std::string& hash, std::span<const std::uint8_t> binary) const;
  // Forgets a bundle that verified but would not load, so it is not offered again.
  void remove(const std::string& hash) const noexcept;

 private:
  std::string directory_;
};

}  // namespace agentcast::agent
