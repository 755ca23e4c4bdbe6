#pragma once
// The call code a sender prints and a viewer is given:
//   agentcast://HOST:PORT/#fp=FINGERPRINT&k=SECRET
// HOST:PORT is where the sender listens (TCP for the control channel, UDP for media);
// FINGERPRINT (64 hex digits) is that of the sender's identity, which the viewer pins;
// SECRET (32 hex digits, 128 random bits) is the join secret the viewer proves it holds
// (crypto/join_proof.h). Both sit in the fragment, which no URL handler sends to a server.
// A call code is a secret: whoever holds it may join.

#include <cstdint>
#include <string>

#include "agentcast/crypto/identity.h"
#include "agentcast/crypto/secret.h"

namespace agentcast::net {

struct CallCode {
  std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 0;
  crypto::Fingerprint fingerprint{};
  crypto::Secret join_secret{};  // kJoinSecretSize bytes

  // Throws std::invalid_argument saying what is wrong with `text`; a code without its join
  // secret is refused as incomplete.
  static CallCode parse(const std::string& text);
  std::string to_string() const;
  std::string host_port() const;  // "HOST:PORT", IPv6 in brackets
};

}  // namespace agentcast::net
