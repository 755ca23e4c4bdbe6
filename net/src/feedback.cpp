#include "agentcast/net/feedback.h"

namespace agentcast::net {
namespace {

enum Type : std::uint8_t {
  kProbe = 1,
  kKeyframeRequest = 2,
  kReceiverReport = 3,
  kPathResponse = 4,
};

class Writer {
 public:
  explicit Writer(Type type) { out_.push_back(type); }
  Writer& put(std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  std::vector<std::uint8_t> out_;
};

class Reader {
 public:
  explicit Reader(crypto::Bytes bytes) : bytes_(bytes) {}
  std::uint64_t get(int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      if (position_ >= bytes_.size()) {
        ok_ = false;
        return 0;
      }
      v = v << 8 | bytes_[position_++];
    }
    return v;
  }
  // Every byte used, none missing.
  bool complete() const { return ok_ && position_ == bytes_.size(); }

 private:
  crypto::Bytes bytes_;
  std::size_t position_ = 1;  // after the type byte
  bool ok_ = true;
};

struct Encode {
  std::vector<std::uint8_t> operator()(const ProbeFeedback& f) const {
    return Writer(kProbe).put(f.viewer_slot, 2).take();
  }
  std::vector<std::uint8_t> operator()(const KeyframeRequest& f) const {
    return Writer(kKeyframeRequest).put(f.stream_id, 2).take();
  }
  std::vector<std::uint8_t> operator()(const ReceiverReport& f) const {
    return Writer(kReceiverReport)
        .put(f.packets_received, 8)
        .put(f.packets_lost, 8)
        .put(f.frames_decoded, 8)
        .put(f.latency_p50_us, 4)
        .put(f.latency_p95_us, 4)
        .take();
  }
  std::vector<std::uint8_t> operator()(const PathResponse& f) const {
    Writer writer(kPathResponse);
    for (std::uint8_t byte : f.token)
      writer.put(byte, 1);
    return writer.take();
  }
};

}  // namespace

std::vector<std::uint8_t> encode_feedback(const Feedback& feedback) {
  return std::visit(Encode{}, feedback);
}

std::optional<Feedback> decode_feedback(crypto::Bytes bytes) {
  if (bytes.empty()) return std::nullopt;
  Reader r(bytes);
  Feedback feedback;
  switch (bytes[0]) {
    case kProbe:
      feedback = ProbeFeedback{static_cast<std::uint16_t>(r.get(2))};
      break;
    case kKeyframeRequest:
      feedback = KeyframeRequest{static_cast<std::uint16_t>(r.get(2))};
      break;
    case kReceiverReport: {
      ReceiverReport report;
      report.packets_received = r.get(8);
      report.packets_lost = r.get(8);
      report.frames_decoded = r.get(8);
      report.latency_p50_us = static_cast<std::uint32_t>(r.get(4));
      report.latency_p95_us = static_cast<std::uint32_t>(r.get(4));
      feedback = report;
      break;
    }
    case kPathResponse: {
      PathResponse response;
      for (std::uint8_t& byte : response.token)
        byte = static_cast<std::uint8_t>(r.get(1));
      feedback = response;
      break;
    }
    default:
      return std::nullopt;
  }
  if (!r.complete()) return std::nullopt;
  return feedback;
}

}  // namespace agentcast::net
