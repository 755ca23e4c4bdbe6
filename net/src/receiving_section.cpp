#include "agentcast/net/receiving_section.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>

namespace agentcast::net {

ReceivingSection::ReceivingSection(const SectionConfig& config, crypto::Secret initial_seed)
    : config_(config), current_epoch_(config.first_epoch), oldest_epoch_(config.first_epoch) {
  config_.validate();
  if (config_.first_sequence > crypto::kMaxSequence) {
    throw std::invalid_argument("first sequence number exceeds 48 bits");
  }
  HeldEpoch& first = epochs_[current_epoch_];
  first.keys = crypto::EpochKeys::derive(initial_seed, config_.label, current_epoch_, config_.units,
                                         epoch_schedule());
  if (!first.keys)
    throw std::runtime_error("cannot derive the first epoch's keys (OpenSSL failure)");
  if (config_.seed_mode == SeedMode::kSynchronized) {
    chain_.emplace(std::move(initial_seed), current_epoch_);
  }
  if (config_.select_mode == SelectMode::kInstructed) {
    instructed_ = std::make_unique<InstructedBlocks>();
  }
  if (config_.origin_tagged) {
    if (!config_.origin_key) throw std::invalid_argument("an origin-tagged stream needs its key");
    origin_.emplace(*config_.origin_key);
    config_.origin_key.reset();  // wiped: the tag context holds what it needs
    if (!origin_->keyed()) throw std::runtime_error("cannot key the origin tag (OpenSSL failure)");
  }
}

// The receiver of instructed selection never computes a schedule: its epoch keys hold
// the units only.
crypto::EpochKeys::Schedule ReceivingSection::epoch_schedule() const noexcept {
  return config_.select_mode == SelectMode::kSynchronized ? crypto::EpochKeys::Schedule::kEpoch
                                                          : crypto::EpochKeys::Schedule::kNone;
}

bool ReceivingSection::provide_seed(std::uint32_t epoch, const crypto::Secret& seed) noexcept {
  if (config_.seed_mode != SeedMode::kDistributed || seed.size() != crypto::kSeedSize) {
    return false;
  }
  if (epoch > std::uint64_t{current_epoch_} + kFutureEpochs || epoch < oldest_epoch_) return false;
  const auto [held, inserted] = epochs_.try_emplace(epoch);
  if (inserted) held->second.seed = seed;
  if (missing_seed_ == epoch) missing_seed_.reset();
  return true;
}

bool ReceivingSection::rekey(std::uint32_t epoch, const crypto::Secret& seed) noexcept {
  if (seed.size() != crypto::kSeedSize || epoch < oldest_epoch_ ||
      epoch > std::uint64_t{current_epoch_} + kFutureEpochs) {
    return false;
  }
  if (chain_) {
    // The epochs before the re-key still come from the old chain: a receiver that trails
    // the sender derives them now, before the chain is re-rooted (at most kFutureEpochs).
    while (chain_->epoch() + std::uint64_t{1} < epoch) {
      if (!chain_->advance()) return false;
      epochs_[chain_->epoch()].seed = chain_->seed();
    }
  }
  // Their keys and seeds are wiped as they are freed. Synchronized: every later epoch came
  // from the old chain. Distributed: a later epoch's seed can only have been drawn after
  // the re-key (the re-key replaces the sender's next seed), so it stays.
  if (chain_) {
    epochs_.erase(epochs_.lower_bound(epoch), epochs_.end());
  } else {
    epochs_.erase(epoch);
  }
  HeldEpoch& held = epochs_[epoch];
  held.seed = seed;
  if (chain_) chain_.emplace(seed, epoch);
  if (epoch <= current_epoch_) {
    // No seed of the current epoch or the past stays in memory: its keys now.
    current_epoch_ = epoch;
    if (!derive_keys(epoch, held)) epochs_.erase(epoch);
  }
  if (missing_seed_ && *missing_seed_ >= epoch) missing_seed_.reset();
  ++stats_.rekeys;
  return true;
}

std::optional<std::uint32_t> ReceivingSection::missing_seed() const noexcept {
  if (!missing_seed_ || *missing_seed_ > std::uint64_t{current_epoch_} + kFutureEpochs ||
      *missing_seed_ < oldest_epoch_) {
    return std::nullopt;
  }
  return missing_seed_;
}

bool ReceivingSection::provide_instructions(std::uint64_t block,
                                            std::span<const crypto::UnitRun> runs) noexcept {
  constexpr std::uint64_t kBlockSize = crypto::kScheduleBlockPackets;
  if (!instructed_ || runs.empty() || block > crypto::kMaxSequence / kBlockSize) return false;
  const auto unit_count = static_cast<std::uint32_t>(config_.units.units.size());
  std::uint64_t covered = 0;
  for (const crypto::UnitRun& run : runs) {
    if (run.unit_index >= unit_count || run.length < crypto::kMinRunLength ||
        run.length > crypto::kMaxRunLength) {
      return false;
    }
    covered += run.length;
    if (covered > kBlockSize) return false;  // also keeps the sum from overflowing
  }
  if (covered != kBlockSize) return false;
  // Every packet of a block wholly behind the window would be refused as too old.
  const std::uint64_t last = block * kBlockSize + (kBlockSize - 1);
  if (!window_.empty() && window_.highest() > last &&
      window_.highest() - last >= ReplayWindow::kSize) {
    return false;
  }

  auto unpacked_equal = [&](const InstructedBlock& held) {
    std::size_t offset = 0;
    for (const crypto::UnitRun& run : runs) {
      for (std::uint32_t i = 0; i < run.length; ++i) {
        if (held.units[offset++] != run.unit_index) return false;
      }
    }
    return true;
  };
  InstructedBlock* free_slot = nullptr;
  InstructedBlock* lowest = nullptr;
  for (InstructedBlock& slot : *instructed_) {
    if (!slot.held) {
      if (free_slot == nullptr) free_slot = &slot;
    } else if (slot.index == block) {
      // A second, different set of runs for a block is refused rather than obeyed: the
      // first may already have opened packets, and either way the ends would disagree.
      return unpacked_equal(slot);
    } else if (lowest == nullptr || slot.index < lowest->index) {
      lowest = &slot;
    }
  }
  InstructedBlock* slot = free_slot;
  if (slot == nullptr) {
    if (block < lowest->index) return false;  // it would be the one evicted
    slot = lowest;
  }
  std::size_t offset = 0;
  for (const crypto::UnitRun& run : runs) {
    std::fill_n(slot->units.begin() + static_cast<std::ptrdiff_t>(offset), run.length,
                static_cast<std::uint8_t>(run.unit_index));
    offset += run.length;
  }
  slot->index = block;
  slot->held = true;
  return true;
}

const ReceivingSection::InstructedBlock* ReceivingSection::instructed_block(
    std::uint64_t block) const noexcept {
  for (const InstructedBlock& slot : *instructed_) {
    if (slot.held && slot.index == block) return &slot;
  }
  return nullptr;
}

std::optional<std::uint64_t> ReceivingSection::highest_sequence() const noexcept {
  if (window_.empty()) return std::nullopt;
  return window_.highest();
}

crypto::EpochKeys* ReceivingSection::keys_for(std::uint32_t epoch, OpenStatus& status) noexcept {
  if (epoch < oldest_epoch_) {
    status = OpenStatus::kStaleEpoch;
    return nullptr;
  }
  if (epoch > std::uint64_t{current_epoch_} + kFutureEpochs) {
    status = OpenStatus::kUnknownEpoch;
    return nullptr;
  }
  auto held = epochs_.find(epoch);
  if (held == epochs_.end() && chain_ && epoch > chain_->epoch()) {
    // Derive ahead by trial: the seeds are this end's own chain, not anything the packet
    // says, so they are kept whether or not its tag verifies below.
    while (chain_->epoch() < epoch) {
      if (!chain_->advance()) {
        status = OpenStatus::kCipherFailure;
        return nullptr;
      }
      epochs_[chain_->epoch()].seed = chain_->seed();
    }
    held = epochs_.find(epoch);
  }
  if (held == epochs_.end()) {
    // Synchronized: a past epoch already dropped. Distributed: a seed not (yet) here.
    if (config_.seed_mode == SeedMode::kDistributed) {
      if (!missing_seed_ || epoch > *missing_seed_) missing_seed_ = epoch;
      status = OpenStatus::kUnknownEpoch;
    } else {
      status = OpenStatus::kStaleEpoch;
    }
    return nullptr;
  }
  if (!held->second.keys && !derive_keys(epoch, held->second)) {
    status = OpenStatus::kCipherFailure;
    return nullptr;
  }
  return held->second.keys.get();
}

bool ReceivingSection::derive_keys(std::uint32_t epoch, HeldEpoch& held) noexcept {
  if (!held.seed) return false;
  held.keys =
      crypto::EpochKeys::derive(*held.seed, config_.label, epoch, config_.units, epoch_schedule());
  if (!held.keys) return false;
  held.seed.reset();  // the keys are all that is needed; the seed is wiped
  return true;
}

// Called once a packet of a later epoch authenticated: the sender has moved on. Epochs
// now behind whose seeds are still held get their keys, so that no seed of the past stays
// in memory (in synchronized mode a seed would also open every epoch after it).
void ReceivingSection::move_to_epoch(std::uint32_t epoch) noexcept {
  stats_.epochs += epoch - current_epoch_;
  current_epoch_ = epoch;
  if (current_epoch_ - oldest_epoch_ > kMaxPastEpochs) {
    drop_epochs_below(current_epoch_ - kMaxPastEpochs);
  }
  for (auto& [held_epoch, held] : epochs_) {
    if (held_epoch > epoch) break;
    // A failure leaves the seed; its packets are then refused as a cipher failure.
    if (!held.keys) derive_keys(held_epoch, held);
  }
  if (missing_seed_ && *missing_seed_ <= epoch) missing_seed_.reset();
}

// An epoch is done with once a later epoch's first packet seen has fallen behind the
// replay window: every packet of the epoch is numbered below it, so would be too old.
// Sequence numbers rise with epochs, so the epochs to keep start at the newest one whose
// lowest accepted packet is behind the window.
void ReceivingSection::drop_epochs_behind_window() noexcept {
  if (window_.highest() < ReplayWindow::kSize) return;
  const std::uint64_t too_old_below = window_.highest() - ReplayWindow::kSize + 1;
  std::optional<std::uint32_t> keep_from;
  for (const auto& [epoch, held] : epochs_) {
    if (epoch > current_epoch_) break;
    if (!held.lowest_accepted) continue;
    if (*held.lowest_accepted > too_old_below) break;
    keep_from = epoch;
  }
  if (keep_from && *keep_from > oldest_epoch_) drop_epochs_below(*keep_from);
}

void ReceivingSection::drop_epochs_below(std::uint32_t epoch) noexcept {
  // Their keys are wiped as they are freed.
  epochs_.erase(epochs_.begin(), epochs_.lower_bound(epoch));
  oldest_epoch_ = epoch;
}

OpenResult ReceivingSection::finish(OpenResult result) noexcept {
  ++stats_.by_status[static_cast<std::size_t>(result.status)];
  return result;
}

OpenResult ReceivingSection::open(Bytes packet, MutableBytes out) noexcept {
  OpenResult result;
  if (packet.size() > config_.mtu) return finish({OpenStatus::kOversized, {}, 0});
  switch (parse_header(packet, result.header)) {
    case HeaderStatus::kOk:
      break;
    case HeaderStatus::kTruncated:
      return finish({OpenStatus::kTruncated, {}, 0});
    case HeaderStatus::kBadVersion:
      return finish({OpenStatus::kBadVersion, {}, 0});
    case HeaderStatus::kBadFlags:
      return finish({OpenStatus::kBadFlags, {}, 0});
  }
  const PacketHeader& header = result.header;
  auto reject = [&](OpenStatus status) { return finish({status, header, 0}); };
  if (packet.size() < config_.overhead()) return reject(OpenStatus::kTruncated);
  if (header.stream_id != config_.label.stream_id || header.kind != config_.kind) {
    return reject(OpenStatus::kWrongStream);
  }
  if (header.origin_tagged != config_.origin_tagged) {
    return reject(config_.origin_tagged ? OpenStatus::kWrongOrigin : OpenStatus::kBadFlags);
  }
  if (origin_) {
    // First, and for every packet: a member of the group holds the keys below, only the
    // sender holds this one.
    const std::size_t tagged_size = packet.size() - crypto::kOriginTagSize;
    if (!origin_->verify(packet.first(tagged_size), packet.subspan(tagged_size))) {
      return reject(OpenStatus::kWrongOrigin);
    }
    packet = packet.first(tagged_size);
  }
  const std::size_t plain_size = packet.size() - kPacketOverhead;
  if (out.size() < plain_size) return reject(OpenStatus::kBufferTooSmall);

  // Cheap checks before any cryptography.
  if (header.sequence < config_.first_sequence) return reject(OpenStatus::kBeforeStart);
  const std::uint64_t newest = window_.empty() ? config_.first_sequence : window_.highest();
  if (header.sequence > newest && header.sequence - newest > kMaxForwardJump) {
    return reject(OpenStatus::kTooFarAhead);
  }
  switch (window_.check(header.sequence)) {
    case ReplayWindow::Verdict::kFresh:
      break;
    case ReplayWindow::Verdict::kDuplicate:
      return reject(OpenStatus::kReplay);
    case ReplayWindow::Verdict::kTooOld:
      return reject(OpenStatus::kTooOld);
  }
  OpenStatus epoch_status = OpenStatus::kOk;
  crypto::EpochKeys* keys = keys_for(header.epoch, epoch_status);
  if (keys == nullptr) return reject(epoch_status);

  crypto::EpochKeys::Selection selected;
  if (instructed_) {
    const InstructedBlock* block =
        instructed_block(header.sequence / crypto::kScheduleBlockPackets);
    if (block == nullptr) return reject(OpenStatus::kNoInstruction);
    selected = keys->unit(block->units[header.sequence % crypto::kScheduleBlockPackets]);
  } else {
    selected = keys->select(header.sequence);
  }
  if (selected.unit == nullptr) return reject(OpenStatus::kCipherFailure);
  const crypto::Nonce nonce = crypto::nonce_for_sequence(header.sequence);
  const crypto::UnitStatus opened = selected.unit->open(
      nonce, packet.first(kHeaderSize), packet.subspan(kHeaderSize), out.first(plain_size));
  if (opened == crypto::UnitStatus::kAuthFailed) return reject(OpenStatus::kForged);
  if (opened != crypto::UnitStatus::kOk) return reject(OpenStatus::kCipherFailure);

  // Authentic from here on: only now may the packet move any state.
  const bool is_newest = window_.empty() || header.sequence > window_.highest();
  if (!is_newest) ++stats_.packets_reordered;
  window_.commit(header.sequence);
  if (is_newest) {
    if (unit_at_highest_ && *unit_at_highest_ != selected.index) ++stats_.unit_switches;
    unit_at_highest_ = selected.index;
    stats_.current_unit = static_cast<std::int32_t>(selected.index);
  }
  if (header.epoch > current_epoch_) move_to_epoch(header.epoch);
  if (HeldEpoch& held = epochs_[header.epoch];
      !held.lowest_accepted || header.sequence < *held.lowest_accepted) {
    held.lowest_accepted = header.sequence;
  }
  drop_epochs_behind_window();
  result.size = plain_size;
  return finish(result);
}

}  // namespace agentcast::net
