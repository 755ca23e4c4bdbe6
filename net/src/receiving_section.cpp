#include "agentcast/net/receiving_section.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <stdexcept>

namespace agentcast::net {

ReceivingSection::ReceivingSection(const SectionConfig& config, crypto::Secret initial_seed)
    : config_(config) {
  config_.validate();
  current_ = crypto::EpochKeys::derive(initial_seed, config_.label, config_.first_epoch,
                                       config_.units, epoch_schedule());
  if (!current_) throw std::runtime_error("cannot derive the first epoch's keys (OpenSSL failure)");
  if (config_.seed_mode == SeedMode::kSynchronized) {
    chain_.emplace(std::move(initial_seed), config_.first_epoch);
    if (!chain_->advance()) throw std::runtime_error("cannot derive the next epoch's seed");
    next_ = crypto::EpochKeys::derive(chain_->seed(), config_.label, chain_->epoch(), config_.units,
                                      epoch_schedule());
    if (!next_) throw std::runtime_error("cannot derive the next epoch's keys (OpenSSL failure)");
  }
  if (config_.select_mode == SelectMode::kInstructed) {
    instructed_ = std::make_unique<InstructedBlocks>();
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
  const std::uint64_t current = current_->epoch();
  if (epoch == current + 1) {
    auto next =
        crypto::EpochKeys::derive(seed, config_.label, epoch, config_.units, epoch_schedule());
    if (!next) return false;
    next_ = std::move(next);
    return true;
  }
  if (epoch == current + 2) {
    seed_after_next_ = seed;
    return true;
  }
  return false;
}

bool ReceivingSection::provide_instructions(std::uint64_t block,
                                            std::span<const crypto::UnitRun> runs) noexcept {
  constexpr std::uint64_t kBlockSize = crypto::kScheduleBlockPackets;
  if (!instructed_ || runs.empty() || block > crypto::kMaxSequence / kBlockSize) return false;
  const std::uint32_t unit_count = current_->unit_count();
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
  if (epoch == current_->epoch()) return current_.get();
  if (next_ && epoch == next_->epoch()) return next_.get();
  if (previous_ && epoch == previous_->epoch()) return previous_.get();
  const std::uint32_t oldest = previous_ ? previous_->epoch() : current_->epoch();
  status = epoch < oldest ? OpenStatus::kStaleEpoch : OpenStatus::kUnknownEpoch;
  return nullptr;
}

// Called once a packet of the next epoch authenticated: the sender has moved on.
void ReceivingSection::rotate_to_next() noexcept {
  previous_ = std::move(current_);  // the epoch before is freed, its keys wiped
  current_ = std::move(next_);
  ++stats_.epochs;
  // A failure below leaves next_ empty; packets of that epoch then count as unknown.
  if (chain_ && chain_->advance()) {
    next_ = crypto::EpochKeys::derive(chain_->seed(), config_.label, chain_->epoch(), config_.units,
                                      epoch_schedule());
  } else if (seed_after_next_) {
    next_ = crypto::EpochKeys::derive(*seed_after_next_, config_.label, current_->epoch() + 1,
                                      config_.units, epoch_schedule());
    seed_after_next_.reset();
  }
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
  if (packet.size() < kPacketOverhead) return reject(OpenStatus::kTruncated);
  if (header.stream_id != config_.label.stream_id || header.kind != config_.kind) {
    return reject(OpenStatus::kWrongStream);
  }
  const std::size_t plain_size = packet.size() - kPacketOverhead;
  if (out.size() < plain_size) return reject(OpenStatus::kBufferTooSmall);

  // Cheap checks before any cryptography.
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
  if (keys == next_.get()) rotate_to_next();
  result.size = plain_size;
  return finish(result);
}

}  // namespace agentcast::net
