// docs/STATS.md stays true: every key that the typed statistics write is documented in
// the table of the command whose file carries it.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "agentcast/call/media_stats.h"
#include "sender_stats.h"
#include "viewer_stats.h"

namespace agentcast::app {
namespace {

// The keys in the first column of the table under `heading` (up to the next heading).
std::set<std::string> documented_keys(const std::string& heading) {
  std::ifstream file(AGENTCAST_SOURCE_DIR "/docs/STATS.md");
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const std::size_t start = doc.find(heading);
  EXPECT_NE(start, std::string::npos) << heading;
  const std::size_t end = doc.find("\n## ", start + heading.size());
  std::istringstream section(doc.substr(start, end - start));
  std::set<std::string> keys;
  static const std::regex key_pattern("`([a-z_0-9]+)`");
  for (std::string line; std::getline(section, line);) {
    if (line.rfind("| `", 0) != 0) continue;
    const std::string first_cell = line.substr(1, line.find('|', 1) - 1);
    for (std::sregex_iterator it(first_cell.begin(), first_cell.end(), key_pattern), last;
         it != last; ++it) {
      keys.insert((*it)[1]);
    }
  }
  return keys;
}

void expect_documented(const QJsonObject& json, const std::set<std::string>& documented,
                       const char* where) {
  for (const QString& key : json.keys())
    EXPECT_TRUE(documented.count(key.toStdString())) << key.toStdString() << " in " << where;
}

TEST(StatsKeys, EveryViewerKeyIsDocumented) {
  const std::set<std::string> documented = documented_keys("## `agentcast view --stats-json`");
  ASSERT_GT(documented.size(), 20u);
  ReceivingFigures received;
  received.current = CurrentUnit{"aes-256-gcm", 3};
  received.last_frame = LastFrameFigures{};
  expect_documented(received.to_json(), documented, "ReceivingFigures");
  expect_documented(ViewerCounters{}.to_json(), documented, "ViewerCounters");
}

TEST(StatsKeys, EverySenderKeyIsDocumented) {
  const std::set<std::string> documented = documented_keys("## `agentcast send --stats-json`");
  ASSERT_GT(documented.size(), 20u);
  SendingFigures sent;
  sent.current = CurrentUnit{"chacha20-poly1305", 1};
  expect_documented(sent.to_json(), documented, "SendingFigures");
  expect_documented(SenderCounters{}.to_json(), documented, "SenderCounters");
}

}  // namespace
}  // namespace agentcast::app
