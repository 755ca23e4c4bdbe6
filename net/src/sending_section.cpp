#include "agentcast/net/sending_section.h"

#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>

namespace agentcast::net {
namespace {

constexpr std::size_t kInstructionKeySize = 32;  // a ChaCha20 key (crypto::SelectionDrbg)

}  // namespace

SendingSection::SendingSection(const SendingConfig& config, crypto::Secret initial_seed)
    : config_(config),
      chain_(std::move(initial_seed), config.first_epoch),
      next_sequence_(config.first_sequence) {
  config_.validate();
  if (config_.packets_per_epoch == 0) throw std::invalid_argument("packets_per_epoch is zero");
  if (config_.first_sequence > crypto::kMaxSequence) {
    throw std::invalid_argument("first sequence number exceeds 48 bits");
  }
  keys_ = crypto::EpochKeys::derive(chain_.seed(), config_.label, config_.first_epoch,
                                    config_.units, epoch_schedule());
  if (!keys_) throw std::runtime_error("cannot derive the first epoch's keys (OpenSSL failure)");
  if (config_.select_mode == SelectMode::kInstructed) {
    instruction_key_ = crypto::Secret::random(kInstructionKeySize);
    instructed_ =
        std::make_unique<crypto::SelectionSchedule>(instruction_key_, keys_->unit_count());
  }
}

crypto::EpochKeys::Schedule SendingSection::epoch_schedule() const noexcept {
  return config_.select_mode == SelectMode::kSynchronized ? crypto::EpochKeys::Schedule::kEpoch
                                                          : crypto::EpochKeys::Schedule::kNone;
}

std::vector<crypto::UnitRun> SendingSection::instructions(std::uint64_t block) const {
  if (!instructed_ || block > crypto::kMaxSequence / crypto::kScheduleBlockPackets) return {};
  // A schedule of its own: instructed_ keeps the cursor and DRBG state of seal(), and a
  // block computed here is usually far from the one being sealed.
  crypto::SelectionSchedule schedule(instruction_key_, instructed_->unit_count());
  return schedule.block_runs(block);
}

bool SendingSection::set_next_seed(std::uint32_t epoch, const crypto::Secret& seed) noexcept {
  // A staged re-key's seed must not be overwritten by one its removed viewer also got.
  if (config_.seed_mode != SeedMode::kDistributed || rekey_staged_ || epoch != keys_->epoch() + 1 ||
      seed.size() != crypto::kSeedSize) {
    return false;
  }
  next_seed_ = seed;
  return true;
}

std::optional<std::uint32_t> SendingSection::prepare_rekey(const crypto::Secret& seed) noexcept {
  if (seed.size() != crypto::kSeedSize ||
      keys_->epoch() == std::numeric_limits<std::uint32_t>::max()) {
    return std::nullopt;
  }
  next_seed_ = seed;  // a distributed seed already handed out is wiped
  rekey_staged_ = true;
  rekey_committed_ = false;
  return keys_->epoch() + 1;
}

bool SendingSection::commit_rekey(std::uint32_t epoch) noexcept {
  if (!rekey_staged_ || epoch != keys_->epoch() + 1) return false;
  rekey_committed_ = true;
  // Entered now, not on the next packet: none may be sealed for long (nobody watches),
  // and a viewer joining meanwhile must be given the re-key epoch's state, not the old
  // epoch's, whose chain a viewer that left could follow.
  maybe_change_epoch();
  return true;
}

void SendingSection::maybe_change_epoch() noexcept {
  if (rekey_staged_ && !rekey_committed_) {
    // The receivers may not hold the re-key's seed yet: stay, whatever the quota.
    if (packets_in_epoch_ >= config_.packets_per_epoch) {
      ++stats_.epoch_changes_delayed;
      packets_in_epoch_ = 0;
    }
    return;
  }
  if (!rekey_committed_ && packets_in_epoch_ < config_.packets_per_epoch) return;
  if (keys_->epoch() == std::numeric_limits<std::uint32_t>::max()) return;
  const std::uint32_t next_epoch = keys_->epoch() + 1;
  // Work on a copy, so that a failure leaves seed and keys of the current epoch together.
  crypto::SeedChain next_chain = chain_;
  if (rekey_committed_) {
    next_chain = crypto::SeedChain(*next_seed_, next_epoch);
  } else if (config_.seed_mode == SeedMode::kSynchronized) {
    if (!next_chain.advance()) return;
  } else if (next_seed_) {
    next_chain = crypto::SeedChain(*next_seed_, next_epoch);
  } else {
    // Keep sealing under the current epoch rather than stall the media.
    ++stats_.epoch_changes_delayed;
    packets_in_epoch_ = 0;
    return;
  }
  auto next = crypto::EpochKeys::derive(next_chain.seed(), config_.label, next_epoch, config_.units,
                                        epoch_schedule());
  if (!next) return;
  chain_ = std::move(next_chain);  // the previous seed is wiped
  next_seed_.reset();
  keys_ = std::move(next);  // the old epoch's unit contexts and keys are freed and wiped
  packets_in_epoch_ = 0;
  ++stats_.epochs;
  if (rekey_committed_) ++stats_.rekeys;
  rekey_staged_ = rekey_committed_ = false;
}

SealResult SendingSection::seal(Bytes payload, MutableBytes out) noexcept {
  if (payload.size() > max_payload()) return {SealStatus::kPayloadTooLarge, 0};
  const std::size_t size = payload.size() + kPacketOverhead;
  if (out.size() < size) return {SealStatus::kBufferTooSmall, 0};
  if (next_sequence_ > crypto::kMaxSequence) return {SealStatus::kSequenceExhausted, 0};
  maybe_change_epoch();

  // The number is spent even if sealing fails below: a nonce the cipher may have touched
  // is never offered again, and the receiver sees an ordinary gap.
  const std::uint64_t sequence = next_sequence_++;
  ++packets_in_epoch_;
  crypto::EpochKeys::Selection selected;
  if (instructed_) {
    // Units are still keyed per epoch; only the choice among them is the sender's own.
    if (const std::optional<std::uint32_t> index = instructed_->unit_index(sequence)) {
      selected = keys_->unit(*index);
    }
  } else {
    selected = keys_->select(sequence);
  }
  if (selected.unit == nullptr) return {SealStatus::kCipherFailure, 0};

  const PacketHeader header{config_.kind, config_.label.stream_id, keys_->epoch(), sequence,
                            config_.origin_tagged};
  write_header(header, out.first<kHeaderSize>());
  const crypto::Nonce nonce = crypto::nonce_for_sequence(sequence);
  MutableBytes sealed = out.subspan(kHeaderSize, payload.size() + crypto::kTagSize);
  if (selected.unit->seal(nonce, out.first(kHeaderSize), payload, sealed) !=
      crypto::UnitStatus::kOk) {
    return {SealStatus::kCipherFailure, 0};
  }

  ++stats_.packets_sealed;
  stats_.bytes_sealed += size;
  if (last_unit_ && *last_unit_ != selected.index) ++stats_.unit_switches;
  last_unit_ = selected.index;
  stats_.current_unit = static_cast<std::int32_t>(selected.index);
  return {SealStatus::kOk, size};
}

}  // namespace agentcast::net
