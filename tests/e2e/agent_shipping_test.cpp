// Agents as signed mobile code, end to end (patent Fig. 4A): `agentcast send` ships each
// viewer its agent over the control channel, the viewer verifies, caches and loads it, and
// a viewer that already has the bundle is told to use its cached copy. Every refusal ends
// with the reason on standard error, exit status 6 (1 for a sender that cannot start), and
// nothing loaded or left in the viewer's cache.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace agentcast::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

QJsonObject read_json(const std::string& path) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(read_file(path))).object();
}

// What a loader could have left behind in a cache: bundles and binaries.
std::vector<std::string> loadable_files(const std::string& cache) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(cache, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".so") != std::string::npos || name.find(".bundle") != std::string::npos) {
      found.push_back(name);
    }
  }
  return found;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names)
    text += name + " ";
  return text;
}

class AgentShipping : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        (fs::path(AGENTCAST_TEST_OUTPUT_DIR) / (std::string("e2e-agent-") + info->name())).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (sender_) {
      sender_->signal(SIGTERM);
      sender_->wait_for(30s);
    }
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // Starts `agentcast send` and returns its call code, or "" (with a failure) if it printed
  // none within 30 s.
  std::string start_sender(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {AGENTCAST_BINARY,   "send",
                                     "--listen",         "127.0.0.1:0",
                                     "--duration",       "60",
                                     "--size",           "640x360",
                                     "--identity",       path("identity.pem"),
                                     "--stats-json",     path("sender.json"),
                                     "--call-code-file", path("code.txt"),
                                     "--agent-cache",    path("sender-agents")};
    args.insert(args.end(), extra.begin(), extra.end());
    sender_ = std::make_unique<ChildProcess>(args, path("sender.out"), path("sender.err"));
    if (!wait_until([&] { return read_file(path("code.txt")).find('\n') != std::string::npos; },
                    30s)) {
      ADD_FAILURE() << "the sender printed no call code: " << read_file(path("sender.err"));
      return "";
    }
    std::string code = read_file(path("code.txt"));
    code.pop_back();
    return code;
  }

  // Stops the sender as a user would (SIGTERM); returns its exit status. Its statistics
  // file is final afterwards.
  int stop_sender() {
    sender_->signal(SIGTERM);
    const int status = sender_->wait_for(30s).value_or(-1);
    sender_.reset();
    return status;
  }

  struct Viewed {
    int exit = -1;
    std::string err;
    QJsonObject stats;
  };
  // Runs `agentcast view` to its end (its own --duration, or a refusal).
  Viewed view(const std::string& code, const std::string& name, const std::string& cache,
              const std::vector<std::string>& extra) {
    std::vector<std::string> args = {
        AGENTCAST_BINARY, "view",          code,  "--headless",   "--audio-out",
        "none",           "--agent-cache", cache, "--stats-json", path(name + ".json")};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildProcess viewer(args, path(name + ".out"), path(name + ".err"));
    Viewed viewed;
    viewed.exit = viewer.wait_for(60s).value_or(-1);
    viewed.err = read_file(path(name + ".err"));
    viewed.stats = read_json(path(name + ".json"));
    return viewed;
  }

  // An agent directory: a copy of the real plugin for `real`, and for the other file name
  // 4 KiB of 0x90 (x86 NOPs), which no dynamic loader takes for a library.
  std::string agent_dir_with_fake(const std::string& real, const std::string& fake) {
    const std::string dir = path("agents");
    fs::create_directories(dir);
    fs::copy_file(fs::path(AGENTCAST_TEST_AGENT_DIR) / real, fs::path(dir) / real);
    std::ofstream(dir + "/" + fake, std::ios::binary) << std::string(4096, '\x90');
    return dir;
  }

  std::string dir_;
  std::unique_ptr<ChildProcess> sender_;
};

