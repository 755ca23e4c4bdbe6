// agentcast: the command line face of AgentCast.

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent_commands.h"
#include "agentcast/call/sender.h"
#include "commands.h"
#include "demo.h"

namespace {

constexpr const char* kUsage =
    "usage: agentcast COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  send      capture, encrypt and send audio and video; prints the call code first\n"
    "            [--listen HOST:PORT] [--video test|camera[:N]|file:PATH|images:GLOB|none]\n"
    "            [--audio tone|mic[:N]|file:PATH|none] [--size WxH] [--fps N] [--bitrate KBPS]\n"
    "            [--loop] [--max-viewers N] [--agent full|receive-only] [--identity PATH]\n"
    "            [--select synchronized|instructed] [--seeds synchronized|distributed]\n"
    "            [--epoch-packets N] [--agent-dir DIR] [--agent-cache DIR]\n"
    "            [--call-code-file PATH] [--invites N] [--ask] [--duration S] [--stats-json PATH]\n"
    "            [--record-back PATH.mkv] [--snapshot-back PATH.png] [--audio-out ...]\n"
    "            [--origin-auth on|off]  (off: only to measure what it costs)\n"
    "  view      CALLCODE: receive, decrypt and play\n"
    "            [--headless] [--record PATH.mkv] [--snapshot PATH.png]\n"
    "            [--audio-out default|none|wav:PATH] [--latency MS] [--duration S]\n"
    "            [--stats-json PATH] [--agent full|receive-only] [--agent-cache DIR]\n"
    "            [--max-agent-bytes N] [--send-back [--video SRC] [--audio SRC] [--size WxH]\n"
    "            [--fps N] [--bitrate KBPS]]\n"
    "  demo      two agents in lock-step through a lossy, reordering channel\n"
    "            [--packets N] [--loss PCT] [--reorder DEPTH] [--duplicate PCT]\n"
    "            [--tamper PCT] [--epoch-packets N] [--seeds synchronized|distributed]\n"
    "            [--select synchronized|instructed] [--insecure-reference-units]\n"
    "            [--agent-dir DIR] [--agent-cache DIR]\n"
    "  agent     pack|inspect|verify signed agent bundles\n"
    "            pack --binary PATH --out BUNDLE [--name N] [--version V]\n"
    "                 [--kind full|receive-only] [--identity PATH] [--platform P]\n"
    "            inspect BUNDLE [--max-size BYTES]\n"
    "            verify BUNDLE --signer FP [--max-size BYTES]\n"
    "  keygen    create a signing identity (never overwrites) [--out PATH]\n"
    "  version   print the version\n"
    "  help      print this text\n";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + (argc > 1 ? 2 : argc), argv + argc);
  const std::string command = argc > 1 ? argv[1] : "help";
  try {
    if (command == "send") return agentcast::app::run_send(args);
    if (command == "view") return agentcast::app::run_view(args);
    if (command == "demo") return agentcast::app::run_demo(args);
    if (command == "agent") return agentcast::app::run_agent(args);
    if (command == "keygen") return agentcast::app::run_keygen(args);
    if (command == "version" || command == "--version") {
      std::printf("agentcast %s\n", AGENTCAST_VERSION);
      return 0;
    }
    if (command == "help" || command == "--help" || command == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "agentcast: unknown command '%s'\n\n%s", command.c_str(), kUsage);
    return agentcast::app::kExitUsage;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "agentcast %s: %s\n", command.c_str(), e.what());
    return agentcast::app::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agentcast %s: %s\n", command.c_str(), e.what());
    return 1;
  }
}
