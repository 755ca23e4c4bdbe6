// Reassembly and playout (docs/MEDIA_FRAMING.md, "Receiver rules").

#include "agentcast/media/jitter_buffer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace agentcast::media {
namespace {

constexpr std::int64_t kMaxTime = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinTime = -kMaxTime - 1;

// Capture times come from the peer: arithmetic on them must not overflow.
std::int64_t sat_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r;
  return __builtin_add_overflow(a, b, &r) ? (b > 0 ? kMaxTime : kMinTime) : r;
}
std::int64_t sat_sub(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r;
  return __builtin_sub_overflow(a, b, &r) ? (b < 0 ? kMaxTime : kMinTime) : r;
}

// Codecs whose frames reference earlier ones: losing one spoils what follows.
bool needs_references(Codec codec) noexcept {
  return codec == Codec::kH264;
}

// Bookkeeping charged against max_bytes besides the data, so that floods of empty
// fragments or of frames claiming 65535 fragments are bounded too.
constexpr std::size_t kSlotCharge = 128;
constexpr std::size_t kPieceCharge = 16;
constexpr std::size_t kRetainedPieces = 1024;

}  // namespace

JitterBuffer::JitterBuffer(const JitterConfig& config) : config_(config) {
  const auto fail = [](const char* what) {
    throw std::invalid_argument(std::string("JitterBuffer: ") + what);
  };
  if (config.latency_us < 0 || config.min_completion_wait_us < 0) fail("negative latency");
  if (config.max_frames < 2 || config.max_frames > 4096) fail("max_frames must be 2..4096");
  if (config.max_bytes < (std::size_t{256} << 10) || config.max_bytes > (std::size_t{1} << 30)) {
    fail("max_bytes must be 256 KiB..1 GiB");
  }
  if (config.max_frame_span < config.max_frames) fail("max_frame_span below max_frames");
  if (config.resync_after_us <= 0 || config.transit_window_us <= 0) fail("non-positive window");
  if (config.keyframe_request_interval_us < 0) fail("negative keyframe request interval");
  slots_.resize(config.max_frames);
}

bool JitterBuffer::video_stream() const noexcept {
  return stream_codec_ && needs_references(*stream_codec_);
}

bool JitterBuffer::keyframe_needed() const noexcept {
  return awaiting_keyframe_ && video_stream();
}

bool JitterBuffer::poll_keyframe_request(std::int64_t now_us) noexcept {
  if (!keyframe_needed()) return false;
  if (last_request_us_ &&
      sat_sub(now_us, *last_request_us_) < config_.keyframe_request_interval_us) {
    return false;
  }
  last_request_us_ = now_us;
  ++stats_.keyframe_requests;
  return true;
}

std::size_t JitterBuffer::find(std::uint64_t frame_id) const noexcept {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].used && slots_[i].frame_id == frame_id) return i;
  }
  return kNoSlot;
}

std::size_t JitterBuffer::lowest() const noexcept {
  std::size_t best = kNoSlot;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].used && (best == kNoSlot || slots_[i].frame_id < slots_[best].frame_id)) {
      best = i;
    }
  }
  return best;
}

void JitterBuffer::note_transit(std::int64_t arrival_us, std::int64_t capture_us) noexcept {
  // A windowed minimum: drops at once when the path gets faster, and forgets an old
  // minimum within two windows when it gets slower (or the sender's clock drifts).
  const std::int64_t sample = sat_sub(arrival_us, capture_us);
  const std::int64_t elapsed = sat_sub(arrival_us, transit_window_start_);
  if (!transit_cur_ || elapsed >= config_.transit_window_us) {
    transit_prev_ =
        (transit_cur_ && elapsed / 2 < config_.transit_window_us) ? transit_cur_ : sample;
    transit_cur_ = sample;
    transit_window_start_ = arrival_us;
  } else {
    transit_cur_ = std::min(*transit_cur_, sample);
  }
}

