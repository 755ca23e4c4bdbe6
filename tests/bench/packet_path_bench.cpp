// Packet path versus raw OpenSSL EVP: for each cipher unit, seal+open of one 1200-byte
// packet through the full SendingSection/ReceivingSection, and the same AEAD work done
// directly with EVP on the same buffers. After Google Benchmark's normal table it prints,
// per unit, one line (these are the last lines of output):
//
//   unit=NAME packet_path_MBps=X raw_MBps=Y ratio=Z
//
// MB/s is (1200 wire bytes x iterations) / CPU seconds / 1e6 for both paths, so the ratio
// compares like with like. Each raw packet is laid out as the wire packet is: 14 bytes of
// associated data (the header), a 1170-byte body, a 16-byte tag.
//
// The three insecure reference LFSR units have no EVP equivalent: they are measured on
// the packet path and their summary line reads `raw_MBps=n/a ratio=n/a`.
//
// Origin authentication (docs/PROTOCOL.md §13) costs the sender one tag per viewer and
// packet, and each viewer one check; its line is printed last:
//
//   origin_tag tag_us=X check_us=Y  (one 1200-byte packet)
//
// The process exits non-zero if any benchmark reported an error, so the smoke test
// (ctest -L bench) fails on a broken path; it never looks at the speed.

#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agentcast/crypto/cipher_unit.h"
#include "agentcast/crypto/epoch_keys.h"
#include "agentcast/crypto/key_schedule.h"
#include "agentcast/crypto/origin_tag.h"
#include "agentcast/crypto/secret.h"
#include "agentcast/net/packet.h"
#include "agentcast/net/receiving_section.h"
#include "agentcast/net/sending_section.h"

namespace {

using agentcast::crypto::UnitId;
namespace crypto = agentcast::crypto;
namespace net = agentcast::net;

constexpr std::size_t kWireSize = net::kDefaultMtu;                  // 1200
constexpr std::size_t kAadSize = net::kHeaderSize;                   // 14
constexpr std::size_t kTagSize = crypto::kTagSize;                   // 16
constexpr std::size_t kBodySize = kWireSize - net::kPacketOverhead;  // 1170
constexpr std::size_t kNonceSize = crypto::kNonceSize;               // 12
static_assert(kAadSize + kBodySize + kTagSize == kWireSize);

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "packet_path_bench: %s\n", what.c_str());
  std::exit(EXIT_FAILURE);
}

std::vector<std::uint8_t> pattern(std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<std::uint8_t>(i * 131 + 7);
  return bytes;
}

// ---------------------------------------------------------------------------------------
// Packet path: SendingSection::seal then ReceivingSection::open, one unit per session.

void BM_PacketPath(benchmark::State& state, UnitId id) {
  const std::string name(crypto::unit_name(id));
  net::SendingConfig config;
  config.label = {crypto::random_session_id(), crypto::Direction::kSenderToViewer, 1};
  config.kind = net::MediaKind::kVideo;
  config.units =
      crypto::UnitSet{{id},
                      crypto::is_reference_unit(id) ? crypto::ReferenceUnits::kAllowInsecure
                                                    : crypto::ReferenceUnits::kRefuse};
  config.mtu = kWireSize;
  // The shipped default (1 << 20): an epoch change (HKDF and unit re-keying at both ends)
  // is part of the real path, and over a million packets its cost is below 1e-4.
  config.packets_per_epoch = net::SendingConfig{}.packets_per_epoch;
  const crypto::Secret seed = crypto::Secret::random(crypto::kSeedSize);
  net::SendingSection sender(config, seed);
  net::ReceivingSection receiver(config, seed);
  if (sender.max_payload() != kBodySize) die(name + ": unexpected max_payload()");

  const std::vector<std::uint8_t> payload = pattern(kBodySize);
  std::vector<std::uint8_t> packet(kWireSize);
  std::vector<std::uint8_t> plain(kBodySize);

  // One checked round trip before timing.
  {
    const net::SealResult sealed = sender.seal(payload, packet);
    if (sealed.status != net::SealStatus::kOk || sealed.size != kWireSize) {
      die(name + ": packet path seal failed: " + std::string(net::to_string(sealed.status)));
    }
    const net::OpenResult opened = receiver.open(packet, plain);
    if (opened.status != net::OpenStatus::kOk || opened.size != kBodySize || plain != payload) {
      die(name + ": packet path open failed: " + std::string(net::to_string(opened.status)));
    }
  }

  for (auto _ : state) {
    const net::SealResult sealed = sender.seal(payload, packet);
    const net::OpenResult opened = receiver.open(net::Bytes(packet.data(), sealed.size), plain);
    if (sealed.status != net::SealStatus::kOk || opened.status != net::OpenStatus::kOk) {
      state.SkipWithError("packet path seal/open failed inside the timed loop");
      break;
    }
    benchmark::DoNotOptimize(plain.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kWireSize));
}

