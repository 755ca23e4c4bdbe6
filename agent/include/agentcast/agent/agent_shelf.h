#pragma once
// The agents a sender can ship (patent Fig. 1, 4A): the plugin binaries of this build,
// packed into bundles signed with the sender's identity. Packed once at start; the same
// bytes go to every viewer, so a viewer's cache hit is a hash comparison.

#include <cstdint>
#include <string>
#include <vector>

#include "agentcast/agent/bundle.h"
#include "agentcast/crypto/identity.h"

namespace agentcast::agent {

struct ShippableAgent {
  AgentKind kind = AgentKind::kFull;
  std::vector<std::uint8_t> bundle;
  std::string content_hash;
};

// The file name of each kind's plugin: agentcast-agent-full.so, ...-receive-only.so.
std::string plugin_file_name(AgentKind kind);

// Where the plugin binaries are: `configured` if not empty, else $AGENTCAST_AGENT_DIR, else
// next to the program (../lib/agentcast/agents when installed, ../agents in the build
// tree). Throws std::runtime_error listing the places looked at.
std::string find_agent_directory(const std::string& configured = {});

class AgentShelf {
 public:
  // Reads and packs both plugins found in `directory`. Throws std::runtime_error naming a
  // missing or unreadable file.
  AgentShelf(const crypto::Identity& signer, const std::string& directory);

  const ShippableAgent& get(AgentKind kind) const noexcept {
    return kind == AgentKind::kFull ? full_ : receive_only_;
  }

 private:
  ShippableAgent full_;
  ShippableAgent receive_only_;
};

}  // namespace agentcast::agent