std::int64_t JitterBuffer::deadline_us(const Slot& slot) const noexcept {
  return sat_add(slot.first_arrival_us,
                 std::max(config_.latency_us, config_.min_completion_wait_us));
}

std::int64_t JitterBuffer::playout_us(const Slot& slot) const noexcept {
  const std::int64_t by_arrival = sat_add(slot.first_arrival_us, config_.latency_us);
  if (!transit_cur_) return by_arrival;
  const std::int64_t transit = std::min(*transit_cur_, transit_prev_.value_or(kMaxTime));
  // Never later than by arrival, so a stale estimate cannot hold a frame past its deadline.
  return std::min(by_arrival, sat_add(sat_add(slot.capture_time_us, transit), config_.latency_us));
}

bool JitterBuffer::in_window(std::uint64_t frame_id) const noexcept {
  std::uint64_t base;
  if (anchored_) {
    base = next_id_;
    if (frame_id < base) return true;  // late, not far: counted as such by the caller
  } else {
    const std::size_t lo = lowest();
    if (lo == kNoSlot) return true;
    base = slots_[lo].frame_id;
    if (frame_id < base) return base - frame_id < config_.max_frame_span;
  }
  return frame_id - base < config_.max_frame_span;
}

InsertStatus JitterBuffer::insert(std::span<const std::uint8_t> payload,
                                  std::int64_t arrival_us) noexcept {
  FragmentView view;
  if (parse_fragment(payload, view) != ParseStatus::kOk) {
    ++stats_.fragments_received;
    ++stats_.fragments_invalid;
    return InsertStatus::kInvalid;
  }
  return insert(view, arrival_us);
}

InsertStatus JitterBuffer::insert(const FragmentView& f, std::int64_t arrival_us) noexcept {
  ++stats_.fragments_received;
  if (f.count == 0 || f.index >= f.count || codec_wire_value(f.codec) == 0 ||
      f.data.size() > config_.max_bytes) {
    ++stats_.fragments_invalid;
    return InsertStatus::kInvalid;
  }
  if (!in_window(f.frame_id)) {
    if (last_in_window_us_ && sat_sub(arrival_us, *last_in_window_us_) < config_.resync_after_us) {
      ++stats_.fragments_far_future;
      return InsertStatus::kFarFuture;
    }
    resync();
  }
  last_in_window_us_ = arrival_us;
  if (have_highest_ && (f.frame_id < highest_key_frame_ ||
                        (f.frame_id == highest_key_frame_ && f.index < highest_key_index_))) {
    ++stats_.fragments_reordered;
  } else {
    have_highest_ = true;
    highest_key_frame_ = f.frame_id;
    highest_key_index_ = f.index;
  }
  if (anchored_ && f.frame_id < next_id_) {
    ++stats_.fragments_late;
    return InsertStatus::kLate;
  }
  stream_codec_ = f.codec;
  note_transit(arrival_us, f.capture_time_us);
  return store(f, arrival_us);
}

