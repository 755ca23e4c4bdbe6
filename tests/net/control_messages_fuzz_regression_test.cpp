// Control-message bugs found by tests/fuzz (control_messages_fuzzer and its corpus); the
// inputs that found them are in tests/fuzz/corpus_control_messages/.

#include <gtest/gtest.h>

#include <vector>

#include "agentcast/net/control_messages.h"

namespace agentcast::net {
namespace {

SessionMessage session_with(std::vector<crypto::UnitId> units) {
  SessionMessage m;
  m.params.session_id.fill(7);
  m.params.initial_seed = crypto::Secret(crypto::Bytes(std::vector<std::uint8_t>(32, 1)));
  m.params.units.units = std::move(units);
  return m;
}

// A session's units are the ones it lists, not those appended to SessionParams' default
// unit set: the standard set came back with every unit twice and was refused.
TEST(ControlMessagesFuzzRegression, SessionUnitsAreExactlyTheListSent) {
  for (const std::vector<crypto::UnitId>& units :
       {crypto::UnitSet::standard().units, std::vector<crypto::UnitId>{crypto::UnitId::kAes256Ocb},
        std::vector<crypto::UnitId>{crypto::UnitId::kChaCha20Poly1305,
                                    crypto::UnitId::kAes256Gcm}}) {
    const DecodedControl decoded = decode_control(encode_control(session_with(units)));
    ASSERT_TRUE(decoded.message) << decoded.error;
    const auto& got = std::get<SessionMessage>(*decoded.message);
    EXPECT_EQ(got.params.units.units, units);
    EXPECT_EQ(got.params.units.reference_policy, crypto::ReferenceUnits::kRefuse);
  }
}

}  // namespace
}  // namespace agentcast::net