// ---------------------------------------------------------------------------------------
// Raw EVP: the same cryptographic work with contexts keyed once, only the IV reset per packet.

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
struct CipherFree {
  void operator()(EVP_CIPHER* cipher) const noexcept { EVP_CIPHER_free(cipher); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};
struct MacFree {
  void operator()(EVP_MAC* mac) const noexcept { EVP_MAC_free(mac); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using Cipher = std::unique_ptr<EVP_CIPHER, CipherFree>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;
using Mac = std::unique_ptr<EVP_MAC, MacFree>;

// The nonce of packet `n`: 0^48 || n (48-bit big-endian), as the packet path builds it.
void set_nonce(std::uint8_t* nonce, std::uint64_t n) noexcept {
  for (int i = 0; i < 6; ++i)
    nonce[11 - i] = static_cast<std::uint8_t>(n >> (8 * i));
}

// One wire packet's buffers: `wire` = aad || ciphertext || tag, plus plaintext in and out.
struct RawBuffers {
  std::vector<std::uint8_t> plain_in = pattern(kBodySize);
  std::vector<std::uint8_t> wire = pattern(kWireSize);  // the first kAadSize bytes are the AAD
  std::vector<std::uint8_t> plain_out = std::vector<std::uint8_t>(kBodySize);
  std::array<std::uint8_t, kNonceSize> nonce{};
};

// AES-256-GCM, ChaCha20-Poly1305, AES-256-OCB: one EVP AEAD each.
class RawAead {
 public:
  explicit RawAead(const char* algorithm) {
    cipher_.reset(EVP_CIPHER_fetch(nullptr, algorithm, nullptr));
    enc_.reset(EVP_CIPHER_CTX_new());
    dec_.reset(EVP_CIPHER_CTX_new());
    std::array<std::uint8_t, 32> key{};
    if (!cipher_ || !enc_ || !dec_ || RAND_bytes(key.data(), static_cast<int>(key.size())) != 1 ||
        EVP_EncryptInit_ex2(enc_.get(), cipher_.get(), key.data(), nullptr, nullptr) != 1 ||
        EVP_DecryptInit_ex2(dec_.get(), cipher_.get(), key.data(), nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_get_iv_length(enc_.get()) != static_cast<int>(kNonceSize)) {
      die(std::string("cannot set up raw EVP ") + algorithm);
    }
    OPENSSL_cleanse(key.data(), key.size());
  }

  bool seal(RawBuffers& b) noexcept {
    EVP_CIPHER_CTX* ctx = enc_.get();
    std::uint8_t* body = b.wire.data() + kAadSize;
    int len = 0;
    int final_len = 0;
    return EVP_EncryptInit_ex2(ctx, nullptr, nullptr, b.nonce.data(), nullptr) == 1 &&
           EVP_EncryptUpdate(ctx, nullptr, &len, b.wire.data(), static_cast<int>(kAadSize)) == 1 &&
           EVP_EncryptUpdate(ctx, body, &len, b.plain_in.data(), static_cast<int>(kBodySize)) ==
               1 &&
           EVP_EncryptFinal_ex(ctx, body + len, &final_len) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize),
                               body + kBodySize) == 1;
  }

  bool open(RawBuffers& b) noexcept {
    EVP_CIPHER_CTX* ctx = dec_.get();
    std::uint8_t* body = b.wire.data() + kAadSize;
    int len = 0;
    int final_len = 0;
    return EVP_DecryptInit_ex2(ctx, nullptr, nullptr, b.nonce.data(), nullptr) == 1 &&
           EVP_DecryptUpdate(ctx, nullptr, &len, b.wire.data(), static_cast<int>(kAadSize)) == 1 &&
           EVP_DecryptUpdate(ctx, b.plain_out.data(), &len, body, static_cast<int>(kBodySize)) ==
               1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize),
                               body + kBodySize) == 1 &&
           EVP_DecryptFinal_ex(ctx, b.plain_out.data() + len, &final_len) == 1;
  }

