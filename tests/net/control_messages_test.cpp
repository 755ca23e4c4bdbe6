// Call codes, control-channel messages and feedback: round trips, and refusal with a reason.

#include <gtest/gtest.h>

#include <algorithm>

#include "agentcast/crypto/join_proof.h"
#include "agentcast/net/call_code.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/feedback.h"
#include "agentcast/net/path_challenge.h"

namespace agentcast::net {
namespace {

TEST(CallCode, RoundTripsV4V6AndNames) {
  const crypto::Fingerprint fp = crypto::Identity::generate().fingerprint();
  for (const char* host : {"127.0.0.1", "::1", "sender.example"}) {
    const CallCode code{host, 7000, fp, crypto::random_join_secret()};
    const CallCode parsed = CallCode::parse(code.to_string());
    EXPECT_EQ(parsed.host, host);
    EXPECT_EQ(parsed.port, 7000);
    EXPECT_EQ(parsed.fingerprint, fp);
    EXPECT_TRUE(parsed.join_secret == code.join_secret);
    EXPECT_EQ(parsed.join_secret.size(), crypto::kJoinSecretSize);
  }
  EXPECT_EQ((CallCode{"::1", 5, fp}.host_port()), "[::1]:5");
}

TEST(CallCode, RefusesMalformedCodesWithAReason) {
  const std::string fp(64, 'a');
  const std::string k = "&k=" + std::string(32, 'b');
  for (const std::string& bad :
       {std::string("http://h:1/#fp=") + fp + k, "agentcast://h:1/" + fp + k,
        "agentcast://h/#fp=" + fp + k, "agentcast://h:0/#fp=" + fp + k,
        "agentcast://h:70000/#fp=" + fp + k, std::string("agentcast://h:1/#fp=abc") + k,
        "agentcast://[::1:5/#fp=" + fp + k, "agentcast://h:1/#fp=" + fp + "&k=abc",
        "agentcast://h:1/#fp=" + fp + "&k=" + std::string(32, 'z'),
        "agentcast://h:1/#fp=" + fp + "&k=" + std::string(34, 'b'), std::string()}) {
    EXPECT_THROW(CallCode::parse(bad), std::invalid_argument) << bad;
  }
  EXPECT_NO_THROW(CallCode::parse("agentcast://h:1/#fp=" + fp + k));
  // The message names the code but never repeats its secret.
  const std::string secret = "0123456789abcdef0123456789abcdef";
  try {
    CallCode::parse("agentcast://h:0/#fp=" + fp + "&k=" + secret);
    ADD_FAILURE() << "port 0 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("agentcast://h:0/#fp="), std::string::npos) << e.what();
  }
}

// A code cut short (no &k=) could still name the right sender; it is refused in words that
// tell the user what is missing.
TEST(CallCode, ACodeWithoutItsJoinSecretIsIncomplete) {
  try {
    CallCode::parse("agentcast://h:1/#fp=" + std::string(64, 'a'));
    ADD_FAILURE() << "a code without k= was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("incomplete"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("&k="), std::string::npos) << e.what();
  }
}

HelloMessage hello_of(const std::string& agent, const std::string& name) {
  HelloMessage m;
  m.agent = agent;
  m.name = name;
  m.platform = "x86_64-linux-gnu";
  m.abi = 1;
  return m;
}

SessionMessage sample_session() {
  SessionMessage m;
  m.params.session_id = crypto::random_session_id();
  m.params.initial_seed = crypto::Secret::random(crypto::kSeedSize);
  m.params.units = crypto::UnitSet::standard();
  m.params.seed_mode = SeedMode::kDistributed;
  m.params.select_mode = SelectMode::kInstructed;
  m.params.packets_per_epoch = 5000;
  m.params.mtu = 1200;
  m.viewer_slot = 4;
  m.streams = {{kVideoStreamId, MediaKind::kVideo, "h264", 1280, 720, 30, 0, 0, 3,
                crypto::Secret::random(crypto::kSeedSize)},
               {kAudioStreamId, MediaKind::kAudio, "opus", 0, 0, 0, 48000, 1, 1,
                crypto::Secret::random(crypto::kSeedSize)}};
  return m;
}

TEST(ControlMessages, SessionRoundTrips) {
  SessionMessage sent = sample_session();
  sent.streams[0].first_sequence = (std::uint64_t{1} << 47) + 5;  // a late joiner's
  const DecodedControl decoded = decode_control(encode_control(sent));
  ASSERT_TRUE(decoded.message) << decoded.error;
  const auto& got = std::get<SessionMessage>(*decoded.message);
  EXPECT_EQ(got.params.session_id, sent.params.session_id);
  EXPECT_EQ(got.params.initial_seed, sent.params.initial_seed);
  EXPECT_EQ(got.streams[0].epoch, 3U);
  EXPECT_EQ(got.streams[0].first_sequence, (std::uint64_t{1} << 47) + 5);
  EXPECT_EQ(got.streams[1].first_sequence, 0U);  // absent on the wire
  EXPECT_EQ(got.streams[0].seed, sent.streams[0].seed);
  EXPECT_EQ(got.streams[1].seed, sent.streams[1].seed);
  EXPECT_EQ(got.params.units.units, sent.params.units.units);
  EXPECT_EQ(got.params.units.reference_policy, crypto::ReferenceUnits::kRefuse);
  EXPECT_EQ(got.params.seed_mode, SeedMode::kDistributed);
  EXPECT_EQ(got.params.select_mode, SelectMode::kInstructed);
  EXPECT_EQ(got.params.packets_per_epoch, 5000U);
  EXPECT_EQ(got.viewer_slot, 4);
  ASSERT_EQ(got.streams.size(), 2U);
  EXPECT_EQ(got.streams[0].width, 1280);
  EXPECT_EQ(got.streams[1].sample_rate, 48000);
}

TEST(ControlMessages, OtherMessagesRoundTrip) {
  auto hello = decode_control(encode_control(hello_of("receive-only", "living room")));
  ASSERT_TRUE(hello.message) << hello.error;
  EXPECT_EQ(std::get<HelloMessage>(*hello.message).agent, "receive-only");
  EXPECT_EQ(std::get<HelloMessage>(*hello.message).name, "living room");
  const crypto::Secret seed = crypto::Secret::random(32);
  auto seed_message = decode_control(encode_control(SeedMessage{0x101, 9, seed}));
  ASSERT_TRUE(seed_message.message) << seed_message.error;
  EXPECT_EQ(std::get<SeedMessage>(*seed_message.message).stream_id, 0x101);
  EXPECT_EQ(std::get<SeedMessage>(*seed_message.message).epoch, 9U);
  EXPECT_EQ(std::get<SeedMessage>(*seed_message.message).seed, seed);
  auto bye = decode_control(encode_control(ByeMessage{"sender stopped"}));
  ASSERT_TRUE(bye.message);
  EXPECT_EQ(std::get<ByeMessage>(*bye.message).reason, "sender stopped");
}

// The join proof travels as 32 bytes; a hello without one still parses (and is refused by
// the sender for what it lacks), one of another size does not.
TEST(ControlMessages, HelloCarriesItsJoinProof) {
  HelloMessage hello = hello_of("full", "kitchen");
  EXPECT_TRUE(
      std::get<HelloMessage>(*decode_control(encode_control(hello)).message).join_proof.empty());
  hello.join_proof.assign(crypto::kJoinProofSize, 0x5a);
  auto decoded = decode_control(encode_control(hello));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_EQ(std::get<HelloMessage>(*decoded.message).join_proof, hello.join_proof);
  hello.join_proof.assign(31, 0x5a);
  decoded = decode_control(encode_control(hello));
  EXPECT_FALSE(decoded.message);
  EXPECT_NE(decoded.error.find("join_proof"), std::string::npos) << decoded.error;
}

// send_back is optional on the wire: a one-way viewer's hello does not carry it, and a
// hello without it (an older viewer) reads as one-way.
TEST(ControlMessages, HelloSendBackIsOptional) {
  HelloMessage two_way = hello_of("full", "kitchen");
  two_way.send_back = true;
  auto decoded = decode_control(encode_control(two_way));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_TRUE(std::get<HelloMessage>(*decoded.message).send_back);

  const std::vector<std::uint8_t> one_way = encode_control(hello_of("full", "kitchen"));
  const std::string key = "send_back";
  EXPECT_EQ(std::search(one_way.begin(), one_way.end(), key.begin(), key.end()), one_way.end())
      << "a one-way hello is unchanged on the wire";
  decoded = decode_control(one_way);
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_FALSE(std::get<HelloMessage>(*decoded.message).send_back);

  // The CBOR `true` (0xf5) after the key replaced by the integer 1 (0x01): same length,
  // still a valid map, but not a boolean.
  std::vector<std::uint8_t> wrong_type = encode_control(two_way);
  auto at = std::search(wrong_type.begin(), wrong_type.end(), key.begin(), key.end());
  ASSERT_NE(at, wrong_type.end());
  at += static_cast<long>(key.size());
  ASSERT_EQ(*at, 0xf5);
  *at = 0x01;
  decoded = decode_control(wrong_type);
  EXPECT_FALSE(decoded.message);
  EXPECT_NE(decoded.error.find("send_back"), std::string::npos) << decoded.error;
}

// The viewer app's "send back if this is a call" and the sender's answer in the session:
// both optional booleans, absent unless set.
TEST(ControlMessages, SendBackIfCallAndTheSessionAnswerRoundTrip) {
  HelloMessage maybe = hello_of("full", "porch");
  maybe.send_back_if_call = true;
  auto decoded = decode_control(encode_control(maybe));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_TRUE(std::get<HelloMessage>(*decoded.message).send_back_if_call);
  EXPECT_FALSE(std::get<HelloMessage>(*decoded.message).send_back);

  SessionMessage session = sample_session();
  const std::vector<std::uint8_t> one_way = encode_control(session);
  const std::string key = "send_back";
  EXPECT_EQ(std::search(one_way.begin(), one_way.end(), key.begin(), key.end()), one_way.end());
  decoded = decode_control(one_way);
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_FALSE(std::get<SessionMessage>(*decoded.message).send_back);
  session.send_back = true;
  decoded = decode_control(encode_control(session));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_TRUE(std::get<SessionMessage>(*decoded.message).send_back);
}

TEST(ControlMessages, AgentShippingMessagesRoundTrip) {
  HelloMessage hello = hello_of("full", "den");
  hello.cached = {std::string(64, 'a'), std::string(64, '0')};
  hello.media_port = 40001;
  auto decoded = decode_control(encode_control(hello));
  ASSERT_TRUE(decoded.message) << decoded.error;
  const auto& got_hello = std::get<HelloMessage>(*decoded.message);
  EXPECT_EQ(got_hello.platform, "x86_64-linux-gnu");
  EXPECT_EQ(got_hello.abi, 1);
  EXPECT_EQ(got_hello.cached, hello.cached);
  EXPECT_EQ(got_hello.media_port, 40001);

  const std::string hash(64, 'c');
  decoded = decode_control(encode_control(AgentOfferMessage{"receive-only", hash, 123456}));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_EQ(std::get<AgentOfferMessage>(*decoded.message).size, 123456u);
  EXPECT_EQ(std::get<AgentOfferMessage>(*decoded.message).kind, "receive-only");

  AgentChunkMessage chunk{kAgentChunkSize, std::vector<std::uint8_t>(kAgentChunkSize, 7)};
  decoded = decode_control(encode_control(chunk));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_EQ(std::get<AgentChunkMessage>(*decoded.message).data, chunk.data);
  chunk.data.push_back(1);
  decoded = decode_control(encode_control(chunk));
  EXPECT_FALSE(decoded.message) << "a chunk over the limit";
  EXPECT_NE(decoded.error.find("data"), std::string::npos) << decoded.error;

  decoded = decode_control(encode_control(UseCachedAgentMessage{hash}));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_EQ(std::get<UseCachedAgentMessage>(*decoded.message).hash, hash);
  decoded = decode_control(encode_control(AgentReadyMessage{hash}));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_EQ(std::get<AgentReadyMessage>(*decoded.message).hash, hash);
  for (const std::string& bad :
       {std::string(63, 'a'), std::string(64, 'A'), std::string(64, 'g')}) {
    EXPECT_FALSE(decode_control(encode_control(AgentReadyMessage{bad})).message) << bad;
    EXPECT_FALSE(decode_control(encode_control(UseCachedAgentMessage{bad})).message) << bad;
  }
  hello.cached = {"not a hash"};
  EXPECT_FALSE(decode_control(encode_control(hello)).message);
  hello.cached.assign(kMaxCachedAgents + 1, hash);
  EXPECT_FALSE(decode_control(encode_control(hello)).message);
}

TEST(ControlMessages, InstructionsAndFeedbackRoundTrip) {
  InstructionsMessage m{kVideoStreamId, 77, {{0, 92}, {3, 1}, {1, 40}}};
  auto decoded = decode_control(encode_control(m));
  ASSERT_TRUE(decoded.message) << decoded.error;
  const auto& got = std::get<InstructionsMessage>(*decoded.message);
  EXPECT_EQ(got.stream_id, kVideoStreamId);
  EXPECT_EQ(got.block, 77u);
  ASSERT_EQ(got.runs.size(), 3u);
  EXPECT_EQ(got.runs[1].unit_index, 3u);
  EXPECT_EQ(got.runs[0].length, 92u);
  m.runs.clear();
  EXPECT_FALSE(decode_control(encode_control(m)).message) << "no runs";

  decoded = decode_control(encode_control(FeedbackMessage{{1, 2, 3}}));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_EQ(std::get<FeedbackMessage>(*decoded.message).data, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_FALSE(decode_control(
                   encode_control(FeedbackMessage{std::vector<std::uint8_t>(kMaxFeedbackSize + 1)}))
                   .message);
}

TEST(ControlMessages, SeedRequestRoundTrips) {
  const DecodedControl decoded = decode_control(encode_control(SeedRequestMessage{0x101, 77}));
  ASSERT_TRUE(decoded.message) << decoded.error;
  const auto& got = std::get<SeedRequestMessage>(*decoded.message);
  EXPECT_EQ(got.stream_id, 0x101);
  EXPECT_EQ(got.epoch, 77U);
}

TEST(ControlMessages, AdmissionPendingRoundTripsWithABoundedWait) {
  auto decoded = decode_control(encode_control(AdmissionPendingMessage{60'000}));
  ASSERT_TRUE(decoded.message) << decoded.error;
  EXPECT_EQ(std::get<AdmissionPendingMessage>(*decoded.message).wait_ms, 60'000u);
  for (const std::uint64_t bad : {std::uint64_t{0}, kMaxAdmissionWaitMs + 1}) {
    decoded = decode_control(encode_control(AdmissionPendingMessage{bad}));
    EXPECT_FALSE(decoded.message) << bad;
    EXPECT_NE(decoded.error.find("wait_ms"), std::string::npos) << decoded.error;
  }
}

TEST(ControlMessages, RefusesWhatDoesNotParseAndSaysWhy) {
  EXPECT_NE(decode_control(std::vector<std::uint8_t>{0xff, 0x00}).error, "");
  EXPECT_NE(decode_control(std::vector<std::uint8_t>{}).error, "");
  auto bad_agent = decode_control(encode_control(hello_of("root", "")));
  EXPECT_FALSE(bad_agent.message);
  EXPECT_NE(bad_agent.error.find("agent"), std::string::npos) << bad_agent.error;

  SessionMessage m = sample_session();
  m.params.initial_seed = crypto::Secret::random(16);  // short seed
  auto short_seed = decode_control(encode_control(m));
  EXPECT_FALSE(short_seed.message);
  EXPECT_NE(short_seed.error.find("seed"), std::string::npos) << short_seed.error;

  m = sample_session();
  m.params.units.units = {crypto::UnitId::kAes256Gcm, crypto::UnitId::kAes256Gcm};
  auto duplicate = decode_control(encode_control(m));
  EXPECT_FALSE(duplicate.message);
  EXPECT_NE(duplicate.error.find("units"), std::string::npos) << duplicate.error;

  m = sample_session();
  m.params.mtu = 10;
  EXPECT_FALSE(decode_control(encode_control(m)).message);
  m = sample_session();
  m.streams[0].codec = "vp9";
  EXPECT_FALSE(decode_control(encode_control(m)).message);
}

// The stream id of a seed is checked like every other field: a seed applied to the wrong
// stream, or to none, would leave that stream's viewer unable to follow its epochs.
TEST(ControlMessages, SeedMessageStreamIsCheckedOnDecoding) {
  const std::vector<std::uint8_t> good =
      encode_control(SeedMessage{0x101, 3, crypto::Secret::random(crypto::kSeedSize)});
  // The encoded key "stream" (text of 6 bytes) followed by the value 0x101 as a 16-bit int.
  const std::vector<std::uint8_t> field = {0x66, 's', 't', 'r', 'e', 'a', 'm', 0x19, 0x01, 0x01};
  const auto at = std::search(good.begin(), good.end(), field.begin(), field.end());
  ASSERT_NE(at, good.end());
  const auto offset = static_cast<std::size_t>(at - good.begin());
  auto with_value = [&](std::vector<std::uint8_t> value) {
    std::vector<std::uint8_t> bytes(good.begin(), good.begin() + static_cast<long>(offset) + 7);
    bytes.insert(bytes.end(), value.begin(), value.end());
    bytes.insert(bytes.end(), good.begin() + static_cast<long>(offset + field.size()), good.end());
    return bytes;
  };
  ASSERT_TRUE(decode_control(with_value({0x19, 0xff, 0xff})).message) << "65535 is a stream id";
  const auto too_big = decode_control(with_value({0x1a, 0x00, 0x01, 0x00, 0x00}));  // 65536
  EXPECT_FALSE(too_big.message);
  EXPECT_NE(too_big.error.find("stream"), std::string::npos) << too_big.error;
  EXPECT_FALSE(decode_control(with_value({0x20})).message) << "-1 accepted";
  EXPECT_FALSE(decode_control(with_value({0x61, 'x'})).message) << "a text stream id accepted";
  std::vector<std::uint8_t> renamed = good;
  renamed[offset + 6] = 'n';  // "strean": the stream field is missing
  const auto missing = decode_control(renamed);
  EXPECT_FALSE(missing.message);
  EXPECT_NE(missing.error.find("stream"), std::string::npos) << missing.error;
}

TEST(ControlMessages, ReferenceUnitsAreFlaggedNotHidden) {
  SessionMessage m = sample_session();
  m.params.units = crypto::UnitSet::standard(true);
  auto decoded = decode_control(encode_control(m));
  ASSERT_TRUE(decoded.message) << decoded.error;
  // The viewer sees that the sender wants insecure units and decides (it must have opted in).
  EXPECT_EQ(std::get<SessionMessage>(*decoded.message).params.units.reference_policy,
            crypto::ReferenceUnits::kAllowInsecure);
}

TEST(Feedback, RoundTripsAndRefusesMalformed) {
  auto probe = decode_feedback(encode_feedback(ProbeFeedback{7}));
  ASSERT_TRUE(probe);
  EXPECT_EQ(std::get<ProbeFeedback>(*probe).viewer_slot, 7);
  ReceiverReport report{100, 3, 90, 15000, 30000};
  auto got = decode_feedback(encode_feedback(report));
  ASSERT_TRUE(got);
  EXPECT_EQ(std::get<ReceiverReport>(*got).packets_lost, 3U);
  EXPECT_EQ(std::get<ReceiverReport>(*got).latency_p95_us, 30000U);
  auto bytes = encode_feedback(KeyframeRequest{1});
  EXPECT_TRUE(decode_feedback(bytes));
  bytes.push_back(0);
  EXPECT_FALSE(decode_feedback(bytes)) << "trailing byte accepted";
  bytes.resize(2);
  EXPECT_FALSE(decode_feedback(bytes)) << "truncated message accepted";
  EXPECT_FALSE(decode_feedback(std::vector<std::uint8_t>{99, 0, 0}));
  EXPECT_FALSE(decode_feedback({}));
}

TEST(Feedback, PathResponseCarriesTheWholeToken) {
  const PathToken token = random_path_token();
  const std::vector<std::uint8_t> bytes = encode_feedback(PathResponse{token});
  ASSERT_EQ(bytes.size(), 1 + kPathTokenSize);
  auto got = decode_feedback(bytes);
  ASSERT_TRUE(got);
  EXPECT_EQ(std::get<PathResponse>(*got).token, token);
  EXPECT_FALSE(decode_feedback(crypto::Bytes(bytes.data(), bytes.size() - 1)));
}

TEST(PathChallenge, IsExactlyItsFormatAndNeverAMediaPacket) {
  const PathToken token = random_path_token();
  EXPECT_NE(token, random_path_token()) << "two tokens in a row are equal";
  const PathChallenge datagram = encode_path_challenge(token);
  EXPECT_EQ(parse_path_challenge(datagram), token);
  // A media packet header never has this flags byte, so the two cannot be confused.
  PacketHeader header;
  EXPECT_EQ(parse_header(datagram, header), HeaderStatus::kBadFlags);
  std::vector<std::uint8_t> longer(datagram.begin(), datagram.end());
  longer.push_back(0);
  EXPECT_FALSE(parse_path_challenge(longer));
  std::vector<std::uint8_t> other_flags(datagram.begin(), datagram.end());
  other_flags[1] = 0x04;
  EXPECT_FALSE(parse_path_challenge(other_flags));
}

}  // namespace
}  // namespace agentcast::net
