// The unit list of a session, apart from the units themselves: hosts that only carry a
// list in their control messages link this file and no cipher code.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "agentcast/crypto/epoch_keys.h"

namespace agentcast::crypto {

UnitSet UnitSet::standard(bool insecure_reference) {
  UnitSet set;
  auto modern = modern_units();
  set.units.assign(modern.begin(), modern.end());
  if (insecure_reference) {
    auto reference = reference_units();
    set.units.insert(set.units.end(), reference.begin(), reference.end());
    set.reference_policy = ReferenceUnits::kAllowInsecure;
  }
  return set;
}

void UnitSet::validate() const {
  if (units.empty()) throw std::invalid_argument("the unit list is empty");
  if (units.size() > 255) throw std::invalid_argument("more than 255 cipher units");
  for (std::size_t i = 0; i < units.size(); ++i) {
    const auto raw = static_cast<unsigned>(units[i]);
    if (unit_name(units[i]).empty()) {
      throw std::invalid_argument("unknown cipher unit id " + std::to_string(raw));
    }
    if (is_reference_unit(units[i]) && reference_policy != ReferenceUnits::kAllowInsecure) {
      throw std::invalid_argument(std::string("cipher unit ") + std::string(unit_name(units[i])) +
                                  " is an insecure reference unit and was not explicitly enabled "
                                  "(--insecure-reference-units)");
    }
    if (std::find(units.begin() + static_cast<std::ptrdiff_t>(i) + 1, units.end(), units[i]) !=
        units.end()) {
      throw std::invalid_argument(std::string("cipher unit ") + std::string(unit_name(units[i])) +
                                  " is listed twice");
    }
  }
}

}  // namespace agentcast::crypto