 private:
  Cipher cipher_;
  CipherCtx enc_;
  CipherCtx dec_;
};

// Camellia-256-CTR then HMAC-SHA-256 over len64(aad) || aad || nonce || ciphertext, tag
// truncated to 16 bytes: the work the camellia unit does, with one CTR context and one
// MAC context re-initialised (not re-keyed) per packet.
class RawCamelliaEtm {
 public:
  RawCamelliaEtm() {
    cipher_.reset(EVP_CIPHER_fetch(nullptr, "CAMELLIA-256-CTR", nullptr));
    ctr_.reset(EVP_CIPHER_CTX_new());
    mac_.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (mac_) mac_ctx_.reset(EVP_MAC_CTX_new(mac_.get()));
    std::array<std::uint8_t, 64> key{};
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (!cipher_ || !ctr_ || !mac_ctx_ ||
        RAND_bytes(key.data(), static_cast<int>(key.size())) != 1 ||
        EVP_EncryptInit_ex2(ctr_.get(), cipher_.get(), key.data(), nullptr, nullptr) != 1 ||
        EVP_MAC_init(mac_ctx_.get(), key.data() + 32, 32, params) != 1) {
      die("cannot set up raw EVP CAMELLIA-256-CTR + HMAC-SHA-256");
    }
    OPENSSL_cleanse(key.data(), key.size());
  }

  bool seal(RawBuffers& b) noexcept {
    std::uint8_t* body = b.wire.data() + kAadSize;
    std::uint8_t* tag = body + kBodySize;
    std::array<std::uint8_t, 32> full{};
    const bool ok = ctr(b.nonce.data(), b.plain_in.data(), body) &&
                    mac(b.nonce.data(), b.wire.data(), body, full.data());
    for (std::size_t i = 0; i < kTagSize; ++i)
      tag[i] = full[i];
    OPENSSL_cleanse(full.data(), full.size());
    return ok;
  }

  bool open(RawBuffers& b) noexcept {
    const std::uint8_t* body = b.wire.data() + kAadSize;
    std::array<std::uint8_t, 32> full{};
    const bool authentic = mac(b.nonce.data(), b.wire.data(), body, full.data()) &&
                           CRYPTO_memcmp(full.data(), body + kBodySize, kTagSize) == 0;
    OPENSSL_cleanse(full.data(), full.size());
    return authentic && ctr(b.nonce.data(), body, b.plain_out.data());
  }

 private:
  bool ctr(const std::uint8_t* nonce, const std::uint8_t* in, std::uint8_t* out) noexcept {
    std::array<std::uint8_t, 16> iv{};  // nonce || 0^32
    for (std::size_t i = 0; i < kNonceSize; ++i)
      iv[i] = nonce[i];
    int len = 0;
    return EVP_EncryptInit_ex2(ctr_.get(), nullptr, nullptr, iv.data(), nullptr) == 1 &&
           EVP_EncryptUpdate(ctr_.get(), out, &len, in, static_cast<int>(kBodySize)) == 1;
  }

  bool mac(const std::uint8_t* nonce, const std::uint8_t* aad, const std::uint8_t* ciphertext,
           std::uint8_t* full) noexcept {
    std::array<std::uint8_t, 8> aad_len{};
    aad_len[7] = static_cast<std::uint8_t>(kAadSize);
    std::size_t full_len = 0;
    return EVP_MAC_init(mac_ctx_.get(), nullptr, 0, nullptr) == 1 &&
           EVP_MAC_update(mac_ctx_.get(), aad_len.data(), aad_len.size()) == 1 &&
           EVP_MAC_update(mac_ctx_.get(), aad, kAadSize) == 1 &&
           EVP_MAC_update(mac_ctx_.get(), nonce, kNonceSize) == 1 &&
           EVP_MAC_update(mac_ctx_.get(), ciphertext, kBodySize) == 1 &&
           EVP_MAC_final(mac_ctx_.get(), full, &full_len, 32) == 1 && full_len == 32;
  }

