#pragma once
// The `agentcast keygen` and `agentcast agent pack|inspect|verify` commands (DESIGN.md,
// "Command line contract"; docs/BUNDLES.md).

#include <string>
#include <vector>

namespace agentcast::app {

// Each returns the process exit code (sender.h, ExitCode): 0 done, 1 I/O error, 2 bad usage
// (also thrown as std::invalid_argument), 6 a bundle refused, with the reason on stderr.
int run_keygen(const std::vector<std::string>& args);
int run_agent(const std::vector<std::string>& args);

}  // namespace agentcast::app