TEST_F(AgentShipping, SecondViewerLoadsTheAgentFromItsCache) {
  const std::string code = start_sender({"--max-viewers", "2"});
  ASSERT_FALSE(code.empty());
  const std::string cache = path("viewer-agents");
  const Viewed first = view(code, "first", cache, {"--duration", "3"});
  const Viewed second = view(code, "second", cache, {"--duration", "3"});
  ASSERT_EQ(stop_sender(), 0) << read_file(path("sender.err"));
  ASSERT_EQ(first.exit, 0) << first.err;
  ASSERT_EQ(second.exit, 0) << second.err;

  const QJsonObject sender = read_json(path("sender.json"));
  const QJsonObject a = first.stats["agent"].toObject();
  const QJsonObject b = second.stats["agent"].toObject();
  EXPECT_FALSE(a["from_cache"].toBool()) << "the first viewer's cache was empty";
  EXPECT_TRUE(b["from_cache"].toBool()) << "the second viewer had the bundle already";
  EXPECT_EQ(a["kind"].toString(), "full");
  EXPECT_EQ(b["kind"].toString(), "full");
  const QString hash = sender["agent"].toObject()["hash"].toString();
  EXPECT_EQ(a["hash"].toString(), hash) << "the sender's own full agent";
  EXPECT_EQ(b["hash"].toString(), hash);
  EXPECT_EQ(sender["agents_transferred"].toInt(), 1);
  EXPECT_EQ(sender["agents_from_cache"].toInt(), 1);
  EXPECT_GT(first.stats["frames_decoded"].toInt(), 30) << "about three seconds at 30 fps";
  EXPECT_GT(second.stats["frames_decoded"].toInt(), 30) << "about three seconds at 30 fps";
  EXPECT_EQ(first.stats["decrypt_failures"].toInt(), 0);
  EXPECT_EQ(second.stats["decrypt_failures"].toInt(), 0);

  // Stored by content hash, in a private directory.
  struct stat info {};
  ASSERT_EQ(::stat(cache.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700U);
  EXPECT_TRUE(fs::exists(cache + "/" + hash.toStdString() + ".bundle"))
      << joined(loadable_files(cache));

  const double cold = first.stats["time_to_first_frame_ms"].toDouble();
  const double warm = second.stats["time_to_first_frame_ms"].toDouble();
  EXPECT_GT(cold, 0);
  EXPECT_GT(warm, 0);
  RecordProperty("cold_time_to_first_frame_ms", std::to_string(cold));
  RecordProperty("warm_time_to_first_frame_ms", std::to_string(warm));
  RecordProperty("cold_agent_ready_ms", std::to_string(a["ready_ms"].toDouble()));
  RecordProperty("warm_agent_ready_ms", std::to_string(b["ready_ms"].toDouble()));
  std::cout << "time to first frame: cold cache " << cold << " ms (agent ready after "
            << a["ready_ms"].toDouble() << " ms), warm cache " << warm << " ms (agent ready after "
            << b["ready_ms"].toDouble() << " ms)\n";
}

TEST_F(AgentShipping, OversizedAgentIsRefusedBeforeItArrives) {
  const std::string code = start_sender({});
  ASSERT_FALSE(code.empty());
  const std::string cache = path("viewer-agents");
  const Viewed viewed = view(code, "viewer", cache, {"--max-agent-bytes", "10000"});
  EXPECT_EQ(viewed.exit, 6) << viewed.err;
  EXPECT_NE(viewed.err.find("limit"), std::string::npos) << viewed.err;
  EXPECT_NE(viewed.err.find("10000"), std::string::npos) << viewed.err;
  EXPECT_TRUE(loadable_files(cache).empty()) << joined(loadable_files(cache));
  EXPECT_FALSE(viewed.stats.contains("agent")) << "no agent was loaded";
  ASSERT_EQ(stop_sender(), 0);
  const QJsonObject sender = read_json(path("sender.json"));
  EXPECT_EQ(sender["viewers_refused"].toInt(), 1);
  EXPECT_EQ(sender["agents_transferred"].toInt(), 0);
  EXPECT_NE(read_file(path("sender.err")).find("refused viewer"), std::string::npos);
}

TEST_F(AgentShipping, AgentThatDoesNotLoadIsRefusedAndRemoved) {
  const std::string agents =
      agent_dir_with_fake("agentcast-agent-full.so", "agentcast-agent-receive-only.so");
  const std::string code = start_sender({"--agent-dir", agents, "--max-viewers", "2"});
  ASSERT_FALSE(code.empty());
  const std::string cache = path("viewer-agents");
  const Viewed viewed = view(code, "viewer", cache, {"--agent", "receive-only"});
  EXPECT_EQ(viewed.exit, 6) << viewed.err;
  EXPECT_TRUE(viewed.err.find("does not load") != std::string::npos ||
              viewed.err.find("not loadable") != std::string::npos)
      << viewed.err;
  EXPECT_TRUE(loadable_files(cache).empty()) << joined(loadable_files(cache));
  EXPECT_FALSE(viewed.stats.contains("agent")) << "no agent was loaded";

  // The sender is unharmed: a viewer that takes the full agent still watches.
  const Viewed full = view(code, "full", path("full-agents"), {"--duration", "2"});
  EXPECT_EQ(full.exit, 0) << full.err;
  EXPECT_GT(full.stats["frames_decoded"].toInt(), 10);
  ASSERT_EQ(stop_sender(), 0);
  const QJsonObject sender = read_json(path("sender.json"));
  EXPECT_EQ(sender["viewers_refused"].toInt(), 1);
  EXPECT_EQ(sender["agents_transferred"].toInt(), 1) << "only the one that loaded counts";
}

TEST_F(AgentShipping, SenderRefusesToStartWithAResidentAgentThatDoesNotLoad) {
  const std::string agents =
      agent_dir_with_fake("agentcast-agent-receive-only.so", "agentcast-agent-full.so");
  ChildProcess sender(
      {AGENTCAST_BINARY, "send", "--listen", "127.0.0.1:0", "--duration", "10", "--agent-dir",
       agents, "--identity", path("identity.pem"), "--agent-cache", path("sender-agents")},
      path("sender.out"), path("sender.err"));
  const auto status = sender.wait_for(30s);
  ASSERT_TRUE(status) << "it went on running";
  EXPECT_NE(*status, 0);
  const std::string err = read_file(path("sender.err"));
  EXPECT_NE(err.find("the resident agent was refused"), std::string::npos) << err;
  EXPECT_EQ(read_file(path("sender.out")).find("call code"), std::string::npos);
  EXPECT_TRUE(loadable_files(path("sender-agents")).empty())
      << joined(loadable_files(path("sender-agents")));
}

TEST_F(AgentShipping, SenderWithoutItsAgentsNamesTheMissingPlugin) {
  ChildProcess sender(
      {AGENTCAST_BINARY, "send", "--listen", "127.0.0.1:0", "--duration", "10", "--agent-dir",
       "/nonexistent", "--identity", path("identity.pem"), "--agent-cache", path("sender-agents")},
      path("sender.out"), path("sender.err"));
  const auto status = sender.wait_for(30s);
  ASSERT_TRUE(status) << "it went on running";
  EXPECT_NE(*status, 0);
  const std::string err = read_file(path("sender.err"));
  EXPECT_NE(err.find("/nonexistent/agentcast-agent-full.so"), std::string::npos) << err;
  EXPECT_EQ(read_file(path("sender.out")).find("call code"), std::string::npos);
}

}  // namespace
}  // namespace agentcast::test