  Cipher cipher_;
  CipherCtx ctr_;
  Mac mac_;
  MacCtx mac_ctx_;
};

template <class Raw>
void run_raw(benchmark::State& state, Raw& raw, const std::string& name) {
  RawBuffers b;
  std::uint64_t n = 0;

  // One checked round trip before timing, and a tampered tag must be refused.
  set_nonce(b.nonce.data(), n++);
  if (!raw.seal(b) || !raw.open(b) || b.plain_out != b.plain_in) {
    die(name + ": raw EVP round trip failed");
  }
  b.wire[kWireSize - 1] ^= 1;
  if (raw.open(b)) die(name + ": raw EVP accepted a tampered tag");

  for (auto _ : state) {
    set_nonce(b.nonce.data(), n++);
    if (!raw.seal(b) || !raw.open(b)) {
      state.SkipWithError("raw EVP seal/open failed inside the timed loop");
      break;
    }
    benchmark::DoNotOptimize(b.plain_out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kWireSize));
}

// The EVP algorithm of a one-pass AEAD unit; nullopt for the others.
std::optional<const char*> evp_aead_name(UnitId id) {
  switch (id) {
    case UnitId::kAes256Gcm:
      return "AES-256-GCM";
    case UnitId::kChaCha20Poly1305:
      return "ChaCha20-Poly1305";
    case UnitId::kAes256Ocb:
      return "AES-256-OCB";
    default:
      return std::nullopt;
  }
}

bool has_raw_equivalent(UnitId id) {
  return evp_aead_name(id).has_value() || id == UnitId::kCamellia256CtrHmacSha256;
}

void BM_RawEvp(benchmark::State& state, UnitId id) {
  const std::string name(crypto::unit_name(id));
  if (const auto algorithm = evp_aead_name(id)) {
    RawAead raw(*algorithm);
    run_raw(state, raw, name);
  } else if (id == UnitId::kCamellia256CtrHmacSha256) {
    RawCamelliaEtm raw;
    run_raw(state, raw, name);
  } else {
    die(name + ": no raw EVP equivalent");
  }
}

// ---------------------------------------------------------------------------------------
// The origin tag of one 1200-byte packet: what the sender adds per viewer, and what each
// viewer checks before anything else.

void BM_OriginTag(benchmark::State& state, bool check) {
  crypto::OriginTag tag(crypto::Secret::random(32));
  const std::vector<std::uint8_t> packet = pattern(kWireSize - crypto::kOriginTagSize);
  crypto::OriginTagBytes bytes{};
  if (!tag.compute(packet, bytes)) {
    state.SkipWithError("the origin tag could not be computed");
    return;
  }
  for (auto _ : state) {
    const bool ok = check ? tag.verify(packet, bytes) : tag.compute(packet, bytes);
    if (!ok) {
      state.SkipWithError("the origin tag failed");
      break;
    }
    benchmark::DoNotOptimize(bytes);
  }
}

// ---------------------------------------------------------------------------------------
// Reporting: the console table as usual, and the per-unit throughput collected on the side.

enum class Path { kPacket, kRaw };

struct Totals {
  std::int64_t iterations = 0;
  double cpu_seconds = 0;
  bool error = false;

  std::optional<double> mbps() const {
    if (error || iterations == 0 || cpu_seconds <= 0) return std::nullopt;
    return static_cast<double>(kWireSize) * static_cast<double>(iterations) / cpu_seconds / 1e6;
  }
};