InsertStatus JitterBuffer::store(const FragmentView& f, std::int64_t arrival_us) {
  const std::size_t need = f.data.size() + kPieceCharge;
  std::size_t at = find(f.frame_id);
  if (at != kNoSlot) {
    Slot& s = slots_[at];
    if (s.corrupt) {
      ++stats_.fragments_discarded;
      return InsertStatus::kDiscarded;
    }
    if (s.count != f.count || s.codec != f.codec || s.keyframe != f.keyframe ||
        s.capture_time_us != f.capture_time_us) {
      mark_corrupt(s);
      return InsertStatus::kCorrupt;
    }
    if ((s.have[f.index / 64] >> (f.index % 64)) & 1) {
      ++stats_.fragments_duplicate;
      return InsertStatus::kDuplicate;
    }
  }
  const std::size_t words = (std::size_t{f.count} + 63) / 64;
  const std::size_t frame_charge = at == kNoSlot ? kSlotCharge + words * sizeof(std::uint64_t) : 0;
  if (!make_room(frame_charge + need, at, f.frame_id)) {
    ++stats_.fragments_overflow;
    return InsertStatus::kOverflow;
  }
  if (at == kNoSlot) {
    at = 0;
    while (slots_[at].used)
      ++at;  // make_room left a free slot
    Slot& s = slots_[at];
    s.used = true;
    s.corrupt = false;
    s.in_order = true;
    s.frame_id = f.frame_id;
    s.codec = f.codec;
    s.keyframe = f.keyframe;
    s.count = f.count;
    s.received = 0;
    s.capture_time_us = f.capture_time_us;
    s.first_arrival_us = arrival_us;
    s.charged = frame_charge;
    s.have.assign(words, 0);  // at most 8 KiB, charged above; never count * MTU
    s.pieces.clear();
    s.data.clear();
    stats_.depth_bytes += frame_charge;
    ++stats_.depth_frames;
  }
  Slot& s = slots_[at];
  s.have[f.index / 64] |= std::uint64_t{1} << (f.index % 64);
  if (!s.pieces.empty() && s.pieces.back().index > f.index) s.in_order = false;
  s.pieces.push_back({static_cast<std::uint32_t>(s.data.size()),
                      static_cast<std::uint32_t>(f.data.size()), f.index});
  s.data.insert(s.data.end(), f.data.begin(), f.data.end());
  s.charged += need;
  stats_.depth_bytes += need;
  if (++s.received < s.count) return InsertStatus::kBuffered;
  ++stats_.frames_complete;
  return InsertStatus::kCompleted;
}

bool JitterBuffer::make_room(std::size_t bytes, std::size_t keep, std::uint64_t frame_id) {
  // Oldest frames go first: they are the ones blocking the stream anyway. A fragment older
  // than everything buffered is refused instead, since giving up the newer frames would
  // give it up too.
  while ((keep == kNoSlot && stats_.depth_frames == slots_.size()) ||
         stats_.depth_bytes + bytes > config_.max_bytes) {
    const std::size_t victim = lowest();
    if (victim == kNoSlot || frame_id < slots_[victim].frame_id) return false;
    give_up_through(slots_[victim].frame_id);
    if (victim == keep) return false;  // its own frame can never fit
  }
  return true;
}

void JitterBuffer::mark_corrupt(Slot& slot) noexcept {
  ++stats_.frames_corrupt;
  slot.corrupt = true;
  stats_.depth_bytes -= slot.charged - kSlotCharge;
  slot.charged = kSlotCharge;
  slot.pieces.clear();
  slot.data.clear();
}

void JitterBuffer::free_slot(Slot& slot) noexcept {
  stats_.depth_bytes -= slot.charged;
  --stats_.depth_frames;
  slot.used = false;
  slot.charged = 0;
  // Keep buffers for reuse, but not what one huge frame left behind.
  if (slot.data.capacity() > config_.max_bytes / slots_.size()) {
    std::vector<std::uint8_t>().swap(slot.data);
  }
  if (slot.pieces.capacity() > kRetainedPieces) std::vector<Piece>().swap(slot.pieces);
}

void JitterBuffer::note_lost(std::uint64_t frames, bool video) noexcept {
  lost_since_release_ += frames;
  if (video && frames > 0) awaiting_keyframe_ = true;
}

void JitterBuffer::give_up_through(std::uint64_t frame_id) noexcept {
  std::uint64_t present = 0;
  bool video = false;
  for (Slot& s : slots_) {
    if (!s.used || s.frame_id > frame_id) continue;
    ++present;
    if (!s.corrupt) ++stats_.frames_evicted;
    video = video || needs_references(s.codec);
    free_slot(s);
  }
  std::uint64_t passed = present;
  if (anchored_) {
    passed = frame_id - next_id_ + 1;
    stats_.frames_missing += passed - present;
    video = video || (passed > present && video_stream());
  }
  note_lost(passed, video);
  anchored_ = true;
  next_id_ = frame_id + 1;
}

