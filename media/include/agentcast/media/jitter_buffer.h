#pragma once
// Reassembly and jitter buffer for one received stream (DESIGN.md, Fig. 20; the rules are
// in docs/MEDIA_FRAMING.md). It collects fragments by frame id, releases whole frames in
// frame-id order at a steady delay behind their capture, gives up on frames that cannot
// complete in time, and stops handing video on after a lost reference until a keyframe
// arrives (so the decoder never chews on garbage). For audio a loss is reported as a count
// of frames lost before the next released one, for Opus PLC/FEC.
//
// Timing: a frame's playout time is capture_time + transit + latency, where transit is the
// smallest (arrival - capture) seen over the last few seconds: this maps the sender's
// clock onto ours without synchronised clocks, and smooths network jitter up to
// `latency`. An incomplete frame is given up at first_arrival + max(latency,
// min_completion_wait), or earlier as soon as any later frame is due. With latency 0 a
// complete frame is released at once, in order.
//
// Memory is bounded by max_frames and max_bytes whatever the peer claims: storage grows
// with fragments actually received, never with the fragment count a header announces.
// Everything on the packet path reports errors as return values and counters; only the
// constructor throws (bad config), and pop() only std::bad_alloc. Since memory is bounded,
// a peer cannot cause that. Single-threaded: one instance belongs to the receive/decode
// thread.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "agentcast/media/media_types.h"
#include "agentcast/media/packetizer.h"

namespace agentcast::media {

struct JitterConfig {
  std::int64_t latency_us = 50'000;  // --latency MS; 0 = release as soon as complete
  // An incomplete frame always gets at least this long after its first fragment, so that
  // latency 0 does not mean "give up whatever is not complete on the first pop".
  std::int64_t min_completion_wait_us = 10'000;
  std::size_t max_frames = 64;                   // frames buffered at once (>= 2)
  std::size_t max_bytes = std::size_t{8} << 20;  // fragment data and bookkeeping (>= 256 KiB)
  // Frame ids this far or further ahead of the next expected one are refused ...
  std::uint64_t max_frame_span = 1024;
  // ... unless no fragment inside the window has arrived for this long: then the stream
  // has evidently jumped (a long outage) and the buffer starts over at the new id.
  std::int64_t resync_after_us = 1'000'000;
  std::int64_t keyframe_request_interval_us = 100'000;
  std::int64_t transit_window_us = 2'000'000;  // memory of the smallest transit time
};

enum class InsertStatus : std::uint8_t {
  kBuffered,   // stored; the frame is still incomplete
  kCompleted,  // stored; the frame is now complete
  kInvalid,    // did not parse, or index >= count
  kDuplicate,  // this fragment was already stored
  kLate,       // its frame was already released or given up
  kCorrupt,    // disagrees with earlier fragments of its frame (which is now dropped)
  kDiscarded,  // its frame was marked corrupt earlier
  kFarFuture,  // frame id beyond max_frame_span
  kOverflow,   // no room even after giving up older frames
};

// Counters since construction. Every frame id the stream passes over is counted exactly
// once in released, dropped, evicted, missing, corrupt or skipped.
struct JitterStats {
  std::uint64_t fragments_received = 0;  // every insert() call
  std::uint64_t fragments_invalid = 0;   // unparsable, or index >= count
  std::uint64_t fragments_duplicate = 0;
  std::uint64_t fragments_late = 0;        // for frames already released or given up
  std::uint64_t fragments_reordered = 0;   // arrived after a fragment that follows it
  std::uint64_t fragments_far_future = 0;  // frame id beyond the window
  std::uint64_t fragments_overflow = 0;    // refused for lack of room
  std::uint64_t fragments_discarded = 0;   // for frames already marked corrupt
  std::uint64_t frames_complete = 0;       // all fragments arrived
  std::uint64_t frames_released = 0;       // handed out by pop()
  std::uint64_t frames_dropped = 0;        // given up incomplete at their deadline
  std::uint64_t frames_evicted = 0;        // given up early to make room
  std::uint64_t frames_missing = 0;        // ids never seen, passed over
  std::uint64_t frames_corrupt = 0;        // fragment headers that lie (counts, metadata)
  std::uint64_t frames_skipped = 0;        // video not handed out while awaiting a keyframe
  std::uint64_t keyframe_requests = 0;     // poll_keyframe_request() said yes
  std::uint64_t resyncs = 0;               // started over at a far-away frame id
  std::size_t depth_frames = 0;            // frames buffered now
  std::size_t depth_bytes = 0;             // bytes charged now (see max_bytes)
};

struct ReleasedFrame {
  EncodedFrame frame;
  // Frames of this stream given up (lost, dropped, skipped) since the previous released
  // frame: for audio, how many frames Opus FEC/PLC has to cover before decoding this one.
  std::uint64_t frames_lost_before = 0;
};

class JitterBuffer {
 public:
  // Throws std::invalid_argument for a configuration outside the documented bounds.
  explicit JitterBuffer(const JitterConfig& config = {});

