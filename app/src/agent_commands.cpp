#include "agent_commands.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <variant>

#include "agentcast/agent/bundle.h"
#include "agentcast/call/sender.h"
#include "agentcast/crypto/identity.h"
#include "options.h"

namespace agentcast::app {
namespace {

constexpr const char* kAgentUsage =
    "usage: agentcast agent pack --binary PATH --out BUNDLE [--name N] [--version V]\n"
    "                            [--kind full|receive-only] [--identity PATH] [--platform P]\n"
    "       agentcast agent inspect BUNDLE [--max-size BYTES]\n"
    "       agentcast agent verify BUNDLE --signer FP [--max-size BYTES]";

// Reads at most `limit` bytes: a bundle larger than its limit is refused by parse_bundle
// without the whole file ever being held in memory.
std::vector<std::uint8_t> read_bytes(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::uint8_t> data;
  char chunk[1 << 16];
  while (data.size() < limit && in) {
    const std::size_t want = std::min(sizeof(chunk), limit - data.size());
    in.read(chunk, static_cast<std::streamsize>(want));
    data.insert(data.end(), chunk, chunk + in.gcount());
  }
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  return data;
}

// Writes through a temporary file and a rename, so a reader never sees half a bundle.
void write_bytes(const std::string& path, const std::vector<std::uint8_t>& data) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()),
              static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw std::runtime_error("cannot rename " + temporary + ": " + error.message());
}

agent::AgentKind parse_kind(const std::string& text) {
  if (text == "full") return agent::AgentKind::kFull;
  if (text == "receive-only") return agent::AgentKind::kReceiveOnly;
  throw std::invalid_argument("--kind must be full or receive-only, not '" + text + "'");
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

int refused(const char* command, const agent::BundleCheck& check) {
  std::fprintf(stderr, "agentcast agent %s: refused (%s): %s\n", command,
               std::string(agent::to_string(check.error)).c_str(), check.reason.c_str());
  return kExitRefused;
}

// read_bytes() stops one byte past the limit, so parse_bundle() cannot know the file's
// real size; the user should see it.
agent::BundleCheck oversized_in_full(agent::BundleCheck check, const std::string& path,
                                     std::size_t limit) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (check.error == agent::BundleError::kOversized && !error &&
      check.reason.rfind("the bundle is ", 0) == 0) {
    check.reason = "the bundle is " + std::to_string(size) + " bytes, more than the limit of " +
                   std::to_string(limit) + " bytes";
  }
  return check;
}

// Indents the continuation lines of the multi-line readable fingerprint.
std::string indented(std::string text, const std::string& indent) {
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1))
    text.insert(at + 1, indent);
  return text;
}

// The bundle file named first in `args`, with the options that follow it.
std::pair<std::string, Options> bundle_and_options(const std::vector<std::string>& args,
                                                   const std::set<std::string>& valued) {
  if (args.size() < 2 || args[1].rfind("--", 0) == 0) throw std::invalid_argument(kAgentUsage);
  return {args[1], Options(std::vector<std::string>(args.begin() + 2, args.end()), valued, {})};
}

int run_pack(const std::vector<std::string>& args) {
  const Options o(
      std::vector<std::string>(args.begin() + 1, args.end()),
      {"--binary", "--out", "--name", "--version", "--kind", "--identity", "--platform"}, {});
  const auto binary_path = o.value("--binary");
  const auto out_path = o.value("--out");
  if (!binary_path || !out_path) throw std::invalid_argument(kAgentUsage);

  agent::BundleManifest manifest;
  manifest.name = o.value("--name").value_or("agentcast-agent");
  manifest.version = o.value("--version").value_or(AGENTCAST_VERSION);
  manifest.platform = o.value("--platform").value_or(agent::this_platform());
  manifest.kind = parse_kind(o.value("--kind").value_or("full"));
  manifest.capabilities = agent::capabilities_of(manifest.kind);
  const auto units = crypto::modern_units();
  manifest.units.assign(units.begin(), units.end());
  // Bounds are checked before the key is touched, so a bad option never creates one.
  agent::encode_manifest(manifest);

  // An explicit --identity must exist (a typo must not mint a new signer); the default one
  // is created on first use, as `agentcast send` does.
  const auto identity_path = o.value("--identity");
  const crypto::Identity signer = identity_path
                                      ? crypto::Identity::load(*identity_path)
                                      : crypto::Identity::load_or_create(default_identity_path());
  const std::vector<std::uint8_t> binary = read_bytes(*binary_path, agent::kDefaultMaxBundleSize);
  const std::vector<std::uint8_t> bundle = agent::pack_bundle(manifest, binary, signer);
  if (bundle.size() > agent::kDefaultMaxBundleSize) {
    throw std::runtime_error("the bundle would exceed the " +
                             std::to_string(agent::kDefaultMaxBundleSize) + "-byte limit");
  }
  write_bytes(*out_path, bundle);
  std::printf("packed %s: %s %s (%s, %s), %zu bytes\n", out_path->c_str(), manifest.name.c_str(),
              manifest.version.c_str(), std::string(agent::to_string(manifest.kind)).c_str(),
              manifest.platform.c_str(), bundle.size());
  std::printf("signer: %s\n", crypto::to_hex(signer.fingerprint()).c_str());
  std::printf("content hash: %s\n", agent::content_hash(bundle).c_str());
  return kExitOk;
}