void JitterBuffer::resync() noexcept {
  anchored_ = false;  // so that the ids jumped over are not counted as missing
  give_up_through(std::numeric_limits<std::uint64_t>::max());
  if (video_stream()) awaiting_keyframe_ = true;
  anchored_ = false;
  have_highest_ = false;
  transit_cur_.reset();  // the sender's clock may have jumped with its frame ids
  transit_prev_.reset();
  ++stats_.resyncs;
}

JitterBuffer::Plan JitterBuffer::plan() const noexcept {
  Plan p;
  const std::size_t lo = lowest();
  if (lo == kNoSlot) return p;
  const std::uint64_t head_id = anchored_ ? next_id_ : slots_[lo].frame_id;
  if (slots_[lo].frame_id == head_id) {
    const Slot& h = slots_[lo];
    p.head = lo;
    if (h.corrupt) return {Action::kGiveUp, h.first_arrival_us, lo};
    if (awaiting_keyframe_ && needs_references(h.codec) && !h.keyframe) {
      return {Action::kSkip, h.first_arrival_us, lo};
    }
    if (h.complete()) return {Action::kRelease, playout_us(h), lo};
  }
  // The head is incomplete or was never seen: it is given up at its own deadline, or as
  // soon as any later frame is due, whichever comes first.
  p.action = Action::kGiveUp;
  p.at = p.head == kNoSlot ? kMaxTime : deadline_us(slots_[lo]);
  for (const Slot& s : slots_) {
    if (!s.used || s.frame_id <= head_id) continue;
    p.at = std::min(p.at, s.complete() ? playout_us(s) : deadline_us(s));
  }
  return p;
}

std::optional<std::int64_t> JitterBuffer::next_deadline_us() const noexcept {
  const Plan p = plan();
  if (p.action == Action::kNone) return std::nullopt;
  return p.at;
}

void JitterBuffer::give_up_head(const Plan& plan) noexcept {
  if (plan.head == kNoSlot) {
    // Frames never seen: pass straight to the oldest one that was.
    const std::uint64_t to = slots_[lowest()].frame_id;
    stats_.frames_missing += to - next_id_;
    note_lost(to - next_id_, video_stream());
    next_id_ = to;
    return;
  }
  Slot& s = slots_[plan.head];
  if (plan.action == Action::kSkip) {
    ++stats_.frames_skipped;
  } else if (!s.corrupt) {
    ++stats_.frames_dropped;
  }
  note_lost(1, needs_references(s.codec));
  anchored_ = true;
  next_id_ = s.frame_id + 1;
  free_slot(s);
}

std::optional<ReleasedFrame> JitterBuffer::pop(std::int64_t now_us) {
  while (true) {
    const Plan p = plan();
    if (p.action == Action::kNone || p.at > now_us) return std::nullopt;
    if (p.action == Action::kRelease) return release(slots_[p.head]);
    give_up_head(p);  // skip or give up, then look at the new head
  }
}

ReleasedFrame JitterBuffer::release(Slot& slot) {
  ReleasedFrame out;
  EncodedFrame& frame = out.frame;
  frame.codec = slot.codec;
  frame.frame_id = slot.frame_id;
  frame.capture_time_us = slot.capture_time_us;
  frame.keyframe = slot.keyframe;
  if (slot.in_order) {
    frame.data.assign(slot.data.begin(), slot.data.end());
  } else {
    std::sort(slot.pieces.begin(), slot.pieces.end(),
              [](const Piece& a, const Piece& b) { return a.index < b.index; });
    frame.data.resize(slot.data.size());
    std::size_t pos = 0;
    for (const Piece& piece : slot.pieces) {
      if (piece.size > 0)
        std::memcpy(frame.data.data() + pos, &slot.data[piece.offset], piece.size);
      pos += piece.size;
    }
  }
  if (needs_references(slot.codec) && slot.keyframe) awaiting_keyframe_ = false;
  out.frames_lost_before = lost_since_release_;
  lost_since_release_ = 0;
  ++stats_.frames_released;
  anchored_ = true;
  next_id_ = slot.frame_id + 1;
  free_slot(slot);
  return out;
}

}  // namespace agentcast::media
