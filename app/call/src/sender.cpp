#include "agentcast/call/sender.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <QtCore/QJsonArray>

#include "admission.h"
#include "agentcast/call/agent_handshake.h"
#include "agentcast/call/media_pipeline_out.h"
#include "agentcast/call/seed_distribution.h"
#include "agentcast/call/session_agent.h"
#include "agentcast/crypto/identity.h"
#include "agentcast/net/call_code.h"
#include "agentcast/net/control_messages.h"
#include "agentcast/net/feedback.h"
#include "agentcast/net/tls_channel.h"
#include "agentcast/net/udp_socket.h"
#include "back_call.h"
#include "control_limits.h"
#include "control_plane.h"
#include "feedback_handler.h"
#include "greeter.h"
#include "invitations.h"
#include "keyframe_throttle.h"
#include "return_path.h"
#include "roster.h"
#include "sender_stats.h"

namespace agentcast::app {
namespace {

// Creates `dir` and any missing parents (XDG_CONFIG_HOME may name one that does not exist
// yet); each directory created is 0700, existing ones are left as they are.
std::string mkdir_private(const std::string& dir) {
  for (std::size_t slash = dir.find('/', 1); slash != std::string::npos;
       slash = dir.find('/', slash + 1)) {
    ::mkdir(dir.substr(0, slash).c_str(), 0700);
  }
  ::mkdir(dir.c_str(), 0700);
  return dir;
}

// The back direction's files are opened only when a viewer sends back; a path that cannot
// be written is reported now, at start-up, instead.
void check_writable(const std::string& path, const std::string& option) {
  if (path.empty()) return;
  const bool existed = std::filesystem::exists(path);
  std::ofstream probe(path, std::ios::app);
  if (!probe) throw std::runtime_error(option + " " + path + ": cannot write the file");
  probe.close();
  if (!existed) std::filesystem::remove(path);
}

void check_audio_out(const std::string& spec) {
  if (spec == "none" || spec == "default" || spec.rfind("device:", 0) == 0) return;
  if (spec.rfind("wav:", 0) == 0) return check_writable(spec.substr(4), "--audio-out wav:");
  throw std::invalid_argument(
      "--audio-out must be default, none, wav:PATH or a device number, not '" + spec + "'");
}

}  // namespace

std::string default_identity_path() {
  std::string base;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = mkdir_private(std::string(home) + "/.config");
  } else {
    throw std::runtime_error("neither XDG_CONFIG_HOME nor HOME is set: pass --identity PATH");
  }
  return mkdir_private(base + "/agentcast") + "/identity.pem";
}

struct Sender::Impl {
  SenderOptions options;
  ControlLimits limits;
  crypto::Identity identity;
  agent::AgentShelf shelf;  // the signed bundles it ships
  agent::AgentCache cache;
  agent::LoadedAgent resident;  // its own full agent, loaded through the same loader
  std::unique_ptr<net::TlsServer> control_server;
  std::unique_ptr<net::UdpSocket> udp;
  std::unique_ptr<OutgoingMedia> outgoing;
  std::unique_ptr<SessionAgent> agent;
  std::vector<net::StreamDescription> streams;
  std::unique_ptr<SeedDistributor> seeds;
  SenderCounters counters;
  Roster roster;
  std::unique_ptr<BackCalls> back;
  std::unique_ptr<KeyframeThrottle> keyframes;
  std::unique_ptr<FeedbackHandler> feedback;
  Invitations invitations;
  std::unique_ptr<Admission> admission;
  std::unique_ptr<WaitingRoom> host;  // ask_host: the viewers waiting for the host
  std::unique_ptr<ControlPlane> control;
  std::unique_ptr<Greeter> greeter;
  std::unique_ptr<ReturnPath> return_path;

  explicit Impl(SenderOptions o)
      : options(std::move(o)),
        identity(crypto::Identity::load_or_create(
            options.identity_path.empty() ? default_identity_path() : options.identity_path)),
        shelf(identity, agent::find_agent_directory(options.agent_dir)),
        cache(options.agent_cache.empty() ? agent::AgentCache::default_directory()
                                          : options.agent_cache),
        resident(load_resident_agent(shelf, identity, cache)) {}

