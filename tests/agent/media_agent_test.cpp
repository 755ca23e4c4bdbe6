// The agent's application interface: plaintext in, packets out, and back, by stream.

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "agentcast/agent/media_agent.h"

namespace agentcast::agent {
namespace {

using net::MediaKind;

std::vector<std::uint8_t> seal(MediaAgent& agent, std::uint16_t stream,
                               std::vector<std::uint8_t> payload) {
  std::vector<std::uint8_t> packet(agent.mtu());
  const auto result = agent.seal(stream, payload, packet);
  EXPECT_EQ(result.status, net::SealStatus::kOk);
  packet.resize(result.size);
  return packet;
}

TEST(MediaAgent, RoutesEachStreamInBothDirections) {
  const SessionParams params = SessionParams::generate();
  MediaAgent sender(params, Role::kSender);
  MediaAgent viewer(params, Role::kViewer);
  sender.add_outgoing(1, MediaKind::kVideo);
  sender.add_outgoing(2, MediaKind::kAudio);
  sender.add_incoming(0x100, MediaKind::kControl);
  viewer.add_incoming(1, MediaKind::kVideo);
  viewer.add_incoming(2, MediaKind::kAudio);
  viewer.add_outgoing(0x100, MediaKind::kControl);

  std::vector<std::uint8_t> payload(viewer.mtu());
  for (std::uint16_t stream : {1, 2, 1, 1, 2}) {
    const auto packet = seal(sender, stream, {static_cast<std::uint8_t>(stream), 42});
    const auto opened = viewer.open(packet, payload);
    ASSERT_EQ(opened.status, net::OpenStatus::kOk);
    EXPECT_EQ(opened.header.stream_id, stream);
    EXPECT_EQ(payload[0], stream);
  }
  EXPECT_EQ(sender.open(seal(viewer, 0x100, {7}), payload).status, net::OpenStatus::kOk);

  const AgentStats stats = viewer.stats();
  EXPECT_EQ(stats.receiving.at(1).accepted(), 3U);
  EXPECT_EQ(stats.receiving.at(2).accepted(), 2U);
  EXPECT_EQ(stats.sending.at(0x100).packets_sealed, 1U);
}

TEST(MediaAgent, RefusesUnknownStreamsAndCountsThem) {
  const SessionParams params = SessionParams::generate();
  MediaAgent sender(params, Role::kSender);
  MediaAgent viewer(params, Role::kViewer);
  sender.add_outgoing(1, MediaKind::kVideo);
  sender.add_outgoing(9, MediaKind::kVideo);
  viewer.add_incoming(1, MediaKind::kVideo);
  std::vector<std::uint8_t> packet(100);
  EXPECT_EQ(sender.seal(5, std::vector<std::uint8_t>{1}, packet).status,
            net::SealStatus::kUnknownStream);
  std::vector<std::uint8_t> payload(100);
  EXPECT_EQ(viewer.open(seal(sender, 9, {1}), payload).status, net::OpenStatus::kWrongStream);
  EXPECT_EQ(viewer.stats().packets_for_unknown_streams, 1U);
  EXPECT_EQ(viewer.open(std::vector<std::uint8_t>{1, 2}, payload).status,
            net::OpenStatus::kTruncated);
}

TEST(MediaAgent, LateJoinerStartsFromTheJoinState) {
  SessionParams params = SessionParams::generate();
  params.packets_per_epoch = 5;
  MediaAgent sender(params, Role::kSender);
  sender.add_outgoing(1, MediaKind::kVideo);
  for (int i = 0; i < 23; ++i)
    seal(sender, 1, {1});
  const StreamJoinState state = sender.join_state(1);
  EXPECT_EQ(state.epoch, 4U);
  MediaAgent viewer(params, Role::kViewer);
  viewer.add_incoming(1, MediaKind::kVideo, &state);
  std::vector<std::uint8_t> payload(100);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(viewer.open(seal(sender, 1, {2}), payload).status, net::OpenStatus::kOk);
  }
}

TEST(MediaAgent, StreamsSealInParallelThreads) {
  const SessionParams params = SessionParams::generate();
  MediaAgent sender(params, Role::kSender);
  sender.add_outgoing(1, MediaKind::kVideo);
  sender.add_outgoing(2, MediaKind::kAudio);
  auto run = [&](std::uint16_t stream) {
    std::vector<std::uint8_t> packet(sender.mtu());
    const std::vector<std::uint8_t> payload(500, 1);
    for (int i = 0; i < 2000; ++i) {
      if (sender.seal(stream, payload, packet).status != net::SealStatus::kOk) return;
    }
  };
  std::thread video(run, 1);
  std::thread audio(run, 2);
  for (int i = 0; i < 100; ++i)
    sender.stats();  // snapshots race nothing
  video.join();
  audio.join();
  EXPECT_EQ(sender.stats().sending.at(1).packets_sealed, 2000U);
  EXPECT_EQ(sender.stats().sending.at(2).packets_sealed, 2000U);
}

}  // namespace
}  // namespace agentcast::agent

