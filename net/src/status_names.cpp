// The names of the packet path's outcomes, apart from the sections: hosts print them
// without linking any cipher code (the agents hold that).
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/sending_section.h"

namespace agentcast::net {

std::string_view to_string(SealStatus status) noexcept {
  switch (status) {
    case SealStatus::kOk:
      return "ok";
    case SealStatus::kPayloadTooLarge:
      return "payload too large";
    case SealStatus::kBufferTooSmall:
      return "output buffer too small";
    case SealStatus::kSequenceExhausted:
      return "sequence numbers exhausted";
    case SealStatus::kCipherFailure:
      return "cipher failure";
    case SealStatus::kUnknownStream:
      return "unknown stream";
  }
  return "unknown";
}

std::string_view to_string(OpenStatus status) noexcept {
  switch (status) {
    case OpenStatus::kOk:
      return "ok";
    case OpenStatus::kTruncated:
      return "truncated";
    case OpenStatus::kOversized:
      return "oversized";
    case OpenStatus::kBadVersion:
      return "bad version";
    case OpenStatus::kBadFlags:
      return "bad flags";
    case OpenStatus::kWrongStream:
      return "wrong stream";
    case OpenStatus::kUnknownEpoch:
      return "unknown epoch";
    case OpenStatus::kStaleEpoch:
      return "stale epoch";
    case OpenStatus::kReplay:
      return "replay";
    case OpenStatus::kTooOld:
      return "too old";
    case OpenStatus::kForged:
      return "forged";
    case OpenStatus::kBufferTooSmall:
      return "buffer too small";
    case OpenStatus::kCipherFailure:
      return "cipher failure";
    case OpenStatus::kNoInstruction:
      return "no instruction";
    case OpenStatus::kBeforeStart:
      return "before start";
    case OpenStatus::kTooFarAhead:
      return "too far ahead";
    case OpenStatus::kWrongOrigin:
      return "wrong origin";
  }
  return "unknown";
}

}  // namespace agentcast::net