  // Fig. 1's agent 14: the sender trusts its own agent only as far as the loader checks it.
  static agent::LoadedAgent load_resident_agent(const agent::AgentShelf& shelf,
                                                const crypto::Identity& identity,
                                                const agent::AgentCache& cache) {
    agent::LoadPolicy policy;
    policy.trusted_signer = identity.fingerprint();
    policy.kind = agent::AgentKind::kFull;
    agent::LoadOutcome outcome =
        agent::load_agent(shelf.get(agent::AgentKind::kFull).bundle, policy, cache);
    if (!outcome.agent) {
      throw std::runtime_error("the resident agent was refused: " + outcome.reason);
    }
    return std::move(*outcome.agent);
  }

  // The session and the parts of the call that serve it, each given what it needs.
  void start_session() {
    net::SessionParams params = net::SessionParams::generate(options.insecure_reference_units);
    params.seed_mode = options.seeds;
    params.select_mode = options.select;
    params.packets_per_epoch = options.packets_per_epoch;
    params.origin_tags = options.origin_tags;
    agent = std::make_unique<SessionAgent>(resident.library, params, agent::Role::kSender);
    outgoing->add_streams(*agent);
    streams = outgoing->streams();
    seeds = std::make_unique<SeedDistributor>(*agent, outgoing->stream_ids());
    back = std::make_unique<BackCalls>(
        *agent, IncomingMediaOptions{options.record_back_path, options.snapshot_back_path,
                                     options.audio_out_back, options.latency_back_ms, 0});
    keyframes = std::make_unique<KeyframeThrottle>([this] { outgoing->request_keyframe(); });
    feedback = std::make_unique<FeedbackHandler>(roster, *keyframes, *udp, counters);
    admission = std::make_unique<Admission>(options.agent == "receive-only", options.max_viewers,
                                            roster, *back);
    control = std::make_unique<ControlPlane>(ControlPlane::Parts{*agent, streams, *seeds, roster,
                                                                 *back, *keyframes, *feedback,
                                                                 *admission, limits, counters});
    greeter = std::make_unique<Greeter>(
        *control_server, shelf, invitations, *admission, limits, counters,
        [this](GreetedViewer greeted) { control->hand_over(std::move(greeted)); }, host.get());
    return_path = std::make_unique<ReturnPath>(*agent, *udp, *feedback, *back, counters);
  }
};

Sender::Sender(SenderOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl& s = *impl_;
  if (s.options.max_viewers < 1 || s.options.max_viewers > 255) {
    throw std::invalid_argument("--max-viewers must be between 1 and 255");
  }
  if (s.options.agent != "full" && s.options.agent != "receive-only") {
    throw std::invalid_argument("--agent must be full or receive-only");
  }
  check_writable(s.options.record_back_path, "--record-back");
  check_writable(s.options.snapshot_back_path, "--snapshot-back");
  check_audio_out(s.options.audio_out_back);
  if (s.options.ask_host_within.count() < 1 ||
      static_cast<std::uint64_t>(s.options.ask_host_within.count()) > net::kMaxAdmissionWaitMs) {
    throw std::invalid_argument("the time to decide about a viewer must be 1 ms to 1 hour");
  }
  s.limits.host_decides_within = s.options.ask_host_within;
  if (s.options.ask_host) s.host = std::make_unique<WaitingRoom>();
  s.outgoing = std::make_unique<OutgoingMedia>(s.options.media);
  const net::Endpoint listen = net::Endpoint::resolve(s.options.listen);
  s.control_server = std::make_unique<net::TlsServer>(s.identity, listen);
  // Media uses UDP on the same address and port number as the control channel.
  s.udp = std::make_unique<net::UdpSocket>(s.control_server->local_endpoint());
  s.start_session();
}

Sender::~Sender() {
  // The pipelines' threads use the agent and the socket: they go first.
  impl_->back->end();
  impl_->outgoing.reset();
}

namespace {

net::CallCode code_for(const net::Endpoint& bound, const crypto::Fingerprint& fingerprint,
                       const crypto::Secret& secret) {
  std::string host = bound.to_string();
  host = host.substr(0, host.rfind(':'));
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  return net::CallCode{host, bound.port(), fingerprint, secret};
}

}  // namespace

std::string Sender::call_code() const {
  return code_for(impl_->control_server->local_endpoint(), impl_->identity.fingerprint(),
                  impl_->invitations.call_secret())
      .to_string();
}

std::string Sender::new_invite() {
  return code_for(impl_->control_server->local_endpoint(), impl_->identity.fingerprint(),
                  impl_->invitations.issue())
      .to_string();
}

void Sender::on_preview(std::function<void(const media::VideoFrame&)> callback) {
  impl_->outgoing->on_preview(std::move(callback));
}

