#pragma once
// A small command line reader: `--name value` and `--flag` options after a subcommand.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace agentcast::app {

class Options {
 public:
  Options() = default;  // nothing given
  // Throws std::invalid_argument for an option not in `valued` or `flags`, or a missing value.
  Options(const std::vector<std::string>& args, const std::set<std::string>& valued,
          const std::set<std::string>& flags);

  bool flag(const std::string& name) const { return flags_.count(name) != 0; }
  std::optional<std::string> value(const std::string& name) const;
  // The option parsed as a number in [min, max], or `fallback` when absent; throws
  // std::invalid_argument naming the option otherwise.
  std::uint64_t number(const std::string& name, std::uint64_t fallback, std::uint64_t min,
                       std::uint64_t max) const;
  // A percentage option as a fraction ("20" is 0.2); `fallback` is in percent too.
  double percent(const std::string& name, double fallback) const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
};

}  // namespace agentcast::app
