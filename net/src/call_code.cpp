#include "agentcast/net/call_code.h"

#include <stdexcept>

namespace agentcast::net {
namespace {
constexpr std::string_view kScheme = "agentcast://";
constexpr std::string_view kFragment = "/#fp=";
}  // namespace

CallCode CallCode::parse(const std::string& text) {
  auto fail = [&](const std::string& why) {
    return std::invalid_argument(
        "'" + text + "' is not a call code (agentcast://HOST:PORT/#fp=" + "64 hex digits): " + why);
  };
  if (text.compare(0, kScheme.size(), kScheme) != 0) throw fail("it must start with agentcast://");
  const auto fragment = text.find(kFragment, kScheme.size());
  if (fragment == std::string::npos) throw fail("the /#fp= part is missing");
  const std::string authority = text.substr(kScheme.size(), fragment - kScheme.size());
  CallCode code;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos || close + 1 >= authority.size() ||
        authority[close + 1] != ':') {
      throw fail("an IPv6 host must be written [ADDRESS]:PORT");
    }
    code.host = authority.substr(1, close - 1);
    port = authority.substr(close + 2);
  } else {
    const auto colon = authority.rfind(':');
    if (colon == std::string::npos || colon == 0) throw fail("HOST:PORT is missing");
    code.host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) == 0 ||
      std::stoul(port) > 65535) {
    throw fail("'" + port + "' is not a port number");
  }
  code.port = static_cast<std::uint16_t>(std::stoul(port));
  try {
    code.fingerprint = crypto::fingerprint_from_hex(text.substr(fragment + kFragment.size()));
  } catch (const std::invalid_argument& e) {
    throw fail(e.what());
  }
  return code;
}

std::string CallCode::host_port() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string CallCode::to_string() const {
  return std::string(kScheme) + host_port() + std::string(kFragment) + crypto::to_hex(fingerprint);
}

}  // namespace agentcast::net
