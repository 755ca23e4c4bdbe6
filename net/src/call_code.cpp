#include "agentcast/net/call_code.h"

#include <stdexcept>

#include "agentcast/crypto/join_proof.h"

namespace agentcast::net {
namespace {
constexpr std::string_view kScheme = "agentcast://";
constexpr std::string_view kFragment = "/#fp=";
constexpr std::string_view kSecretField = "&k=";
}  // namespace

CallCode CallCode::parse(const std::string& text) {
  // Messages end up in logs and dialogs: they never repeat the join secret.
  const std::string shown = text.substr(0, text.find(kSecretField)) +
                            (text.find(kSecretField) == std::string::npos ? "" : "&k=…");
  auto fail = [&](const std::string& why) {
    return std::invalid_argument(
        "'" + shown + "' is not a call code (agentcast://HOST:PORT/#fp=64 hex digits&k=32 hex " +
        "digits): " + why);
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
  const std::string fields = text.substr(fragment + kFragment.size());
  const auto secret = fields.find(kSecretField);
  try {
    code.fingerprint = crypto::fingerprint_from_hex(fields.substr(0, secret));
  } catch (const std::invalid_argument& e) {
    throw fail(e.what());
  }
  if (secret == std::string::npos) {
    // The one mistake a user makes most (a code cut short when pasted) gets its own words.
    throw std::invalid_argument(
        "the call code is incomplete: it has no join secret (&k=...). Ask the sender for the "
        "whole code; it ends with &k= and 32 hex digits");
  }
  try {
    code.join_secret = crypto::join_secret_from_hex(fields.substr(secret + kSecretField.size()));
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
  std::string text =
      std::string(kScheme) + host_port() + std::string(kFragment) + crypto::to_hex(fingerprint);
  if (!join_secret.empty()) {
    text += std::string(kSecretField) + crypto::join_secret_to_hex(join_secret);
  }
  return text;
}

}  // namespace agentcast::net
