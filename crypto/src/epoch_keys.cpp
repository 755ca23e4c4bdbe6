#include "agentcast/crypto/epoch_keys.h"

#include <algorithm>
#include <stdexcept>
#include <string>

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

std::unique_ptr<EpochKeys> EpochKeys::derive(const Secret& epoch_seed, const StreamLabel& label,
                                             std::uint32_t epoch, const UnitSet& units) {
  Secret selection_key;
  if (!derive_selection_key(epoch_seed, label, epoch, selection_key)) return nullptr;
  std::unique_ptr<EpochKeys> keys(
      new EpochKeys(epoch, selection_key, static_cast<std::uint32_t>(units.units.size())));
  keys->units_.reserve(units.units.size());
  for (UnitId id : units.units) {
    std::unique_ptr<CipherUnit> unit = make_unit(id, units.reference_policy);
    if (!unit) return nullptr;
    Secret key;
    if (!derive_unit_key(epoch_seed, label, epoch, id, unit->key_size(), key) ||
        unit->set_key(key.bytes()) != UnitStatus::kOk) {
      return nullptr;
    }
    keys->units_.push_back(std::move(unit));
  }
  return keys;
}

EpochKeys::Selection EpochKeys::select(std::uint64_t sequence) noexcept {
  auto index = schedule_.unit_index(sequence);
  if (!index) return {};
  return {units_[*index].get(), *index};
}

}  // namespace agentcast::crypto