int run_inspect(const std::vector<std::string>& args) {
  const auto [path, o] = bundle_and_options(args, {"--max-size"});
  const std::size_t limit = o.number("--max-size", agent::kDefaultMaxBundleSize, 1, SIZE_MAX - 1);
  const std::vector<std::uint8_t> bytes = read_bytes(path, limit + 1);
  auto parsed = agent::parse_bundle(bytes, limit);
  if (auto* check = std::get_if<agent::BundleCheck>(&parsed)) {
    return refused("inspect", oversized_in_full(*check, path, limit));
  }
  const auto& bundle = std::get<agent::ParsedBundle>(parsed);
  const auto& m = bundle.manifest;
  std::vector<std::string> units;
  for (crypto::UnitId id : m.units)
    units.emplace_back(crypto::unit_name(id));
  const crypto::Fingerprint signer = crypto::fingerprint_of(bundle.signer);
  std::printf("bundle:        %s\n", path.c_str());
  std::printf("name:          %s\n", m.name.c_str());
  std::printf("version:       %s\n", m.version.c_str());
  std::printf("kind:          %s\n", std::string(agent::to_string(m.kind)).c_str());
  std::printf("platform:      %s\n", m.platform.c_str());
  std::printf("abi:           %d\n", m.abi);
  std::printf("capabilities:  %s\n", join(m.capabilities).c_str());
  std::printf("units:         %s\n", join(units).c_str());
  std::printf("binary:        %zu bytes, sha256 %s\n", bundle.binary.size(),
              crypto::to_hex(m.binary_sha256).c_str());
  std::printf("signer:        %s\n", crypto::to_hex(signer).c_str());
  std::printf("               %s\n",
              indented(crypto::readable_fingerprint(signer), std::string(15, ' ')).c_str());
  std::printf("content hash:  %s\n", agent::content_hash(bytes).c_str());
  std::printf("trust:         not verified (agentcast agent verify %s --signer FP)\n",
              path.c_str());
  return kExitOk;
}

int run_verify(const std::vector<std::string>& args) {
  const auto [path, o] = bundle_and_options(args, {"--signer", "--max-size"});
  const auto signer_hex = o.value("--signer");
  if (!signer_hex)
    throw std::invalid_argument("--signer FP is required\n" + std::string(kAgentUsage));
  crypto::Fingerprint trusted{};
  try {
    trusted = crypto::fingerprint_from_hex(*signer_hex);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("--signer must be 64 hex digits, not '" + *signer_hex + "'");
  }
  const std::size_t limit = o.number("--max-size", agent::kDefaultMaxBundleSize, 1, SIZE_MAX - 1);
  const std::vector<std::uint8_t> bytes = read_bytes(path, limit + 1);
  auto parsed = agent::parse_bundle(bytes, limit);
  if (auto* check = std::get_if<agent::BundleCheck>(&parsed)) {
    return refused("verify", oversized_in_full(*check, path, limit));
  }
  const auto& bundle = std::get<agent::ParsedBundle>(parsed);
  const agent::BundleCheck check = agent::verify_bundle(bundle, trusted);
  if (!check.ok) return refused("verify", check);
  std::printf("verified: %s %s (%s, %s), signed by %s\n", bundle.manifest.name.c_str(),
              bundle.manifest.version.c_str(),
              std::string(agent::to_string(bundle.manifest.kind)).c_str(),
              bundle.manifest.platform.c_str(), crypto::to_hex(trusted).c_str());
  std::printf("content hash: %s\n", agent::content_hash(bytes).c_str());
  return kExitOk;
}

}  // namespace

int run_keygen(const std::vector<std::string>& args) {
  const Options o(args, {"--out"}, {});
  const auto out = o.value("--out");
  const std::string path = out ? *out : default_identity_path();
  std::error_code error;
  const auto type = std::filesystem::symlink_status(path, error).type();
  if (type != std::filesystem::file_type::not_found && type != std::filesystem::file_type::none) {
    std::fprintf(stderr, "agentcast keygen: %s already exists; not overwriting it\n", path.c_str());
    return kExitFailure;
  }
  const crypto::Identity identity = crypto::Identity::generate();
  identity.save(path);  // mode 0600; throws (exit 1) if it cannot
  const crypto::Fingerprint fp = identity.fingerprint();
  std::printf("identity: %s\n", path.c_str());
  std::printf("fingerprint: %s\n", crypto::to_hex(fp).c_str());
  std::printf("readable: %s\n", indented(crypto::readable_fingerprint(fp), "          ").c_str());
  return kExitOk;
}

int run_agent(const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "" : args[0];
  if (sub == "pack") return run_pack(args);
  if (sub == "inspect") return run_inspect(args);
  if (sub == "verify") return run_verify(args);
  throw std::invalid_argument(kAgentUsage);
}

}  // namespace agentcast::app