  // Parses and stores one media packet payload that arrived at `arrival_us`.
  InsertStatus insert(std::span<const std::uint8_t> payload, std::int64_t arrival_us) noexcept;
  InsertStatus insert(const FragmentView& fragment, std::int64_t arrival_us) noexcept;

  // The next frame in frame-id order once it is due at `now_us`, giving up on frames that
  // can no longer complete in time. Empty if nothing is due yet.
  std::optional<ReleasedFrame> pop(std::int64_t now_us);

  // When pop() will next have something to do if no fragment arrives meanwhile (possibly
  // already past); empty when nothing is buffered.
  std::optional<std::int64_t> next_deadline_us() const noexcept;

  // True while video is held back for want of a keyframe (after a loss, or on joining).
  bool keyframe_needed() const noexcept;
  // True, and counted, when the caller should ask the sender for a keyframe now: while a
  // keyframe is needed, at most once per keyframe_request_interval_us.
  bool poll_keyframe_request(std::int64_t now_us) noexcept;

  const JitterStats& stats() const noexcept { return stats_; }
  const JitterConfig& config() const noexcept { return config_; }

 private:
  struct Piece {
    std::uint32_t offset;  // into Slot::data
    std::uint32_t size;
    std::uint16_t index;
  };
  struct Slot {
    bool used = false;
    bool corrupt = false;  // a tombstone: remembers the id so later fragments are dropped
    bool in_order = true;  // pieces arrived in index order (no sort on release)
    std::uint64_t frame_id = 0;
    Codec codec = Codec::kH264;
    bool keyframe = false;
    std::uint16_t count = 0;
    std::uint16_t received = 0;
    std::int64_t capture_time_us = 0;
    std::int64_t first_arrival_us = 0;
    std::size_t charged = 0;          // bytes counted against max_bytes
    std::vector<std::uint64_t> have;  // one bit per fragment index
    std::vector<Piece> pieces;        // in arrival order
    std::vector<std::uint8_t> data;   // fragment data in arrival order
    bool complete() const noexcept { return !corrupt && received == count; }
  };
  enum class Action : std::uint8_t { kNone, kRelease, kSkip, kGiveUp };
  static constexpr std::size_t kNoSlot = std::numeric_limits<std::size_t>::max();
  struct Plan {
    Action action = Action::kNone;
    std::int64_t at = std::numeric_limits<std::int64_t>::max();
    std::size_t head = kNoSlot;  // kNoSlot when the head frame was never seen
  };

  Plan plan() const noexcept;
  std::size_t find(std::uint64_t frame_id) const noexcept;
  std::size_t lowest() const noexcept;
  std::int64_t playout_us(const Slot& slot) const noexcept;
  std::int64_t deadline_us(const Slot& slot) const noexcept;
  bool in_window(std::uint64_t frame_id) const noexcept;
  bool video_stream() const noexcept;
  void note_transit(std::int64_t arrival_us, std::int64_t capture_us) noexcept;
  InsertStatus store(const FragmentView& fragment, std::int64_t arrival_us);
  bool make_room(std::size_t bytes, std::size_t keep, std::uint64_t frame_id);
  void mark_corrupt(Slot& slot) noexcept;
  void free_slot(Slot& slot) noexcept;
  void give_up_head(const Plan& plan) noexcept;
  void give_up_through(std::uint64_t frame_id) noexcept;
  void resync() noexcept;
  void note_lost(std::uint64_t frames, bool video) noexcept;
  ReleasedFrame release(Slot& slot);

  JitterConfig config_;
  std::vector<Slot> slots_;  // max_frames slots, allocated once; buffers reused
  JitterStats stats_;
  bool anchored_ = false;      // a frame has been released or given up
  std::uint64_t next_id_ = 0;  // when anchored: the frame id due next
  std::uint64_t lost_since_release_ = 0;
  bool awaiting_keyframe_ = true;  // a decoder cannot start from a predicted frame
  std::optional<Codec> stream_codec_;
  std::optional<std::int64_t> last_request_us_;
  std::optional<std::int64_t> last_in_window_us_;
  std::uint64_t highest_key_frame_ = 0;  // for reorder counting: (frame, index) high mark
  std::uint32_t highest_key_index_ = 0;
  bool have_highest_ = false;
  // Smallest transit in the current and the previous window: min of both is the estimate.
  std::optional<std::int64_t> transit_cur_, transit_prev_;
  std::int64_t transit_window_start_ = 0;
};

}  // namespace agentcast::media