void Sender::on_back_frame(std::function<void(const media::VideoFrame&)> callback) {
  impl_->back->on_frame(std::move(callback));
}

void Sender::set_back_volume(float volume) {
  impl_->back->set_volume(volume);
}

void Sender::set_back_muted(bool muted) {
  impl_->back->set_muted(muted);
}

void Sender::on_waiting_viewers_changed(std::function<void()> callback) {
  if (impl_->host) impl_->host->on_change(std::move(callback));
}

std::vector<PendingViewer> Sender::waiting_viewers() const {
  return impl_->host ? impl_->host->waiting() : std::vector<PendingViewer>{};
}

bool Sender::decide(std::uint64_t id, bool admit) {
  return impl_->host && impl_->host->decide(id, admit);
}

bool Sender::remove_viewer(std::uint16_t slot) {
  const std::vector<RosterEntry> viewers = impl_->roster.snapshot();
  if (std::none_of(viewers.begin(), viewers.end(),
                   [&](const RosterEntry& viewer) { return viewer.slot == slot; })) {
    return false;
  }
  impl_->control->remove(slot);
  return true;
}

std::string Sender::readable_fingerprint() const {
  return crypto::readable_fingerprint(impl_->identity.fingerprint());
}

void Sender::run(std::stop_token stop) {
  Impl& s = *impl_;
  std::jthread control([&](std::stop_token t) { s.control->run(t); });
  std::jthread greeter([&](std::stop_token t) { s.greeter->run(t); });
  std::jthread receiver([&](std::stop_token t) { s.return_path->run(t); });
  s.outgoing->start(*s.agent, *s.udp, [&s](const media::EncodedFrame& frame) {
    return s.roster.endpoints_for(frame);
  });
  {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    wake.wait(lock, stop, [] { return false; });
  }
  // In this order: nothing more goes out, no one else joins, the viewers are told (and a
  // viewer that sends back stops), what it sent is still in flight is played out, then the
  // rest stops.
  s.outgoing->stop();
  greeter.request_stop();
  greeter.join();
  control.request_stop();
  control.join();
  if (const auto call = s.back->current()) call->media.drain();
  receiver.request_stop();
  receiver.join();
  s.back->end();
}

QJsonObject Sender::stats_json() const {
  const Impl& s = *impl_;
  QJsonObject stats = s.outgoing->figures(s.agent->stats()).to_json();
  merge_json(stats, s.counters.to_json());
  stats["keyframe_requests_coalesced"] = static_cast<qint64>(s.keyframes->folded());
  stats["keyframes_forced"] = static_cast<qint64>(s.keyframes->forced());
  stats["seeds_generated"] = static_cast<qint64>(s.seeds->generated());
  stats["seeds_distributed"] = static_cast<qint64>(s.seeds->distributed());
  stats["rekeys"] = static_cast<qint64>(s.seeds->rekeys());
  stats["invites_issued"] = static_cast<qint64>(s.invitations.issued());
  stats["invites_used"] = static_cast<qint64>(s.invitations.used());
  if (s.host) {
    stats["viewers_awaiting_host"] = static_cast<qint64>(s.host->waiting().size());
    stats["viewers_admitted_by_host"] = static_cast<qint64>(s.host->admitted());
  }
  stats["select_mode"] =
      s.options.select == net::SelectMode::kInstructed ? "instructed" : "synchronized";
  stats["origin_auth"] = s.options.origin_tags;
  QJsonObject resident;
  resident["hash"] = QString::fromStdString(s.resident.content_hash);
  resident["bundle_bytes"] = static_cast<qint64>(s.resident.bundle_size);
  resident["receive_only_bundle_bytes"] =
      static_cast<qint64>(s.shelf.get(agent::AgentKind::kReceiveOnly).bundle.size());
  resident["name"] = QString::fromStdString(s.resident.manifest.name);
  stats["agent"] = resident;
  QJsonArray viewers;
  for (const RosterEntry& viewer : s.roster.snapshot())
    viewers.append(to_json(viewer));
  stats["viewers"] = viewers;
  if (const std::shared_ptr<BackCall> call = s.back->last()) {
    QJsonObject back = call->media.figures().to_json();
    back["slot"] = call->slot;
    back["name"] = QString::fromStdString(call->name);
    back["seeds_received"] = static_cast<qint64>(call->seeds.received());
    back["seeds_refused"] = static_cast<qint64>(call->seeds.refused());
    stats["back"] = back;
  }
  return stats;
}

}  // namespace agentcast::app