namespace agentcast::agent {
namespace {

TEST(MediaAgent, IncomingStreamsComeAndGoWhilePacketsFlow) {
  const SessionParams params = SessionParams::generate();
  MediaAgent sender(params, Role::kSender);
  MediaAgent viewer(params, Role::kViewer);
  viewer.add_outgoing(0x100, MediaKind::kControl);
  std::vector<std::vector<std::uint8_t>> packets;
  for (int i = 0; i < 200; ++i)
    packets.push_back(seal(viewer, 0x100, {1}));
  std::atomic<bool> done{false};
  std::thread receiver([&] {
    std::vector<std::uint8_t> payload(100);
    for (const auto& p : packets)
      sender.open(p, payload);
    done = true;
  });
  for (int i = 0; i < 50 && !done; ++i) {
    sender.add_incoming(0x100, MediaKind::kControl);
    sender.remove_incoming(0x100);
  }
  receiver.join();
  std::vector<std::uint8_t> payload(100);
  EXPECT_EQ(sender.open(packets.front(), payload).status, net::OpenStatus::kWrongStream);
}

}  // namespace
}  // namespace agentcast::agent

namespace agentcast::agent {
namespace {

SessionParams distributed_params(std::uint64_t packets_per_epoch) {
  SessionParams params = SessionParams::generate();
  params.seed_mode = net::SeedMode::kDistributed;
  params.packets_per_epoch = packets_per_epoch;
  return params;
}

TEST(MediaAgent, DistributedSeedsAreOwedPerStreamAndFollowed) {
  const SessionParams params = distributed_params(5);
  MediaAgent sender(params, Role::kSender);
  sender.add_outgoing(1, MediaKind::kVideo);
  sender.add_outgoing(2, MediaKind::kAudio);
  MediaAgent viewer(params, Role::kViewer);
  viewer.add_incoming(1, MediaKind::kVideo);
  viewer.add_incoming(2, MediaKind::kAudio);
  std::vector<std::uint8_t> payload(100);

  // An epoch changes on the packet after its quota: from then on the next seed is owed.
  int seeds = 0;
  for (int i = 0; i < 21; ++i) {
    if (const auto epoch = sender.epoch_needing_seed(1)) {
      ASSERT_EQ(*epoch, sender.join_state(1).epoch + 1);
      const crypto::Secret seed = crypto::Secret::random(crypto::kSeedSize);
      EXPECT_FALSE(sender.set_next_seed(1, *epoch + 1, seed)) << "not the next epoch";
      ASSERT_TRUE(sender.set_next_seed(1, *epoch, seed));
      EXPECT_EQ(sender.epoch_needing_seed(1), std::nullopt) << "the seed is held";
      ASSERT_TRUE(viewer.provide_seed(1, *epoch, seed));
      ++seeds;
    }
    ASSERT_EQ(viewer.open(seal(sender, 1, {2}), payload).status, net::OpenStatus::kOk) << i;
  }
  EXPECT_EQ(seeds, 4) << "epochs 1 to 4";
  EXPECT_EQ(sender.stats().sending.at(1).epochs, 4U);
  EXPECT_EQ(sender.stats().sending.at(1).epoch_changes_delayed, 0U);
  EXPECT_EQ(viewer.stats().receiving.at(1).epochs, 4U);

  // The other stream's epochs are its own: still owed its first seed, and without one it
  // keeps sealing in its epoch rather than stall.
  EXPECT_EQ(sender.epoch_needing_seed(2), 1U);
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(viewer.open(seal(sender, 2, {3}), payload).status, net::OpenStatus::kOk);
  }
  EXPECT_EQ(sender.stats().sending.at(2).epochs, 0U);
  EXPECT_GT(sender.stats().sending.at(2).epoch_changes_delayed, 0U);

