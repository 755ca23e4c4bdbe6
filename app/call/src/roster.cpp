#include "roster.h"

namespace agentcast::app {

std::size_t Roster::size() const {
  std::lock_guard lock(mutex_);
  return viewers_.size();
}

std::optional<std::uint16_t> Roster::free_slot(int max_viewers) const {
  std::lock_guard lock(mutex_);
  if (static_cast<int>(viewers_.size()) >= max_viewers) return std::nullopt;
  std::uint16_t slot = 0;
  while (viewers_.count(slot) != 0)
    ++slot;
  return slot;
}

void Roster::add(RosterEntry entry) {
  std::lock_guard lock(mutex_);
  const std::uint16_t slot = entry.slot;
  viewers_.insert_or_assign(slot, std::move(entry));
}

std::optional<RosterEntry> Roster::remove(std::uint16_t slot) {
  std::lock_guard lock(mutex_);
  auto it = viewers_.find(slot);
  if (it == viewers_.end()) return std::nullopt;
  RosterEntry entry = std::move(it->second);
  viewers_.erase(it);
  return entry;
}

std::vector<OutgoingMedia::Recipient> Roster::endpoints_for(const media::EncodedFrame& frame) {
  std::vector<OutgoingMedia::Recipient> endpoints;
  std::lock_guard lock(mutex_);
  endpoints.reserve(viewers_.size());
  for (auto& [slot, viewer] : viewers_) {
    if (viewer.media.empty()) continue;
    if (frame.codec == media::Codec::kH264 && !viewer.video_started) {
      if (!frame.keyframe) continue;
      viewer.video_started = true;
    }
    endpoints.push_back({viewer.media, slot});
  }
  return endpoints;
}

bool Roster::update(std::uint16_t slot, const std::function<void(RosterEntry&)>& change) {
  std::lock_guard lock(mutex_);
  auto it = viewers_.find(slot);
  if (it == viewers_.end()) return false;
  change(it->second);
  return true;
}

std::optional<std::int64_t> Roster::last_heard(std::uint16_t slot) const {
  std::lock_guard lock(mutex_);
  auto it = viewers_.find(slot);
  if (it == viewers_.end()) return std::nullopt;
  return it->second.last_heard_us;
}

std::vector<RosterEntry> Roster::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<RosterEntry> entries;
  entries.reserve(viewers_.size());
  for (const auto& [slot, viewer] : viewers_)
    entries.push_back(viewer);
  return entries;
}

}  // namespace agentcast::app
