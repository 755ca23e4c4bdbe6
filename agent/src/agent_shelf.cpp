#include "agentcast/agent/agent_shelf.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "agentcast/crypto/cipher_unit.h"

namespace agentcast::agent {

namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> read_binary(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the agent plugin " + path);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (bytes.empty()) throw std::runtime_error("the agent plugin " + path + " is empty");
  return bytes;
}

ShippableAgent pack(const crypto::Identity& signer, const std::string& directory, AgentKind kind) {
  BundleManifest manifest;
  manifest.name =
      kind == AgentKind::kFull ? "agentcast-agent-full" : "agentcast-agent-receive-only";
  manifest.version = AGENTCAST_VERSION;
  manifest.kind = kind;
  manifest.capabilities = capabilities_of(kind);
  for (crypto::UnitId id : crypto::modern_units())
    manifest.units.push_back(id);
  for (crypto::UnitId id : crypto::reference_units())
    manifest.units.push_back(id);
  ShippableAgent agent;
  agent.kind = kind;
  agent.bundle =
      pack_bundle(manifest, read_binary(directory + "/" + plugin_file_name(kind)), signer);
  agent.content_hash = content_hash(agent.bundle);
  return agent;
}

fs::path program_directory() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : self.parent_path();
}

}  // namespace

std::string plugin_file_name(AgentKind kind) {
  return kind == AgentKind::kFull ? "agentcast-agent-full.so" : "agentcast-agent-receive-only.so";
}

std::string find_agent_directory(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* env = std::getenv("AGENTCAST_AGENT_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  const fs::path program = program_directory();
  std::string looked;
  for (const fs::path& candidate :
       {program / ".." / "lib" / "agentcast" / "agents", program / ".." / "agents"}) {
    std::error_code ec;
    if (fs::exists(candidate / plugin_file_name(AgentKind::kFull), ec)) {
      return fs::weakly_canonical(candidate, ec).string();
    }
    looked += (looked.empty() ? "" : ", ") + candidate.lexically_normal().string();
  }
  throw std::runtime_error("no agent plugins found (looked in " + looked +
                           "): pass --agent-dir DIR or set AGENTCAST_AGENT_DIR");
}

AgentShelf::AgentShelf(const crypto::Identity& signer, const std::string& directory)
    : full_(pack(signer, directory, AgentKind::kFull)),
      receive_only_(pack(signer, directory, AgentKind::kReceiveOnly)) {}

}  // namespace agentcast::agent
