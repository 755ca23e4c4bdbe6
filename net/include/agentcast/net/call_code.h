#pragma once
// The call code a sender prints and a viewer is given: agentcast://HOST:PORT/#fp=HEX.
// HOST:PORT is where the sender listens (TCP for the control channel, UDP for media);
// HEX is the fingerprint of the sender's identity, which the viewer pins.

#include <cstdint>
#include <string>

#include "agentcast/crypto/identity.h"

namespace agentcast::net {

struct CallCode {
  std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 0;
  crypto::Fingerprint fingerprint{};

  // Throws std::invalid_argument saying what is wrong with `text`.
  static CallCode parse(const std::string& text);
  std::string to_string() const;
  std::string host_port() const;  // "HOST:PORT", IPv6 in brackets
};

}  // namespace agentcast::net
