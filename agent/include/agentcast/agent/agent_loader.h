#pragma once
// The one way agent code gets loaded (security rule 7), for the viewer's shipped agent and
// the sender's resident agent alike: take the bundle apart, check its signer against the
// key the user trusts, its signature, its binary's hash, platform, ABI and kind; store it
// in the private cache; load it; and open a trial session to see it initialise. Any
// refusal comes back with a sentence for the user and nothing loaded.

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "agentcast/agent/agent_cache.h"
#include "agentcast/agent/agent_library.h"
#include "agentcast/agent/bundle.h"

namespace agentcast::agent {

struct LoadedAgent {
  std::shared_ptr<const AgentLibrary> library;
  BundleManifest manifest;
  std::string content_hash;  // of the whole bundle: its name in the cache
  std::size_t bundle_size = 0;
};

enum class LoadError : std::uint8_t {
  kBundle,       // parse_bundle / verify_bundle refused it: see `bundle_error`
  kWrongKind,    // a receive-only agent where a full one is needed, or the reverse
  kNotLoadable,  // the dynamic loader or the entry point refused it
  kInitFailed,   // the agent refused to open a session
  kCache,        // the private cache could not store it
};

struct LoadOutcome {
  std::optional<LoadedAgent> agent;
  LoadError error = LoadError::kBundle;
  BundleError bundle_error = BundleError::kTruncated;
  std::string reason;  // for the user, when `agent` is empty
};

struct LoadPolicy {
  crypto::Fingerprint trusted_signer{};
  std::optional<AgentKind> kind;  // the kind required, if any
  std::size_t max_bundle_size = kDefaultMaxBundleSize;
};

LoadOutcome load_agent(std::span<const std::uint8_t> bundle, const LoadPolicy& policy,
                       const AgentCache& cache);

// The bundle cached under `hash`, verified and loaded as if it had just arrived. An
// absent or damaged entry is kBundle/kTruncated with the reason.
LoadOutcome load_cached_agent(const std::string& hash, const LoadPolicy& policy,
                              const AgentCache& cache);

}  // namespace agentcast::agent
