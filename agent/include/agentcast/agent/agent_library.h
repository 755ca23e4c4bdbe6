#pragma once
// A loaded agent plugin: the shared library and its C function table (plugin_abi.h). Only
// the loader (agent_loader.h) opens one, and only after the bundle it came in verified;
// sessions keep the library loaded for as long as they live.

#include <memory>
#include <string>
#include <variant>

#include "agentcast/agent/bundle.h"
#include "agentcast/agent/plugin_abi.h"

namespace agentcast::agent {

class AgentLibrary {
 public:
  // dlopen()s `path` (RTLD_NOW | RTLD_LOCAL), finds the entry point and asks it for this
  // host's ABI version. Returns the reason on failure: not a loadable library, no entry
  // point, a refused ABI version, or a table that does not match its own version.
  static std::variant<std::shared_ptr<const AgentLibrary>, std::string> open(
      const std::string& path);

  AgentLibrary(const AgentLibrary&) = delete;
  AgentLibrary& operator=(const AgentLibrary&) = delete;
  ~AgentLibrary();

  const agentcast_agent_api& api() const noexcept { return *api_; }
  bool can_send() const noexcept { return (api_->capabilities & AGENTCAST_CAP_SEND) != 0; }
  AgentKind kind() const noexcept {
    return can_send() ? AgentKind::kFull : AgentKind::kReceiveOnly;
  }
  std::string name() const { return api_->name != nullptr ? api_->name : ""; }
  std::string version() const { return api_->version != nullptr ? api_->version : ""; }

  // Keeps the library mapped until the process ends, once it has proven itself: libcrypto
  // and the C++ runtime may hold pointers into an agent that has run (fetched algorithms,
  // function-local caches), so a working agent is never unloaded. A refused one is.
  void pin() const noexcept;

 private:
  AgentLibrary(void* handle, const agentcast_agent_api* api, std::string path)
      : handle_(handle), api_(api), path_(std::move(path)) {}

  void* handle_;
  const agentcast_agent_api* api_;
  std::string path_;
};

}  // namespace agentcast::agent
