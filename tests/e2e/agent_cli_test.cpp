// `agentcast keygen` and `agentcast agent pack|inspect|verify`, run as a user would: the
// refusals of security rule 7 reach the user as exit status 6 and a reason.

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agentcast/crypto/identity.h"
#include "support/process.h"

namespace agentcast::test {
namespace {

using namespace std::chrono_literals;

class AgentCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(AGENTCAST_TEST_OUTPUT_DIR) / "e2e-agent-cli";
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  // Runs agentcast with `args`; returns its exit status with stdout in `out`, stderr in `err`.
  int run(std::vector<std::string> args, std::string& out, std::string& err) {
    args.insert(args.begin(), AGENTCAST_BINARY);
    ChildProcess process(args, path("stdout.txt"), path("stderr.txt"));
    const auto status = process.wait_for(60s);
    out = read_file(path("stdout.txt"));
    err = read_file(path("stderr.txt"));
    return status.value_or(-1);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }

  // keygen + pack; returns the signer's fingerprint (hex).
  std::string pack(const char* bundle) {
    std::ofstream(path("agent.so"), std::ios::binary) << std::string(4096, '\x7f') << "agent";
    std::string out, err;
    EXPECT_EQ(run({"keygen", "--out", path("id.pem")}, out, err), 0) << err;
    const std::string fp = crypto::to_hex(crypto::Identity::load(path("id.pem")).fingerprint());
    EXPECT_NE(out.find(fp), std::string::npos) << out;
    EXPECT_EQ(run({"agent", "pack", "--binary", path("agent.so"), "--out", path(bundle),
                   "--identity", path("id.pem"), "--name", "test-agent", "--kind", "receive-only"},
                  out, err),
              0)
        << err;
    return fp;
  }
  std::filesystem::path dir_;
};

TEST_F(AgentCli, KeygenCreatesAPrivateFileAndNeverOverwrites) {
  std::string out, err;
  ASSERT_EQ(run({"keygen", "--out", path("id.pem")}, out, err), 0) << err;
  struct stat info {};
  ASSERT_EQ(::stat(path("id.pem").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string fp = crypto::to_hex(crypto::Identity::load(path("id.pem")).fingerprint());
  EXPECT_NE(out.find(fp), std::string::npos) << out;
  const std::string before = read_file(path("id.pem"));

  EXPECT_EQ(run({"keygen", "--out", path("id.pem")}, out, err), 1);
  EXPECT_NE(err.find("already exists"), std::string::npos) << err;
  EXPECT_EQ(read_file(path("id.pem")), before);
}

TEST_F(AgentCli, PackInspectVerify) {
  const std::string fp = pack("agent.bundle");
  std::string out, err;
  ASSERT_EQ(run({"agent", "inspect", path("agent.bundle")}, out, err), 0) << err;
  EXPECT_NE(out.find("test-agent"), std::string::npos) << out;
  EXPECT_NE(out.find("receive-only"), std::string::npos) << out;
  EXPECT_NE(out.find(fp), std::string::npos) << out;
  EXPECT_NE(out.find("content hash"), std::string::npos) << out;
  EXPECT_NE(out.find("not verified"), std::string::npos) << out;

  EXPECT_EQ(run({"agent", "verify", path("agent.bundle"), "--signer", fp}, out, err), 0) << err;
  EXPECT_NE(out.find("verified"), std::string::npos) << out;
}

TEST_F(AgentCli, WrongSignerIsRefusedWithStatus6) {
  const std::string fp = pack("agent.bundle");
  const std::string other = crypto::to_hex(crypto::Identity::generate().fingerprint());
  std::string out, err;
  EXPECT_EQ(run({"agent", "verify", path("agent.bundle"), "--signer", other}, out, err), 6);
  EXPECT_NE(err.find("unknown signer"), std::string::npos) << err;
  EXPECT_NE(err.find(fp), std::string::npos) << err;
  EXPECT_NE(err.find(other), std::string::npos) << err;
  EXPECT_EQ(out.find("verified"), std::string::npos) << out;
}

TEST_F(AgentCli, TamperedBinaryIsRefusedWithStatus6) {
  const std::string fp = pack("agent.bundle");
  std::string bytes = read_file(path("agent.bundle"));
  bytes[bytes.size() - 2] ^= 0x01;  // inside the binary
  std::ofstream(path("agent.bundle"), std::ios::binary | std::ios::trunc) << bytes;
  std::string out, err;
  EXPECT_EQ(run({"agent", "verify", path("agent.bundle"), "--signer", fp}, out, err), 6);
  EXPECT_NE(err.find("binary"), std::string::npos) << err;
}

TEST_F(AgentCli, OversizedAndTruncatedBundlesAreRefused) {
  const std::string fp = pack("agent.bundle");
  std::string out, err;
  EXPECT_EQ(run({"agent", "verify", path("agent.bundle"), "--signer", fp, "--max-size", "1000"},
                out, err),
            6);
  EXPECT_NE(err.find("limit of 1000"), std::string::npos) << err;
  std::filesystem::resize_file(path("agent.bundle"), 200);
  EXPECT_EQ(run({"agent", "inspect", path("agent.bundle")}, out, err), 6);
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
}

TEST_F(AgentCli, BadUsageIsStatus2) {
  std::string out, err;
  EXPECT_EQ(run({"agent", "verify", path("missing.bundle")}, out, err), 2);
  EXPECT_NE(err.find("--signer"), std::string::npos) << err;
  EXPECT_EQ(run({"agent", "verify", path("x"), "--signer", "12"}, out, err), 2);
  EXPECT_EQ(run({"agent", "frobnicate"}, out, err), 2);
  EXPECT_EQ(run({"agent", "inspect", path("missing.bundle")}, out, err), 1);
}

}  // namespace
}  // namespace agentcast::test
