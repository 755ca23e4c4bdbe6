#include "agentcast/crypto/identity.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace agentcast::crypto {
namespace {

struct FileClose {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

}  // namespace

Fingerprint fingerprint_of(const PublicKey& key) {
  Fingerprint fp{};
  unsigned int length = 0;
  if (EVP_Digest(key.data(), key.size(), fp.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return fp;
}

std::string to_hex(const Fingerprint& fingerprint) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : fingerprint) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

Fingerprint fingerprint_from_hex(const std::string& hex) {
  if (hex.size() != 2 * kFingerprintSize) {
    throw std::invalid_argument("a fingerprint is 64 hex digits, not " +
                                std::to_string(hex.size()) + " characters");
  }
  Fingerprint fp{};
  for (std::size_t i = 0; i < fp.size(); ++i) {
    auto nibble = [&](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      throw std::invalid_argument(std::string("'") + c + "' is not a hex digit");
    };
    fp[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return fp;
}

std::string readable_fingerprint(const Fingerprint& fingerprint) {
  // Each pair of bytes becomes a group of 4 decimal digits (value mod 10000): 16 groups,
  // easy to compare aloud; the groups cover all 32 bytes.
  std::string out;
  for (std::size_t i = 0; i < fingerprint.size(); i += 2) {
    const unsigned value = (unsigned{fingerprint[i]} << 8 | fingerprint[i + 1]) % 10000;
    char group[8];
    std::snprintf(group, sizeof group, "%04u", value);
    if (!out.empty()) out += i % 8 == 0 ? "\n" : " ";
    out += group;
  }
  return out;
}

Identity Identity::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) throw std::runtime_error("cannot generate an Ed25519 key");
  return Identity(key);
}

Identity Identity::load(const std::string& path) {
  std::unique_ptr<std::FILE, FileClose> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw std::runtime_error("cannot read identity " + path + ": " + strerror(errno));
  EVP_PKEY* key = PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr);
  if (key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    throw std::runtime_error("identity " + path + " is not an Ed25519 private key in PEM");
  }
  return Identity(key);
}

Identity Identity::load_or_create(const std::string& path) {
  if (::access(path.c_str(), F_OK) == 0) return load(path);
  Identity identity = generate();
  identity.save(path);
  return identity;
}

void Identity::save(const std::string& path) const {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create identity " + path + ": " + strerror(errno));
  std::unique_ptr<std::FILE, FileClose> file(::fdopen(fd, "wb"));
  if (!file) {
    ::close(fd);
    throw std::runtime_error("cannot write identity " + path);
  }
  if (PEM_write_PrivateKey(file.get(), key_, nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      std::fflush(file.get()) != 0) {
    throw std::runtime_error("cannot write identity " + path);
  }
}

Identity::Identity(Identity&& other) noexcept : key_(other.key_) {
  other.key_ = nullptr;
}

Identity& Identity::operator=(Identity&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = other.key_;
    other.key_ = nullptr;
  }
  return *this;
}

Identity::~Identity() {
  EVP_PKEY_free(key_);
}

PublicKey Identity::public_key() const {
  PublicKey key{};
  std::size_t length = key.size();
  if (EVP_PKEY_get_raw_public_key(key_, key.data(), &length) != 1 || length != key.size()) {
    throw std::runtime_error("cannot read the Ed25519 public key");
  }
  return key;
}

std::vector<std::uint8_t> Identity::sign(Bytes message) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::vector<std::uint8_t> signature(64);
  std::size_t length = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()) != 1) {
    throw std::runtime_error("Ed25519 signing failed");
  }
  signature.resize(length);
  return signature;
}

bool verify_signature(const PublicKey& key, Bytes message, Bytes signature) noexcept {
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return pkey && ctx &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

}  // namespace agentcast::crypto