  const crypto::Secret seed = crypto::Secret::random(crypto::kSeedSize);
  EXPECT_FALSE(sender.set_next_seed(7, 1, seed)) << "unknown outgoing stream";
  EXPECT_EQ(sender.epoch_needing_seed(7), std::nullopt);
  EXPECT_FALSE(viewer.provide_seed(7, 1, seed)) << "unknown incoming stream";
  EXPECT_FALSE(viewer.provide_seed(1, 4 + net::ReceivingSection::kFutureEpochs + 1, seed))
      << "too far ahead";
  EXPECT_TRUE(viewer.provide_seed(1, 4, seed)) << "the current epoch: already held, ignored";
  EXPECT_EQ(viewer.open(seal(sender, 1, {9}), payload).status, net::OpenStatus::kOk);
}

TEST(MediaAgent, SynchronizedModeOwesNoSeeds) {
  SessionParams params = SessionParams::generate();
  params.packets_per_epoch = 5;
  MediaAgent sender(params, Role::kSender);
  sender.add_outgoing(1, MediaKind::kVideo);
  EXPECT_EQ(sender.epoch_needing_seed(1), std::nullopt);
  EXPECT_FALSE(sender.set_next_seed(1, 1, crypto::Secret::random(crypto::kSeedSize)));
}

TEST(MediaAgent, DistributedLateJoinerGetsThePendingSeed) {
  const SessionParams params = distributed_params(5);
  MediaAgent sender(params, Role::kSender);
  sender.add_outgoing(1, MediaKind::kVideo);
  crypto::Secret pending;
  auto owe = [&] {
    const auto epoch = sender.epoch_needing_seed(1);
    ASSERT_TRUE(epoch);
    pending = crypto::Secret::random(crypto::kSeedSize);
    ASSERT_TRUE(sender.set_next_seed(1, *epoch, pending));
  };
  for (int i = 0; i < 12; ++i) {
    if (sender.epoch_needing_seed(1)) owe();
    seal(sender, 1, {1});
  }
  // What the sender tells a joiner: where the stream is, then the seed already handed out.
  const StreamJoinState state = sender.join_state(1);
  EXPECT_EQ(state.epoch, 2U);
  MediaAgent viewer(params, Role::kViewer);
  viewer.add_incoming(1, MediaKind::kVideo, &state);
  ASSERT_TRUE(viewer.provide_seed(1, state.epoch + 1, pending));
  std::vector<std::uint8_t> payload(100);
  for (int i = 0; i < 20; ++i) {
    if (sender.epoch_needing_seed(1)) {
      owe();
      ASSERT_TRUE(viewer.provide_seed(1, sender.join_state(1).epoch + 1, pending));
    }
    ASSERT_EQ(viewer.open(seal(sender, 1, {2}), payload).status, net::OpenStatus::kOk) << i;
  }
  EXPECT_EQ(sender.stats().sending.at(1).epoch_changes_delayed, 0U);
}

// The seed generating section runs on its own thread while media is sealed and opened.
TEST(MediaAgent, SeedsArriveFromAnotherThreadWhilePacketsFlow) {
  const SessionParams params = distributed_params(10);
  MediaAgent sender(params, Role::kSender);
  sender.add_outgoing(1, MediaKind::kVideo);
  MediaAgent viewer(params, Role::kViewer);
  viewer.add_incoming(1, MediaKind::kVideo);
  std::atomic<bool> done{false};
  std::thread seeds([&] {
    while (!done) {
      if (const auto epoch = sender.epoch_needing_seed(1)) {
        const crypto::Secret seed = crypto::Secret::random(crypto::kSeedSize);
        // The viewer first, as the real channel delivers it ahead of use.
        viewer.provide_seed(1, *epoch, seed);
        sender.set_next_seed(1, *epoch, seed);
      }
      std::this_thread::yield();
    }
  });
  std::vector<std::uint8_t> packet(sender.mtu()), payload(sender.mtu());
  const std::vector<std::uint8_t> data(200, 7);
  std::uint64_t opened = 0;
  for (int i = 0; i < 3000; ++i) {
    const auto sealed = sender.seal(1, data, packet);
    ASSERT_EQ(sealed.status, net::SealStatus::kOk);
    opened += viewer.open(crypto::Bytes(packet.data(), sealed.size), payload).status ==
              net::OpenStatus::kOk;
  }
  done = true;
  seeds.join();
  EXPECT_EQ(opened, 3000U);
  EXPECT_GT(sender.stats().sending.at(1).epochs, 0U);
  EXPECT_EQ(sender.stats().sending.at(1).epochs, viewer.stats().receiving.at(1).epochs);
}

}  // namespace
}  // namespace agentcast::agent
