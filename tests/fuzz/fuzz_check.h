#pragma once
// What the parser fuzzers (control_messages, feedback, bundle, fragment_jitter) share: an
// invariant check that aborts with its text (so libFuzzer and the corpus replay both
// report it as a crash), a reader of fuzzer input that never reads past the end, and a
// tally of the outcomes the inputs reached, for AgentcastFuzzReplayReport() (see
// replay_main.cpp: with --require-complete, the corpus must reach every outcome listed).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast::fuzz {

[[noreturn]] inline void fail_check(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
  std::fflush(stderr);
  std::abort();
}

#define FUZZ_CHECK(condition)                                                        \
  do {                                                                               \
    if (!(condition)) ::agentcast::fuzz::fail_check(__FILE__, __LINE__, #condition); \
  } while (false)

// Reads fuzzer input front to back; a missing byte reads as zero, so that every input
// parses as something.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  bool empty() const { return position_ >= bytes_.size(); }
  std::size_t remaining() const { return bytes_.size() - std::min(position_, bytes_.size()); }
  std::uint8_t u8() { return position_ < bytes_.size() ? bytes_[position_++] : 0; }
  std::uint16_t u16() {
    const unsigned high = u8();
    return static_cast<std::uint16_t>(high << 8 | u8());
  }
  std::uint32_t u32() {
    const std::uint32_t high = u16();
    return high << 16 | u16();
  }
  std::uint64_t u64() {
    const std::uint64_t high = u32();
    return high << 32 | u32();
  }
  // Up to `n` bytes: fewer when the input ends.
  std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, remaining());
    const std::span<const std::uint8_t> bytes = bytes_.subspan(position_, n);
    position_ += n;
    return bytes;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
};

// Named counters of what the inputs reached. `expect` lists the outcomes a complete
// corpus must reach (each at least once); others are counted and printed too. Only the
// corpus replay (built with AGENTCAST_FUZZ_REPLAY) counts: libFuzzer never reports them,
// and it runs each input many times faster without.
#if defined(AGENTCAST_FUZZ_REPLAY)
inline constexpr bool kCountOutcomes = true;
#else
inline constexpr bool kCountOutcomes = false;
#endif

class Outcomes {
 public:
  void expect(std::string_view name) { find_or_add(name); }
  void count(std::string_view name) {
    if constexpr (kCountOutcomes) ++find_or_add(name)->second;
  }

  // Prints the counts; returns non-zero when `strict` and an expected outcome was never
  // reached.
  int report(const char* target, int strict) const {
    std::vector<std::string> missing;
    std::printf("%s outcomes:\n", target);
    for (const auto& [name, n] : counts_) {
      std::printf("  %-40s %llu\n", name.c_str(), static_cast<unsigned long long>(n));
      if (n == 0) missing.push_back(name);
    }
    std::fflush(stdout);
    if (strict && !missing.empty()) {
      std::fprintf(stderr, "the corpus does not reach every outcome; never reached:");
      for (const std::string& name : missing)
        std::fprintf(stderr, " %s", name.c_str());
      std::fprintf(stderr, "\n");
      return 1;
    }
    return 0;
  }

 private:
  using Counts = std::map<std::string, std::uint64_t, std::less<>>;
  Counts::iterator find_or_add(std::string_view name) {
    auto it = counts_.find(name);
    if (it == counts_.end()) it = counts_.emplace(std::string(name), 0).first;
    return it;
  }

  Counts counts_;
};

}  // namespace agentcast::fuzz
