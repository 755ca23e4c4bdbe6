#pragma once

#include <string>
#include <vector>

namespace agentcast::app {

// `agentcast demo`: two agents' sending and receiving sections through an in-memory
// channel that loses, reorders, duplicates and tampers with packets. Returns the exit code.
int run_demo(const std::vector<std::string>& args);

}  // namespace agentcast::app
