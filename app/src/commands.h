#pragma once
// The `agentcast send` and `agentcast view` commands (DESIGN.md, "Command line contract").

#include <string>
#include <vector>

namespace agentcast::app {

// Each returns the process exit code (sender.h, ExitCode); bad options throw
// std::invalid_argument.
int run_send(const std::vector<std::string>& args);
int run_view(const std::vector<std::string>& args);

}  // namespace agentcast::app
