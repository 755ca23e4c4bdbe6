#include "agentcast/net/path_challenge.h"

#include <algorithm>

#include "agentcast/net/packet.h"

namespace agentcast::net {

PathToken random_path_token() {
  const crypto::Secret random = crypto::Secret::random(kPathTokenSize);
  PathToken token{};
  std::copy(random.bytes().begin(), random.bytes().end(), token.begin());
  return token;
}

PathChallenge encode_path_challenge(const PathToken& token) noexcept {
  PathChallenge datagram{};
  datagram[0] = kProtocolVersion;
  datagram[1] = kPathChallengeFlags;
  std::copy(token.begin(), token.end(), datagram.begin() + 2);
  return datagram;
}

std::optional<PathToken> parse_path_challenge(crypto::Bytes datagram) noexcept {
  if (datagram.size() != kPathChallengeSize || datagram[0] != kProtocolVersion ||
      datagram[1] != kPathChallengeFlags) {
    return std::nullopt;
  }
  PathToken token{};
  std::copy(datagram.begin() + 2, datagram.end(), token.begin());
  return token;
}

}  // namespace agentcast::net
