// libFuzzer target for the receiver's media framing: media::parse_fragment (the plaintext
// of every media packet a peer sends) and a media::JitterBuffer fed a sequence of
// fragments at arrival times taken from the input, with pop(), next_deadline_us() and
// poll_keyframe_request() called between them. The input format is in
// fragment_jitter_input.h; each input runs on a fresh buffer, so every crash reproduces
// from its input alone.
//
// The buffer is checked against a model of what it was given (violations abort()):
//  - parse_fragment gives the verdict and fields of a model of docs/MEDIA_FRAMING.md's
//    header, and its two overloads agree;
//  - media::Packetizer's fragments of a frame parse back to that frame: in index order,
//    evenly split, each within the payload size;
//  - memory stays bounded: depth_frames never above max_frames, depth_bytes never above
//    max_bytes; next_deadline_us() is empty exactly when nothing is buffered, and after a
//    pop() that released nothing it lies in the future;
//  - each insert() counts exactly one outcome in the stats, and its status agrees with the
//    fragments stored before (a duplicate was stored, a fragment stored is new, a
//    corrupt one disagrees with its frame, "completed" exactly when the last was stored);
//  - a released frame is well formed: every fragment of it was stored, its bytes are the
//    stored fragments' data in index order, its metadata theirs; frame ids increase, and
//    frames_lost_before is exactly the gap since the previous release (within a resync);
//  - on a video (H.264) stream, no predicted frame is released after a loss or on joining
//    until a keyframe was;
//  - poll_keyframe_request() says yes only while a keyframe is needed, at most once per
//    interval, and always once the interval has passed.
//
// The corpus: corpus_fragment_jitter/ (checked in: short and malformed inputs) and
// generated_corpus_fragment_jitter/ (make_fragment_jitter_corpus.cpp: streams that reach
// every insert status and release path).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agentcast/media/jitter_buffer.h"
#include "agentcast/media/packetizer.h"
#include "fragment_jitter_input.h"
#include "fuzz_check.h"

