#include "tests/chaos/cluster.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>

namespace cairn::chaos {
namespace {

// Where a member listens for peers, and the URL it advertises: the peer
// proxy's listener for it in the hub (peer_proxy.h).
std::string PeerUrl(int member) {
  return "http://" + Topology::Address(member) + ":" +
         std::to_string(Cluster::kPeerPort);
}

std::string AdvertisedPeerUrl(int member) {
  return "http://" + Topology::ProxyAddress(member) + ":" +
         std::to_string(Cluster::kPeerPort);
}

std::string JsonUint(const ctl::Json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end()) return "0";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return std::to_string(it->get<uint64_t>());
  return "0";
}

}  // namespace

Cluster::Cluster(Topology* topology, std::string cairn, std::string work_dir,
                 int members)
    : topology_(topology), cairn_(std::move(cairn)) {
  for (int i = 0; i < members; ++i) {
    Member m;
    m.name = "m" + std::to_string(i);
    m.data_dir = work_dir + "/" + m.name;
    m.log = work_dir + "/" + m.name + ".log";
    m.up = std::make_unique<std::atomic<bool>>(false);
    ctl::ClientOptions options;
    options.endpoints = {ClientUrl(i)};
    options.dial_timeout = std::chrono::milliseconds(300);
    options.command_timeout = std::chrono::milliseconds(1000);
    m.client = std::move(ctl::GatewayClient::Create(options).value());
    initial_cluster_ +=
        (i == 0 ? "" : ",") + m.name + "=" + AdvertisedPeerUrl(i);
    members_.push_back(std::move(m));
  }
}

Cluster::~Cluster() { StopAll(); }

std::string Cluster::ClientUrl(int member) {
  return "http://" + Topology::Address(member) + ":2379";
}

std::vector<std::string> Cluster::ClientEndpoints() const {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i) out.push_back(ClientUrl(i));
  return out;
}

std::vector<std::string> Cluster::Argv(int member) const {
  const Member& m = members_[member];
  return {cairn_, "--name", m.name, "--data-dir", m.data_dir,
          "--listen-client-urls", ClientUrl(member), "--advertise-client-urls",
          ClientUrl(member), "--listen-peer-urls", PeerUrl(member),
          "--initial-advertise-peer-urls", AdvertisedPeerUrl(member),
          "--initial-cluster", initial_cluster_, "--initial-cluster-state",
          "new", "--heartbeat-interval", "50", "--election-timeout", "500",
          // Small, so that restarts and slow followers meet snapshots.
          "--snapshot-count", "1000"};
}

Status Cluster::Start(int member) {
  Member& m = members_[member];
  if (m.pid > 0) return Status::Ok();
  Result<pid_t> pid = topology_->Spawn(member, Argv(member), m.log);
  if (!pid.ok()) return pid.status();
  m.pid = pid.value();
  m.paused = false;
  m.up->store(true);
  return Status::Ok();
}

void Cluster::Kill(int member) {
  Member& m = members_[member];
  if (m.pid <= 0) return;
  m.up->store(false);
  kill(m.pid, SIGKILL);
  while (waitpid(m.pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  m.pid = -1;
  m.paused = false;
}

void Cluster::Pause(int member) {
  Member& m = members_[member];
  if (m.pid <= 0 || m.paused) return;
  kill(m.pid, SIGSTOP);
  m.paused = true;
}

void Cluster::Resume(int member) {
  Member& m = members_[member];
  if (m.pid <= 0 || !m.paused) return;
  kill(m.pid, SIGCONT);
  m.paused = false;
}

void Cluster::StopAll() {
  for (int i = 0; i < size(); ++i) Kill(i);
}

std::vector<std::string> Cluster::ReapExited() {
  std::vector<std::string> out;
  for (Member& m : members_) {
    if (m.pid <= 0) continue;
    int wstatus = 0;
    if (waitpid(m.pid, &wstatus, WNOHANG) != m.pid) continue;
    out.push_back(m.name + " (pid " + std::to_string(m.pid) +
                  ") exited by itself, wait status " + std::to_string(wstatus) +
                  "; log " + m.log);
    m.pid = -1;
    m.paused = false;
    m.up->store(false);
  }
  return out;
}

Result<ctl::Json> Cluster::Call(int member, std::string_view path,
                                const ctl::Json& body) {
  return members_[member].client->Call(path, body);
}

std::optional<int> Cluster::Leader() {
  std::vector<std::string> ids(size());
  std::vector<std::string> leaders(size());
  for (int i = 0; i < size(); ++i) {
    if (!running(i) || paused(i)) continue;
    Result<ctl::Json> r =
        Call(i, "/v3/maintenance/status", ctl::Json::object());
    if (!r.ok() || !r.value().contains("header")) continue;
    ids[i] = JsonUint(r.value()["header"], "member_id");
    leaders[i] = JsonUint(r.value(), "leader");
    if (!ids[i].empty() && ids[i] == leaders[i]) return i;
  }
  return std::nullopt;
}

bool Cluster::AllAgreeOnLeader() {
  std::string leader;
  for (int i = 0; i < size(); ++i) {
    if (!running(i) || paused(i)) return false;
    Result<ctl::Json> r =
        Call(i, "/v3/maintenance/status", ctl::Json::object());
    if (!r.ok()) return false;
    const std::string l = JsonUint(r.value(), "leader");
    if (l == "0" || (!leader.empty() && l != leader)) return false;
    leader = l;
  }
  return true;
}

}  // namespace cairn::chaos
