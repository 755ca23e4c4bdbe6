#include "agentcast/crypto/join_proof.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string_view>

namespace agentcast::crypto {
namespace {

// Domain separation: the same secret keyed over the same exporter value for any other
// purpose gives a different MAC.
constexpr std::string_view kLabel = "agentcast join v1";

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Secret random_join_secret() {
  return Secret::random(kJoinSecretSize);
}

std::string join_secret_to_hex(const Secret& secret) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(secret.size() * 2);
  for (const std::uint8_t byte : secret.bytes()) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

Secret join_secret_from_hex(const std::string& hex) {
  if (hex.size() != 2 * kJoinSecretSize) {
    throw std::invalid_argument("the join secret must be " + std::to_string(2 * kJoinSecretSize) +
                                " hex digits, not " + std::to_string(hex.size()));
  }
  Secret secret;
  const MutableBytes out = secret.writable(kJoinSecretSize);
  for (std::size_t i = 0; i < kJoinSecretSize; ++i) {
    const int high = hex_digit(hex[2 * i]);
    const int low = hex_digit(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      secret.wipe();
      throw std::invalid_argument("the join secret holds a character that is not a hex digit");
    }
    out[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return secret;
}

JoinProof join_proof(const Secret& secret, Bytes channel_binding) {
  if (secret.size() != kJoinSecretSize) {
    throw std::invalid_argument("join proof: the secret must be " +
                                std::to_string(kJoinSecretSize) + " bytes");
  }
  if (channel_binding.size() != kChannelBindingSize) {
    throw std::invalid_argument("join proof: the channel binding must be " +
                                std::to_string(kChannelBindingSize) + " bytes");
  }
  // One-shot EVP_Q_mac, not the units' cached MAC: this runs in the apps, which must not
  // link any of the agents' cipher code (tests/agent/check_agent_symbols.sh).
  std::array<std::uint8_t, kLabel.size() + kChannelBindingSize> message{};
  std::copy(kLabel.begin(), kLabel.end(), message.begin());
  std::copy(channel_binding.begin(), channel_binding.end(), message.begin() + kLabel.size());
  JoinProof proof{};
  std::size_t length = 0;
  const bool ok =
      EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.bytes().data(), secret.size(),
                message.data(), message.size(), proof.data(), proof.size(), &length) != nullptr &&
      length == proof.size();
  if (!ok) throw std::runtime_error("join proof: HMAC-SHA256 failed in OpenSSL");
  return proof;
}

bool join_proof_matches(const Secret& secret, Bytes channel_binding, Bytes proof) {
  if (proof.size() != kJoinProofSize) return false;
  const JoinProof expected = join_proof(secret, channel_binding);
  return CRYPTO_memcmp(expected.data(), proof.data(), kJoinProofSize) == 0;
}

}  // namespace agentcast::crypto
