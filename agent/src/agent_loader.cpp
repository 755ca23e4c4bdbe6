#include "agentcast/agent/agent_loader.h"

#include <exception>

#include "agentcast/agent/agent_session.h"

namespace agentcast::agent {

namespace {

LoadOutcome refuse(LoadError error, std::string reason) {
  LoadOutcome outcome;
  outcome.error = error;
  outcome.reason = std::move(reason);
  return outcome;
}

LoadOutcome refuse(const BundleCheck& check) {
  LoadOutcome outcome = refuse(LoadError::kBundle, check.reason);
  outcome.bundle_error = check.error;
  return outcome;
}

// A session that is opened and closed at once: an agent that cannot open one is refused
// at load time, not in the middle of a call.
std::optional<std::string> trial_session(const std::shared_ptr<const AgentLibrary>& library) {
  try {
    AgentSession session(library, SessionParams::generate(), Role::kViewer);
    session.add_incoming(1, net::MediaKind::kVideo);
    (void)session.stats();
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

}  // namespace

LoadOutcome load_agent(std::span<const std::uint8_t> bundle, const LoadPolicy& policy,
                       const AgentCache& cache) {
  auto parsed = parse_bundle(bundle, policy.max_bundle_size);
  if (const auto* check = std::get_if<BundleCheck>(&parsed)) return refuse(*check);
  const ParsedBundle& taken_apart = std::get<ParsedBundle>(parsed);
  const BundleCheck verified = verify_bundle(taken_apart, policy.trusted_signer);
  if (!verified.ok) return refuse(verified);
  const BundleManifest& manifest = taken_apart.manifest;
  if (policy.kind && manifest.kind != *policy.kind) {
    return refuse(LoadError::kWrongKind, "a " + std::string(to_string(*policy.kind)) +
                                             " agent was needed, but this one is " +
                                             std::string(to_string(manifest.kind)));
  }

  const std::string hash = content_hash(bundle);
  std::string binary_path;
  try {
    cache.store(hash, bundle);
    binary_path = cache.install_binary(hash, taken_apart.binary);
  } catch (const std::exception& e) {
    return refuse(LoadError::kCache, e.what());
  }

  auto forget = [&](LoadError error, std::string reason) {
    cache.remove(hash);
    return refuse(error, std::move(reason));
  };
  auto opened = AgentLibrary::open(binary_path);
  if (auto* why = std::get_if<std::string>(&opened)) return forget(LoadError::kNotLoadable, *why);
  auto library = std::get<std::shared_ptr<const AgentLibrary>>(std::move(opened));
  if (library->kind() != manifest.kind) {
    return forget(LoadError::kWrongKind,
                  "the manifest says " + std::string(to_string(manifest.kind)) +
                      " but the binary is " + std::string(to_string(library->kind())));
  }
  if (auto failure = trial_session(library)) {
    return forget(LoadError::kInitFailed, "the agent failed to initialise: " + *failure);
  }

  library->pin();
  LoadOutcome outcome;
  outcome.agent = LoadedAgent{std::move(library), manifest, hash, bundle.size()};
  return outcome;
}

LoadOutcome load_cached_agent(const std::string& hash, const LoadPolicy& policy,
                              const AgentCache& cache) {
  const auto bundle = cache.read(hash, policy.max_bundle_size);
  if (!bundle) {
    LoadOutcome outcome =
        refuse(LoadError::kBundle, "the agent " + hash.substr(0, 12) + "… is not in the cache " +
                                       cache.directory() + " (or is damaged)");
    outcome.bundle_error = BundleError::kTruncated;
    return outcome;
  }
  return load_agent(*bundle, policy, cache);
}

}  // namespace agentcast::agent
