#include "agentcast/agent/agent_library.h"

#include <dlfcn.h>

namespace agentcast::agent {

namespace {

// A table with a hole would crash the host on its first call to it.
template <typename... Functions>
bool all_present(Functions... functions) {
  return ((functions != nullptr) && ...);
}

bool every_function_present(const agentcast_agent_api& api) {
  return all_present(api.create, api.destroy, api.add_outgoing, api.add_incoming,
                     api.remove_incoming, api.seal, api.open, api.join_state,
                     api.epoch_needing_seed, api.set_next_seed, api.provide_seed, api.instructions,
                     api.provide_instructions, api.next_sequence, api.stats, api.add_incoming_at,
                     api.missing_seed, api.rekey_outgoing, api.commit_rekey, api.rekey_incoming,
                     api.add_origin_key, api.remove_origin_key, api.tag_for_viewer);
}

}  // namespace

std::variant<std::shared_ptr<const AgentLibrary>, std::string> AgentLibrary::open(
    const std::string& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return std::string("the agent binary does not load here: ") + (why != nullptr ? why : "?");
  }
  auto refuse = [handle](std::string reason) {
    ::dlclose(handle);
    return reason;
  };
  auto entry =
      reinterpret_cast<agentcast_agent_entry_fn>(::dlsym(handle, AGENTCAST_AGENT_ENTRY_SYMBOL));
  if (entry == nullptr) {
    return refuse("the agent binary has no entry point " AGENTCAST_AGENT_ENTRY_SYMBOL);
  }
  const agentcast_agent_api* api = entry(AGENTCAST_AGENT_ABI_VERSION);
  if (api == nullptr) {
    return refuse("the agent failed to initialise: it refused ABI version " +
                  std::to_string(AGENTCAST_AGENT_ABI_VERSION));
  }
  if (api->abi_version != AGENTCAST_AGENT_ABI_VERSION ||
      api->struct_size < sizeof(agentcast_agent_api) || !every_function_present(*api)) {
    return refuse("the agent failed to initialise: its function table is not ABI version " +
                  std::to_string(AGENTCAST_AGENT_ABI_VERSION));
  }
  if ((api->capabilities & AGENTCAST_CAP_RECEIVE) == 0) {
    return refuse("the agent failed to initialise: it cannot receive");
  }
  return std::shared_ptr<const AgentLibrary>(new AgentLibrary(handle, api, path));
}

void AgentLibrary::pin() const noexcept {
  // RTLD_NOLOAD finds the loaded object; RTLD_NODELETE marks it never to be unmapped.
  if (void* again = ::dlopen(path_.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE)) {
    ::dlclose(again);
  }
}

AgentLibrary::~AgentLibrary() {
  ::dlclose(handle_);
}

}  // namespace agentcast::agent