class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void expect(const std::string& benchmark, UnitId id, Path path) {
    index_[benchmark] = {id, path};
  }

  void ReportRuns(const std::vector<Run>& reports) override {
    ConsoleReporter::ReportRuns(reports);
    for (const Run& run : reports) {
      if (run.error_occurred) any_error_ = true;
      // Aggregates (with --benchmark_repetitions) would count the same time twice.
      if (run.run_type != Run::RT_Iteration) continue;
      if (const auto other = others_.find(run.run_name.function_name);
          other != others_.end() && !run.error_occurred && run.iterations > 0) {
        other->second = 1e6 * run.cpu_accumulated_time / static_cast<double>(run.iterations);
      }
      const auto it = index_.find(run.run_name.function_name);
      if (it == index_.end()) continue;
      Totals& totals = totals_[{it->second.first, it->second.second}];
      if (run.error_occurred) {
        totals.error = true;
        continue;
      }
      totals.iterations += static_cast<std::int64_t>(run.iterations);
      totals.cpu_seconds += run.cpu_accumulated_time;
    }
  }

  bool any_error() const { return any_error_; }

  // A benchmark outside the unit table, reported as CPU microseconds per iteration.
  void expect_other(const std::string& benchmark) { others_[benchmark] = std::nullopt; }
  std::optional<double> microseconds(const std::string& benchmark) const {
    const auto it = others_.find(benchmark);
    return it == others_.end() ? std::nullopt : it->second;
  }

  std::optional<double> mbps(UnitId id, Path path) const {
    const auto it = totals_.find({id, path});
    if (it == totals_.end()) return std::nullopt;
    return it->second.mbps();
  }

  bool measured(UnitId id) const {
    return totals_.count({id, Path::kPacket}) != 0 || totals_.count({id, Path::kRaw}) != 0;
  }

 private:
  std::map<std::string, std::pair<UnitId, Path>> index_;
  std::map<std::pair<UnitId, Path>, Totals> totals_;
  std::map<std::string, std::optional<double>> others_;
  bool any_error_ = false;
};

std::string figure(std::optional<double> value, int decimals) {
  if (!value) return "n/a";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, *value);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return EXIT_FAILURE;

  std::vector<UnitId> units;
  for (UnitId id : crypto::modern_units())
    units.push_back(id);
  for (UnitId id : crypto::reference_units())
    units.push_back(id);

  SummaryReporter reporter(isatty(STDOUT_FILENO) != 0 ? benchmark::ConsoleReporter::OO_Color
                                                      : benchmark::ConsoleReporter::OO_None);
  // Each unit's two paths run back to back, so that both see the same machine load.
  for (UnitId id : units) {
    const std::string name(crypto::unit_name(id));
    const std::string packet = "BM_PacketPath/" + name;
    benchmark::RegisterBenchmark(packet.c_str(), BM_PacketPath, id);
    reporter.expect(packet, id, Path::kPacket);
    if (has_raw_equivalent(id)) {
      const std::string raw = "BM_RawEvp/" + name;
      benchmark::RegisterBenchmark(raw.c_str(), BM_RawEvp, id);
      reporter.expect(raw, id, Path::kRaw);
    }
  }

  benchmark::RegisterBenchmark("BM_OriginTag/tag", BM_OriginTag, false);
  benchmark::RegisterBenchmark("BM_OriginTag/check", BM_OriginTag, true);
  reporter.expect_other("BM_OriginTag/tag");
  reporter.expect_other("BM_OriginTag/check");

  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::cout.flush();
  for (UnitId id : units) {
    if (!reporter.measured(id)) continue;  // filtered out with --benchmark_filter
    const std::optional<double> packet = reporter.mbps(id, Path::kPacket);
    const std::optional<double> raw = reporter.mbps(id, Path::kRaw);
    std::optional<double> ratio;
    if (packet && raw && *raw > 0) ratio = *packet / *raw;
    std::cout << "unit=" << crypto::unit_name(id) << " packet_path_MBps=" << figure(packet, 1)
              << " raw_MBps=" << figure(raw, 1) << " ratio=" << figure(ratio, 3) << '\n';
  }
  const std::optional<double> tag = reporter.microseconds("BM_OriginTag/tag");
  const std::optional<double> check = reporter.microseconds("BM_OriginTag/check");
  if (tag || check) {
    std::cout << "origin_tag tag_us=" << figure(tag, 3) << " check_us=" << figure(check, 3) << '\n';
  }
  std::cout.flush();
  return reporter.any_error() ? EXIT_FAILURE : EXIT_SUCCESS;
}
