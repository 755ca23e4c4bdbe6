#include "openssl_util.h"

#include <map>
#include <mutex>
#include <string>

namespace agentcast::crypto::detail {

const EVP_CIPHER* cipher(const char* name) noexcept {
  static std::mutex mutex;
  static std::map<std::string, EVP_CIPHER*>* cache = new std::map<std::string, EVP_CIPHER*>();
  std::lock_guard lock(mutex);
  auto it = cache->find(name);
  if (it != cache->end()) return it->second;
  EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, name, nullptr);
  cache->emplace(name, fetched);
  return fetched;
}

EVP_MAC* hmac() noexcept {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

}  // namespace agentcast::crypto::detail