namespace agentcast::fuzz {
namespace {

using namespace jitter_input;
using media::Codec;
using media::InsertStatus;
using media::JitterStats;
using media::ParseStatus;

constexpr std::int64_t kMaxTime = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinTime = std::numeric_limits<std::int64_t>::min();

std::int64_t sat_add(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  return __builtin_add_overflow(a, b, &r) ? (b > 0 ? kMaxTime : kMinTime) : r;
}
std::int64_t sat_sub(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  return __builtin_sub_overflow(a, b, &r) ? (b < 0 ? kMaxTime : kMinTime) : r;
}

constexpr const char* kInsertNames[] = {
    "insert: buffered",  "insert: completed",  "insert: invalid",
    "insert: duplicate", "insert: late",       "insert: corrupt",
    "insert: discarded", "insert: far future", "insert: overflow"};
constexpr const char* kParseNames[] = {"parse: ok",
                                       "parse: too short",
                                       "parse: bad version",
                                       "parse: reserved flags",
                                       "parse: unknown codec",
                                       "parse: zero count",
                                       "parse: index out of range"};
static_assert(std::size(kInsertNames) == static_cast<std::size_t>(InsertStatus::kOverflow) + 1);
static_assert(std::size(kParseNames) ==
              static_cast<std::size_t>(ParseStatus::kIndexOutOfRange) + 1);
constexpr const char* kPaths[] = {"released",
                                  "released out-of-order pieces",
                                  "released after a loss",
                                  "released empty frame",
                                  "keyframe requested",
                                  "keyframe request held back",
                                  "resync",
                                  "frames dropped",
                                  "frames evicted",
                                  "frames missing",
                                  "frames skipped",
                                  "packetized frame"};

Outcomes& outcomes() {
  static Outcomes o = [] {
    Outcomes init;
    for (const char* name : kInsertNames)
      init.expect(name);
    for (const char* name : kParseNames)
      init.expect(name);
    for (const char* name : kPaths)
      init.expect(name);
    return init;
  }();
  return o;
}

std::uint64_t load_be(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = v << 8 | p[i];
  return v;
}

void store_be(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Data byte i of a made-up fragment is pattern(frame_id, index, 0) + i (mod 256).
std::uint8_t pattern(std::uint64_t frame_id, std::uint64_t index, std::size_t i) {
  return static_cast<std::uint8_t>(frame_id * 131 + index * 31 + i);
}

// parse_fragment as docs/MEDIA_FRAMING.md describes the header.
ParseStatus model_parse(std::span<const std::uint8_t> p) {
  if (p.size() < media::kFragmentHeaderSize) return ParseStatus::kTooShort;
  if (p[0] != media::kFramingVersion) return ParseStatus::kBadVersion;
  if ((p[1] & 0x70) != 0) return ParseStatus::kReservedFlags;
  if ((p[1] & 0x0f) != 1 && (p[1] & 0x0f) != 2) return ParseStatus::kUnknownCodec;
  const std::uint64_t index = load_be(&p[10], 2);
  const std::uint64_t count = load_be(&p[12], 2);
  if (count == 0) return ParseStatus::kZeroCount;
  if (index >= count) return ParseStatus::kIndexOutOfRange;
  return ParseStatus::kOk;
}

// AGENTCAST_FUZZ_TRACE=1 prints every insert and release to stderr, to read a crash input.
bool tracing() {
  static const bool on = [] {
    const char* value = std::getenv("AGENTCAST_FUZZ_TRACE");
    return value != nullptr && value[0] == '1';
  }();
  return on;
}

// A fragment of a frame as the model saw it stored.
struct ModelFrame {
  Codec codec = Codec::kH264;
  bool keyframe = false;
  std::uint16_t count = 0;
  std::int64_t capture_time_us = 0;
  bool corrupt = false;
  bool in_order = true;
  std::optional<std::uint16_t> last_index;
  std::map<std::uint16_t, std::vector<std::uint8_t>> pieces;

  bool same_metadata(const media::FragmentView& f) const {
    return codec == f.codec && keyframe == f.keyframe && count == f.count &&
           capture_time_us == f.capture_time_us;
  }
};

class Harness {
 public:
  explicit Harness(const Setup& setup)
      : config_(setup.config), buffer_(setup.config), now_(setup.start_us) {}

  void run(ByteReader& in) {
    while (!in.empty() && inserts_ < kMaxInserts) {
      const std::uint8_t op_bits = in.u8();
      now_ = sat_add(now_, advance_us(op_bits));
      switch (static_cast<Op>(op_bits & 7U)) {
        case Op::kRaw: {
          const std::span<const std::uint8_t> bytes = in.take(in.u8());
          insert(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
          break;
        }
        case Op::kFragment:
          fragment_op(in);
          break;
        case Op::kFrame:
          frame_op(in);
          break;
        case Op::kDrain:
          drain();
          break;
        case Op::kPopOnce:
          pop_once();
          break;
        case Op::kPoll:
          poll();
          break;
        case Op::kDeadline:
          if (const auto deadline = buffer_.next_deadline_us(); deadline && *deadline > now_) {
            now_ = *deadline;
          }
          drain();
          break;
        case Op::kJump:
          now_ = sat_add(now_, std::int64_t{in.u16()} * 1000);
          break;
      }
    }
    drain();
    const JitterStats& s = buffer_.stats();
    const std::pair<const char*, std::uint64_t> paths[] = {{"frames dropped", s.frames_dropped},
                                                           {"frames evicted", s.frames_evicted},
                                                           {"frames missing", s.frames_missing},
                                                           {"frames skipped", s.frames_skipped}};
    for (const auto& [name, n] : paths) {
      if (n > 0) outcomes().count(name);
    }
  }

 private:
  std::uint64_t read_frame_id(ByteReader& in) {
    const std::uint8_t step = in.u8();
    cursor_ = step == kEscape
                  ? in.u64()
                  : cursor_ + static_cast<std::uint64_t>(static_cast<std::int8_t>(step));
    return cursor_;
  }

  static std::int64_t read_capture(ByteReader& in, std::uint64_t frame_id) {
    const std::uint8_t jitter = in.u8();
    if (jitter == kEscape) return static_cast<std::int64_t>(in.u64());
    return static_cast<std::int64_t>(
        frame_id * std::uint64_t{kFramePeriodUs} +
        static_cast<std::uint64_t>(std::int64_t{static_cast<std::int8_t>(jitter)} * 1000));
  }

  void fragment_op(ByteReader& in) {
    const std::uint8_t flags = in.u8();
    const std::uint64_t frame_id = read_frame_id(in);
    const std::uint16_t index = in.u16();
    const std::uint16_t count = in.u16();
    const std::int64_t capture = read_capture(in, frame_id);
    const std::size_t size = in.u16() & kMaxFragmentData;
    std::vector<std::uint8_t> payload = {media::kFramingVersion, flags};
    store_be(payload, frame_id, 8);
    store_be(payload, index, 2);
    store_be(payload, count, 2);
    store_be(payload, static_cast<std::uint64_t>(capture), 8);
    payload.resize(media::kFragmentHeaderSize + size);
    std::iota(payload.begin() + media::kFragmentHeaderSize, payload.end(),
              pattern(frame_id, index, 0));
    insert(payload);
  }

  // A whole frame through the Packetizer, checked, then inserted in some order.
  void frame_op(ByteReader& in) {
    const std::uint8_t kind = in.u8();
    media::EncodedFrame frame;
    frame.codec = (kind & 1) != 0 ? Codec::kOpus : Codec::kH264;
    frame.keyframe = (kind & 2) != 0;
    frame.frame_id = read_frame_id(in);
    frame.capture_time_us = read_capture(in, frame.frame_id);
    frame.data.resize(in.u16() & 0x1fff);
    std::iota(frame.data.begin(), frame.data.end(), pattern(frame.frame_id, 0xffff, 0));
    std::size_t max_payload = media::kFragmentHeaderSize + 1 + 4 * std::size_t{in.u8()};
    max_payload = std::max(max_payload,
                           media::kFragmentHeaderSize +
                               (frame.data.size() + kMaxFrameFragments - 1) / kMaxFrameFragments);
    const auto order = static_cast<Order>(in.u8() % kOrderCount);
    const std::size_t argument = in.u8();

    media::FragmentPlan plan;
    FUZZ_CHECK(media::plan_fragments(frame.data.size(), max_payload, plan) ==
               media::FragmentStatus::kOk);
    std::vector<std::vector<std::uint8_t>> fragments;
    media::Packetizer packetizer(max_payload);
    const media::FragmentStatus status = packetizer.fragment(
        frame,
        [&](std::span<const std::uint8_t> f) { fragments.emplace_back(f.begin(), f.end()); });
    FUZZ_CHECK(status == media::FragmentStatus::kOk);
    FUZZ_CHECK(fragments.size() == plan.count);
    std::size_t offset = 0;
    std::size_t smallest = std::numeric_limits<std::size_t>::max();
    std::size_t largest = 0;
    for (std::size_t i = 0; i < fragments.size(); ++i) {
      FUZZ_CHECK(fragments[i].size() <= max_payload);
      const std::optional<media::FragmentView> view = media::parse_fragment(fragments[i]);
      FUZZ_CHECK(view.has_value());
      FUZZ_CHECK(view->codec == frame.codec && view->keyframe == frame.keyframe &&
                 view->frame_id == frame.frame_id && view->index == i &&
                 view->count == fragments.size() && view->capture_time_us == frame.capture_time_us);
      FUZZ_CHECK(offset + view->data.size() <= frame.data.size());
      FUZZ_CHECK(std::equal(view->data.begin(), view->data.end(), frame.data.begin() + offset));
      const media::FragmentSlice slice = media::fragment_slice(plan, i);
      FUZZ_CHECK(slice.offset == offset && slice.size == view->data.size());
      offset += view->data.size();
      smallest = std::min(smallest, view->data.size());
      largest = std::max(largest, view->data.size());
    }
    FUZZ_CHECK(offset == frame.data.size());
    FUZZ_CHECK(largest - smallest <= 1);
    outcomes().count("packetized frame");

    std::vector<std::size_t> sequence(fragments.size());
    for (std::size_t i = 0; i < sequence.size(); ++i)
      sequence[i] = i;
    const std::size_t pick = argument % sequence.size();
    switch (order) {
      case Order::kInOrder:
        break;
      case Order::kReversed:
        std::reverse(sequence.begin(), sequence.end());
        break;
      case Order::kDropOne:
        sequence.erase(sequence.begin() + static_cast<std::ptrdiff_t>(pick));
        break;
      case Order::kDuplicateOne:
        sequence.insert(sequence.begin() + static_cast<std::ptrdiff_t>(pick), pick);
        break;
      case Order::kRotate:
        std::rotate(sequence.begin(), sequence.begin() + static_cast<std::ptrdiff_t>(pick),
                    sequence.end());
        break;
      case Order::kOddThenEven:
        std::stable_partition(sequence.begin(), sequence.end(),
                              [](std::size_t i) { return i % 2 == 1; });
        break;
    }
    for (std::size_t i : sequence)
      insert(fragments[i]);
  }

  void insert(const std::vector<std::uint8_t>& payload) {
    media::FragmentView view;
    const ParseStatus parsed = media::parse_fragment(payload, view);
    check_parse(payload, parsed, view);
    if (parsed == ParseStatus::kOk && view.codec != Codec::kH264) pure_video_ = false;

    ++inserts_;
    const JitterStats before = buffer_.stats();
    const InsertStatus status = buffer_.insert(payload, now_);
    const JitterStats after = buffer_.stats();
    outcomes().count(kInsertNames[static_cast<int>(status)]);
    if (tracing()) {
      std::fprintf(stderr, "t=%lld insert frame %llu [%u/%u] %zu bytes: %s (%s)\n",
                   static_cast<long long>(now_), static_cast<unsigned long long>(view.frame_id),
                   view.index, view.count, view.data.size(), kInsertNames[static_cast<int>(status)],
                   kParseNames[static_cast<int>(parsed)]);
    }
    FUZZ_CHECK(after.fragments_received == before.fragments_received + 1);
    FUZZ_CHECK((status == InsertStatus::kInvalid) == (parsed != ParseStatus::kOk));
    FUZZ_CHECK(after.frames_released == before.frames_released);
    // Exactly one counter for each status but kBuffered.
    const auto counted = [&](std::uint64_t JitterStats::*counter, InsertStatus which) {
      FUZZ_CHECK(after.*counter - before.*counter == (status == which ? 1U : 0U));
    };
    counted(&JitterStats::fragments_invalid, InsertStatus::kInvalid);
    counted(&JitterStats::fragments_duplicate, InsertStatus::kDuplicate);
    counted(&JitterStats::fragments_late, InsertStatus::kLate);
    counted(&JitterStats::fragments_far_future, InsertStatus::kFarFuture);
    counted(&JitterStats::fragments_overflow, InsertStatus::kOverflow);
    counted(&JitterStats::fragments_discarded, InsertStatus::kDiscarded);
    counted(&JitterStats::frames_corrupt, InsertStatus::kCorrupt);
    counted(&JitterStats::frames_complete, InsertStatus::kCompleted);

    if (after.resyncs != before.resyncs) {
      // Everything buffered was given up; the stream starts over at this fragment.
      FUZZ_CHECK(after.resyncs == before.resyncs + 1);
      FUZZ_CHECK(status != InsertStatus::kFarFuture && status != InsertStatus::kLate);
      frames_.clear();
      last_released_.reset();
      awaiting_keyframe_ = true;
      outcomes().count("resync");
    }
    if (parsed == ParseStatus::kOk) update_model(view, status);
    check_state();
  }

  void check_parse(std::span<const std::uint8_t> payload, ParseStatus parsed,
                   const media::FragmentView& view) {
    outcomes().count(kParseNames[static_cast<int>(parsed)]);
    FUZZ_CHECK(parsed == model_parse(payload));
    const std::optional<media::FragmentView> other = media::parse_fragment(payload);
    FUZZ_CHECK(other.has_value() == (parsed == ParseStatus::kOk));
    if (parsed != ParseStatus::kOk) return;
    FUZZ_CHECK(view.codec == ((payload[1] & 0x0f) == 1 ? Codec::kH264 : Codec::kOpus));
    FUZZ_CHECK(view.keyframe == ((payload[1] & 0x80) != 0));
    FUZZ_CHECK(view.frame_id == load_be(&payload[2], 8));
    FUZZ_CHECK(view.index == load_be(&payload[10], 2));
    FUZZ_CHECK(view.count == load_be(&payload[12], 2));
    FUZZ_CHECK(view.capture_time_us == static_cast<std::int64_t>(load_be(&payload[14], 8)));
    FUZZ_CHECK(view.data.data() == payload.data() + media::kFragmentHeaderSize);
    FUZZ_CHECK(view.data.size() == payload.size() - media::kFragmentHeaderSize);
    FUZZ_CHECK(other->frame_id == view.frame_id && other->index == view.index &&
               other->data.data() == view.data.data());
  }

  void update_model(const media::FragmentView& f, InsertStatus status) {
    auto it = frames_.find(f.frame_id);
    switch (status) {
      case InsertStatus::kBuffered:
      case InsertStatus::kCompleted: {
        if (it == frames_.end()) {
          ModelFrame m;
          m.codec = f.codec;
          m.keyframe = f.keyframe;
          m.count = f.count;
          m.capture_time_us = f.capture_time_us;
          it = frames_.emplace(f.frame_id, std::move(m)).first;
        }
        ModelFrame& m = it->second;
        FUZZ_CHECK(!m.corrupt);
        FUZZ_CHECK(m.same_metadata(f));
        FUZZ_CHECK(m.pieces.count(f.index) == 0);
        if (m.last_index && *m.last_index > f.index) m.in_order = false;
        m.last_index = f.index;
        m.pieces.emplace(f.index, std::vector<std::uint8_t>(f.data.begin(), f.data.end()));
        FUZZ_CHECK((status == InsertStatus::kCompleted) == (m.pieces.size() == m.count));
        break;
      }
      case InsertStatus::kDuplicate:
        FUZZ_CHECK(it != frames_.end() && !it->second.corrupt);
        FUZZ_CHECK(it->second.same_metadata(f) && it->second.pieces.count(f.index) == 1);
        break;
      case InsertStatus::kCorrupt:
        FUZZ_CHECK(it != frames_.end() && !it->second.corrupt && !it->second.same_metadata(f));
        it->second.corrupt = true;
        it->second.pieces.clear();
        break;
      case InsertStatus::kDiscarded:
        FUZZ_CHECK(it != frames_.end() && it->second.corrupt);
        break;
      case InsertStatus::kLate:
        // Every frame up to this one was released or given up.
        frames_.erase(frames_.begin(), frames_.upper_bound(f.frame_id));
        break;
      case InsertStatus::kInvalid:
      case InsertStatus::kFarFuture:
      case InsertStatus::kOverflow:
        break;
    }
  }

  void drain() {
    // Each release or give-up frees a slot, so this ends; the bound only turns a bug
    // into a failure instead of a hang.
    for (std::size_t i = 0; i <= config_.max_frames + 1; ++i) {
      if (!pop_once()) return;
    }
    FUZZ_CHECK(!"pop() keeps releasing frames");
  }

  bool pop_once() {
    const JitterStats before = buffer_.stats();
    std::optional<media::ReleasedFrame> released = buffer_.pop(now_);
    const JitterStats& after = buffer_.stats();
    FUZZ_CHECK(after.fragments_received == before.fragments_received);
    FUZZ_CHECK(after.resyncs == before.resyncs);
    FUZZ_CHECK(after.frames_released == before.frames_released + (released ? 1 : 0));
    if (tracing() && released) {
      std::fprintf(stderr, "t=%lld release frame %llu (%zu bytes, lost before %llu)\n",
                   static_cast<long long>(now_),
                   static_cast<unsigned long long>(released->frame.frame_id),
                   released->frame.data.size(),
                   static_cast<unsigned long long>(released->frames_lost_before));
    }
    if (released) {
      check_release(*released);
    } else {
      const std::optional<std::int64_t> deadline = buffer_.next_deadline_us();
      FUZZ_CHECK(!deadline || *deadline > now_);
    }
    check_state();
    return released.has_value();
  }

  void check_release(const media::ReleasedFrame& released) {
    const media::EncodedFrame& frame = released.frame;
    const auto it = frames_.find(frame.frame_id);
    FUZZ_CHECK(it != frames_.end());
    const ModelFrame& m = it->second;
    FUZZ_CHECK(!m.corrupt && m.pieces.size() == m.count);
    FUZZ_CHECK(frame.codec == m.codec && frame.keyframe == m.keyframe &&
               frame.capture_time_us == m.capture_time_us);
    std::size_t offset = 0;
    for (const auto& [index, data] : m.pieces) {
      FUZZ_CHECK(offset + data.size() <= frame.data.size());
      FUZZ_CHECK(std::equal(data.begin(), data.end(), frame.data.begin() + offset));
      offset += data.size();
    }
    FUZZ_CHECK(offset == frame.data.size());
    if (last_released_) {
      // Frame ids are 64-bit counters that start anywhere (MEDIA_FRAMING.md §1): after
      // 2^64 - 1 comes 0, so the step is taken modulo 2^64, and it is forward.
      const std::uint64_t step = frame.frame_id - *last_released_;
      FUZZ_CHECK(step >= 1 && step < (std::uint64_t{1} << 63));
      FUZZ_CHECK(released.frames_lost_before == step - 1);
    }
    if (pure_video_) {
      if (released.frames_lost_before > 0) awaiting_keyframe_ = true;
      FUZZ_CHECK(frame.keyframe || !awaiting_keyframe_);
      if (frame.keyframe) awaiting_keyframe_ = false;
    }
    outcomes().count("released");
    if (!m.in_order) outcomes().count("released out-of-order pieces");
    if (released.frames_lost_before > 0) outcomes().count("released after a loss");
    if (frame.data.empty()) outcomes().count("released empty frame");
    last_released_ = frame.frame_id;
    frames_.erase(frames_.begin(), std::next(it));
  }

  void poll() {
    const bool needed = buffer_.keyframe_needed();
    const std::uint64_t requests = buffer_.stats().keyframe_requests;
    const bool asked = buffer_.poll_keyframe_request(now_);
    FUZZ_CHECK(buffer_.stats().keyframe_requests == requests + (asked ? 1 : 0));
    FUZZ_CHECK(!asked || needed);
    const bool interval_passed =
        !last_request_ || sat_sub(now_, *last_request_) >= config_.keyframe_request_interval_us;
    if (needed) FUZZ_CHECK(asked == interval_passed);
    if (asked) {
      last_request_ = now_;
      outcomes().count("keyframe requested");
    } else if (needed) {
      outcomes().count("keyframe request held back");
    }
    check_state();
  }

  void check_state() {
    const JitterStats& s = buffer_.stats();
    FUZZ_CHECK(s.depth_frames <= config_.max_frames);
    FUZZ_CHECK(s.depth_bytes <= config_.max_bytes);
    FUZZ_CHECK((s.depth_frames == 0) == (s.depth_bytes == 0));
    const std::optional<std::int64_t> deadline = buffer_.next_deadline_us();
    FUZZ_CHECK(deadline.has_value() == (s.depth_frames > 0));
  }

  media::JitterConfig config_;
  media::JitterBuffer buffer_;
  std::int64_t now_;
  std::uint64_t cursor_ = 0;  // the last frame id read
  std::size_t inserts_ = 0;
  std::map<std::uint64_t, ModelFrame> frames_;
  std::optional<std::uint64_t> last_released_;  // since the last resync
  bool pure_video_ = true;                      // every parsed fragment so far was H.264
  bool awaiting_keyframe_ = true;               // the model's view, for pure video streams
  std::optional<std::int64_t> last_request_;    // the last keyframe request said yes
};

}  // namespace
}  // namespace agentcast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentcast::fuzz;
  ByteReader in(std::span<const std::uint8_t>(data, size));
  std::uint8_t setup_bytes[jitter_input::kSetupSize];
  for (std::uint8_t& b : setup_bytes)
    b = in.u8();
  Harness harness(jitter_input::setup_from(setup_bytes));
  harness.run(in);
  return 0;
}

// Called by replay_main.cpp after the last input.
extern "C" int AgentcastFuzzReplayReport(int strict) {
  return agentcast::fuzz::outcomes().report("fragment_jitter", strict);
}
