// What a user sees when things go wrong: a clear message naming the problem and an exit
// status a script can tell apart, never a crash or a hang.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "agentcast/crypto/identity.h"
#include "agentcast/crypto/join_proof.h"
#include "agentcast/net/call_code.h"
#include "support/process.h"

namespace agentcast::test {
namespace {

using namespace std::chrono_literals;

class CommandLine : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(AGENTCAST_TEST_OUTPUT_DIR) / "e2e-command-line";
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  // Runs agentcast with `args`; returns its exit status and leaves stderr in `err`.
  int run(std::vector<std::string> args, std::string& err, std::chrono::seconds limit = 60s) {
    args.insert(args.begin(), AGENTCAST_BINARY);
    const std::string err_path = (dir_ / "stderr.txt").string();
    ChildProcess process(args, (dir_ / "stdout.txt").string(), err_path);
    const auto status = process.wait_for(limit);
    err = read_file(err_path);
    return status.value_or(-1);
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(CommandLine, MissingCameraIsNamedAndExitsWithStatus3) {
  std::string err;
  EXPECT_EQ(
      run({"send", "--video", "camera:57", "--audio", "none", "--identity", path("id.pem")}, err),
      3);
  EXPECT_NE(err.find("camera 57"), std::string::npos) << err;
  EXPECT_NE(err.find("/dev/video57"), std::string::npos) << err;
}

TEST_F(CommandLine, WrongFingerprintIsRefusedNamingBoth) {
  ChildProcess sender({AGENTCAST_BINARY, "send", "--listen", "127.0.0.1:0", "--duration", "30",
                       "--identity", path("id.pem"), "--call-code-file", path("code.txt")},
                      path("send.out"), path("send.err"));
  ASSERT_TRUE(
      wait_until([&] { return read_file(path("code.txt")).find('\n') != std::string::npos; }, 30s))
      << read_file(path("send.err"));
  std::string code_text = read_file(path("code.txt"));
  code_text.pop_back();
  struct stat code_file {};
  ASSERT_EQ(::stat(path("code.txt").c_str(), &code_file), 0);
  EXPECT_EQ(code_file.st_mode & 0777, 0600U) << "the code holds the join secret";
  net::CallCode code = net::CallCode::parse(code_text);
  const crypto::Fingerprint real = code.fingerprint;
  code.fingerprint = crypto::Identity::generate().fingerprint();
  std::string err;
  EXPECT_EQ(run({"view", code.to_string(), "--headless", "--audio-out", "none"}, err), 6);
  EXPECT_NE(err.find(crypto::to_hex(real)), std::string::npos) << err;
  EXPECT_NE(err.find(crypto::to_hex(code.fingerprint)), std::string::npos) << err;
  sender.signal(SIGTERM);
  EXPECT_EQ(sender.wait_for(30s), 0) << "the sender shuts down cleanly on SIGTERM";
}

TEST_F(CommandLine, NobodyListeningEndsWithStatus5AfterRetrying) {
  net::CallCode code{"127.0.0.1", 9, crypto::Identity::generate().fingerprint(),
                     crypto::random_join_secret()};
  std::string err;
  EXPECT_EQ(run({"view", code.to_string(), "--headless", "--connect-timeout", "1"}, err), 5);
  EXPECT_NE(err.find("127.0.0.1:9"), std::string::npos) << err;
}

TEST_F(CommandLine, MalformedCallCodeIsExplained) {
  std::string err;
  EXPECT_EQ(run({"view", "agentcast://nowhere/#fp=12"}, err), 2);
  EXPECT_NE(err.find("not a call code"), std::string::npos) << err;
}

}  // namespace
}  // namespace agentcast::test
