#include "options.h"

#include <charconv>
#include <stdexcept>

namespace agentcast::app {

Options::Options(const std::vector<std::string>& args, const std::set<std::string>& valued,
                 const std::set<std::string>& flags) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags.count(arg)) {
      flags_.insert(arg);
    } else if (valued.count(arg)) {
      if (i + 1 >= args.size()) throw std::invalid_argument(arg + " needs a value");
      values_[arg] = args[++i];
    } else {
      throw std::invalid_argument("unknown option " + arg);
    }
  }
}

std::optional<std::string> Options::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t Options::number(const std::string& name, std::uint64_t fallback, std::uint64_t min,
                              std::uint64_t max) const {
  auto text = value(name);
  if (!text) return fallback;
  std::uint64_t v = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (error != std::errc() || end != text->data() + text->size() || v < min || v > max) {
    throw std::invalid_argument(name + " must be a whole number from " + std::to_string(min) +
                                " to " + std::to_string(max) + ", not '" + *text + "'");
  }
  return v;
}

double Options::percent(const std::string& name, double fallback) const {
  auto text = value(name);
  if (!text) return fallback / 100.0;
  std::size_t used = 0;
  double v = -1;
  try {
    v = std::stod(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text->size() || !(v >= 0.0 && v <= 100.0)) {
    throw std::invalid_argument(name + " must be a percentage from 0 to 100, not '" + *text + "'");
  }
  return v / 100.0;
}

}  // namespace agentcast::app
