// agentcast: the command line face of AgentCast.

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "demo.h"

namespace {

constexpr const char* kUsage =
    "usage: agentcast COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  demo      two agents in lock-step through a lossy, reordering channel\n"
    "            [--packets N] [--loss PCT] [--reorder DEPTH] [--duplicate PCT]\n"
    "            [--tamper PCT] [--epoch-packets N] [--seeds synchronized|distributed]\n"
    "            [--insecure-reference-units]\n"
    "  version   print the version\n"
    "  help      print this text\n";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + (argc > 1 ? 2 : argc), argv + argc);
  const std::string command = argc > 1 ? argv[1] : "help";
  try {
    if (command == "demo") return agentcast::app::run_demo(args);
    if (command == "version" || command == "--version") {
      std::printf("agentcast %s\n", AGENTCAST_VERSION);
      return 0;
    }
    if (command == "help" || command == "--help" || command == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "agentcast: unknown command '%s'\n\n%s", command.c_str(), kUsage);
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "agentcast %s: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentcast %s: %s\n", command.c_str(), e.what());
    return 1;
  }
}
