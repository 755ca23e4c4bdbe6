#include "agentcast/crypto/epoch_keys.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace agentcast::crypto {

std::unique_ptr<EpochKeys> EpochKeys::derive(const Secret& epoch_seed, const StreamLabel& label,
                                             std::uint32_t epoch, const UnitSet& units,
                                             Schedule schedule) {
  std::unique_ptr<EpochKeys> keys(new EpochKeys(epoch));
  if (schedule == Schedule::kEpoch) {
    Secret selection_key;
    if (!derive_selection_key(epoch_seed, label, epoch, selection_key)) return nullptr;
    keys->schedule_.emplace(selection_key, static_cast<std::uint32_t>(units.units.size()));
  }
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
  if (!schedule_) return {};
  auto index = schedule_->unit_index(sequence);
  if (!index) return {};
  return {units_[*index].get(), *index};
}

}  // namespace agentcast::crypto
