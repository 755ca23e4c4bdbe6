// The sender's Ed25519 identity: persistence with private permissions, fingerprints, signatures.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agentcast/crypto/identity.h"
#include "support/hex.h"

namespace agentcast::crypto {
namespace {

std::filesystem::path temp_dir() {
  char pattern[] = "/tmp/agentcast-identity-XXXXXX";
  return std::filesystem::path(mkdtemp(pattern));
}

TEST(Identity, SavesPrivatelyAndLoadsTheSameKey) {
  const auto dir = temp_dir();
  const std::string path = (dir / "identity.pem").string();
  const Identity created = Identity::load_or_create(path);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  const Identity loaded = Identity::load_or_create(path);
  EXPECT_EQ(loaded.public_key(), created.public_key());
  EXPECT_THROW(created.save(path), std::runtime_error) << "overwrote an identity";
  std::filesystem::remove_all(dir);
}

TEST(Identity, RefusesFilesThatAreNotEd25519Keys) {
  const auto dir = temp_dir();
  const std::string path = (dir / "junk.pem").string();
  std::ofstream(path) << "not a key\n";
  try {
    Identity::load(path);
    FAIL() << "loaded junk";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(Identity::load((dir / "missing.pem").string()), std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST(Identity, SignaturesVerifyOnlyForTheSignedMessageAndKey) {
  const Identity a = Identity::generate();
  const Identity b = Identity::generate();
  const auto message = test::bytes_of("manifest");
  const auto signature = a.sign(message);
  EXPECT_EQ(signature.size(), 64U);
  EXPECT_TRUE(verify_signature(a.public_key(), message, signature));
  EXPECT_FALSE(verify_signature(b.public_key(), message, signature));
  auto other = message;
  other[0] ^= 1;
  EXPECT_FALSE(verify_signature(a.public_key(), other, signature));
  auto bad = signature;
  bad[10] ^= 1;
  EXPECT_FALSE(verify_signature(a.public_key(), message, bad));
}

TEST(Fingerprint, HexRoundTripAndReadableForm) {
  const Identity a = Identity::generate();
  const Fingerprint fp = a.fingerprint();
  EXPECT_EQ(fingerprint_from_hex(to_hex(fp)), fp);
  EXPECT_EQ(to_hex(fp).size(), 64U);
  EXPECT_THROW(fingerprint_from_hex("abc"), std::invalid_argument);
  EXPECT_THROW(fingerprint_from_hex(std::string(64, 'g')), std::invalid_argument);
  const std::string readable = readable_fingerprint(fp);
  EXPECT_EQ(readable.size(), 16U * 4 + 15);  // 16 groups, separated by spaces or newlines
  EXPECT_NE(readable_fingerprint(Identity::generate().fingerprint()), readable);
}

}  // namespace
}  // namespace agentcast::crypto
