#include "agentcast/crypto/secret.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace agentcast::crypto {

Secret::Secret(Bytes bytes) noexcept {
  if (bytes.size() > kMaxSecretSize) std::abort();
  for (std::size_t i = 0; i < bytes.size(); ++i)
    data_[i] = bytes[i];
  size_ = bytes.size();
}

Secret::Secret(const Secret& other) noexcept : Secret(other.bytes()) {}

Secret& Secret::operator=(const Secret& other) noexcept {
  if (this != &other) {
    wipe();
    for (std::size_t i = 0; i < other.size_; ++i)
      data_[i] = other.data_[i];
    size_ = other.size_;
  }
  return *this;
}

Secret::Secret(Secret&& other) noexcept : Secret(other.bytes()) {
  other.wipe();
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    *this = static_cast<const Secret&>(other);
    other.wipe();
  }
  return *this;
}

Secret::~Secret() {
  wipe();
}

Secret Secret::random(std::size_t size) {
  if (size > kMaxSecretSize) throw std::invalid_argument("secret larger than kMaxSecretSize");
  Secret secret;
  if (RAND_bytes(secret.data_.data(), static_cast<int>(size)) != 1) {
    throw std::runtime_error("the OS random number generator (RAND_bytes) failed");
  }
  secret.size_ = size;
  return secret;
}

MutableBytes Secret::writable(std::size_t size) noexcept {
  if (size > kMaxSecretSize) std::abort();
  size_ = size;
  return {data_.data(), size_};
}

void Secret::wipe() noexcept {
  OPENSSL_cleanse(data_.data(), data_.size());
  size_ = 0;
}

bool operator==(const Secret& a, const Secret& b) noexcept {
  return a.size_ == b.size_ && CRYPTO_memcmp(a.data_.data(), b.data_.data(), a.size_) == 0;
}

}  // namespace agentcast::crypto
