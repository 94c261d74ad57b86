// The in-process cluster behind the server transcripts. Commands:
//
//   add-members n=3 [snapshot-count=N] [checkpoint-ms=N] [election=N]
//               [restore-from=M]   (a NEW cluster, ids 101.., replacing
//               every member, each restored from M's backend as
//               `cairnctl snapshot restore` does)
//   campaign M | stabilize | tick ms=N | snapshot M
//   advance-ticks M n=N    (Server::AdvanceTicks)
//   submit M OP ...        (see ParseRequest; answers print when they come)
//   watch M stream=S KEY [prefix] [rev=N] | cancel-watch M stream=S id=N
//   crash M | restart M | isolate M | heal | start-member M
//   status [M...] | hash
//   disk M headroom=N      (the host's free space less its reserve)
//
// M is a member alias: 1..n for the founders, and for a member added by
// member-add the next free number (printed when the answer arrives).
#include "tests/core/server/cluster_env.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>

#include "core/raft/codec.h"
#include "core/server/snapshot_file.h"
#include "core/storage/backend_snapshot.h"
#include "core/util/strings.h"

namespace cairn::server {

using testing::TestData;

Status MemoryLogStore::Save(const raft::HardState* hs,
                            const std::vector<raft::Entry>& entries,
                            const raft::Snapshot* snap, bool /*must_sync*/) {
  if (snap != nullptr && !snap->empty()) {
    Status s = mem_.ApplySnapshot(*snap);
    if (!s.ok()) return s;
  }
  mem_.Append(entries);
  if (hs != nullptr) mem_.SetHardState(*hs);
  return Status::Ok();
}

class ClusterEnv::EnvTransport : public Transport {
 public:
  explicit EnvTransport(std::vector<raft::Message>& queue) : queue_(queue) {}
  void Send(std::vector<raft::Message> msgs) override {
    for (raft::Message& m : msgs) queue_.push_back(std::move(m));
  }

 private:
  std::vector<raft::Message>& queue_;
};

class ClusterEnv::EnvLogger : public Logger {
 public:
  explicit EnvLogger(std::vector<std::string>& out) : out_(out) {}
  void Log(std::string_view line) override {
    // Only the server-level milestones; raft's own chatter is covered by
    // the raft transcripts.
    static constexpr const char* kShown[] = {
        "became leader",     "revoked expired", "lessor promoted",
        "snapshot at",       "installed snap",  "was removed",
        "recovered at",      "applied member",  "bootstrapped",
        "restoring it",      "over its quota",  "disk space short",
        "snapshot postponed"};
    for (const char* s : kShown) {
      if (line.find(s) != std::string_view::npos) {
        out_.push_back(std::string(line));
        return;
      }
    }
  }

 private:
  std::vector<std::string>& out_;
};

struct ClusterEnv::Member {
  std::string alias;
  Config config;
  MemoryLogStore log;
  storage::MemoryBackend backend;
  std::unique_ptr<Random> random;
  std::unique_ptr<EnvTransport> transport;
  std::unique_ptr<EnvLogger> logger;
  std::unique_ptr<Server> server;  // null while crashed or not started
};

ClusterEnv::ClusterEnv() : seeds_(7) {
  base_.cluster_id = 0xc1;
  base_.tick_ms = 100;
  base_.election_ticks = 10;
  base_.heartbeat_ticks = 1;
  base_.snapshot_count = 1000;
  base_.request_timeout_ms = 3000;
  base_.lessor.min_ttl_s = 2;
  base_.lessor.checkpoint_interval_ms = 5 * 60 * 1000;
}

ClusterEnv::~ClusterEnv() = default;

std::string ClusterEnv::Handle(const TestData& d) {
  out_.clear();
  std::string r;
  if (d.cmd == "add-members") {
    r = AddMembers(d);
  } else if (d.cmd == "campaign") {
    Get(d.Positionals().at(0)).server->Campaign();
  } else if (d.cmd == "advance-ticks") {
    ServerOf(d.Positionals().at(0))
        .AdvanceTicks(static_cast<int>(d.ArgInt("n", 0)));
  } else if (d.cmd == "stabilize") {
    r = Stabilize();
  } else if (d.cmd == "tick") {
    r = Tick(d);
  } else if (d.cmd == "submit") {
    r = Submit(d);
  } else if (d.cmd == "watch" || d.cmd == "cancel-watch") {
    r = Watch(d);
  } else if (d.cmd == "crash") {
    r = Crash(d);
  } else if (d.cmd == "restart") {
    r = Restart(d);
  } else if (d.cmd == "start-member") {
    r = StartMember(d);
  } else if (d.cmd == "isolate") {
    isolated_.push_back(IdOf(d.Positionals().at(0)));
  } else if (d.cmd == "heal") {
    isolated_.clear();
  } else if (d.cmd == "snapshot") {
    Get(d.Positionals().at(0)).server->Snapshot();
  } else if (d.cmd == "disk") {
    ServerOf(d.Positionals().at(0)).ReportDiskHeadroom(d.ArgInt("headroom", 0));
  } else if (d.cmd == "status") {
    r = Status(d);
  } else if (d.cmd == "hash") {
    r = Hash();
  } else {
    ADD_FAILURE() << d.pos << ": unknown command " << d.cmd;
  }
  Collect();
  std::string all = Flush() + r;
  return all.empty() ? "ok\n" : all;
}

std::string ClusterEnv::Flush() {
  std::string s;
  for (const std::string& line : out_) s += line + "\n";
  out_.clear();
  return s;
}

ClusterEnv::Member& ClusterEnv::Get(const std::string& alias) {
  auto it = members_.find(alias);
  if (it == members_.end()) {
    ADD_FAILURE() << "no member " << alias;
    std::abort();
  }
  return *it->second;
}

Server& ClusterEnv::ServerOf(const std::string& alias) {
  Member& m = Get(alias);
  if (!m.server) {
    ADD_FAILURE() << "member " << alias << " is down";
    std::abort();
  }
  return *m.server;
}

uint64_t ClusterEnv::IdOf(const std::string& alias) const {
  auto it = members_.find(alias);
  if (it != members_.end()) return it->second->config.member_id;
  return std::stoull(alias, nullptr, 0);
}

std::string ClusterEnv::AliasOf(uint64_t id) const {
  for (const auto& [alias, m] : members_) {
    if (m->config.member_id == id) return alias;
  }
  return StrFormat("%llx", static_cast<unsigned long long>(id));
}

void ClusterEnv::Boot(Member& m) {
  m.random = std::make_unique<Random>(seeds_.Fork());
  m.server = std::make_unique<Server>(m.config, m.log, m.backend, *m.transport,
                                      *m.logger, *m.random);
  m.server->Tick(now_ms_);
}

std::string ClusterEnv::AddMembers(const TestData& d) {
  const uint64_t n = d.ArgUint("n", 3);
  base_.snapshot_count = d.ArgUint("snapshot-count", base_.snapshot_count);
  base_.lessor.checkpoint_interval_ms =
      d.ArgInt("checkpoint-ms", base_.lessor.checkpoint_interval_ms);
  base_.quota_bytes = d.ArgInt("quota", 0);
  std::string restored;
  uint64_t first_id = 1;
  if (d.HasArg("restore-from")) {
    Result<std::string> dump =
        storage::DumpBackend(Get(d.Arg("restore-from")).backend);
    if (!dump.ok()) return "error " + dump.status().ToString();
    restored = std::move(dump).value();
    members_.clear();
    order_.clear();
    queue_.clear();
    isolated_.clear();
    first_id = 101;
    base_.cluster_id++;
  }
  std::vector<api::Member> founders;
  for (uint64_t i = 1; i <= n; i++) {
    founders.push_back(api::Member{
        .id = first_id + i - 1,
        .name = StrFormat("m%llu", static_cast<unsigned long long>(i)),
        .peer_urls = {StrFormat("http://m%llu:2380",
                                static_cast<unsigned long long>(i))}});
  }
  for (uint64_t i = 1; i <= n; i++) {
    auto m = std::make_unique<Member>();
    m->alias = std::to_string(i);
    m->config = base_;
    m->config.member_id = first_id + i - 1;
    m->config.initial_members = founders;
    if (!restored.empty()) {
      ::cairn::Status s = RestoreForNewCluster(m->backend, restored, founders);
      if (!s.ok()) return "error " + s.ToString();
    }
    if (d.HasArg("publish")) {
      // Each member publishes its name and client URL once running.
      m->config.name = founders[i - 1].name;
      m->config.client_urls = {
          StrFormat("http://m%llu:2379", static_cast<unsigned long long>(i))};
    }
    m->transport = std::make_unique<EnvTransport>(queue_);
    m->logger = std::make_unique<EnvLogger>(out_);
    Boot(*m);
    order_.push_back(m->alias);
    members_[m->alias] = std::move(m);
  }
  return "";
}

// Starts a member that member-add registered (it joins with no founders
// and waits for the leader's snapshot).
std::string ClusterEnv::StartMember(const TestData& d) {
  Member& m = Get(d.Positionals().at(0));
  m.config.initial_members.clear();
  Boot(m);
  return "";
}

void ClusterEnv::Collect() {
  for (const std::string& alias : order_) {
    Member& m = *members_[alias];
    if (!m.server) continue;
    for (ClientResponse& r : m.server->TakeResponses()) {
      std::string line =
          StrFormat("%s#%llu: ", alias.c_str(),
                    static_cast<unsigned long long>(r.client_token));
      if (!r.result.ok()) {
        out_.push_back(line + "error " + r.result.status().ToString());
        continue;
      }
      const Response& resp = r.result.value();
      out_.push_back(line + DescribeResponse(resp));
      if (const auto* add = std::get_if<api::MemberAddResponse>(&resp)) {
        // Register the new member under the next free alias.
        auto nm = std::make_unique<Member>();
        nm->alias = std::to_string(order_.size() + 1);
        nm->config = base_;
        nm->config.member_id = add->member.id;
        nm->transport = std::make_unique<EnvTransport>(queue_);
        nm->logger = std::make_unique<EnvLogger>(out_);
        out_.push_back(
            StrFormat("member %llx is %s",
                      static_cast<unsigned long long>(add->member.id),
                      nm->alias.c_str()));
        order_.push_back(nm->alias);
        members_[nm->alias] = std::move(nm);
      }
    }
    for (StreamWatchResponse& w : m.server->TakeWatchResponses()) {
      std::string line =
          StrFormat("%s stream %llu watch %lld rev=%lld", alias.c_str(),
                    static_cast<unsigned long long>(w.stream_id),
                    static_cast<long long>(w.response.watch_id),
                    static_cast<long long>(w.response.header.revision));
      if (w.response.created) line += " created";
      if (w.response.canceled) {
        line += StrFormat(" canceled compact=%lld",
                          static_cast<long long>(w.response.compact_revision));
      }
      for (const mvcc::Event& ev : w.response.events) {
        line += " " + mvcc::DescribeEvent(ev);
      }
      out_.push_back(line);
    }
  }
}

bool ClusterEnv::Round() {
  bool any = false;
  for (const std::string& alias : order_) {
    Member& m = *members_[alias];
    if (m.server && m.server->Process()) any = true;
  }
  Collect();
  std::vector<raft::Message> msgs = std::exchange(queue_, {});
  for (const raft::Message& msg : msgs) {
    any = true;
    auto cut = [this](uint64_t id) {
      return std::find(isolated_.begin(), isolated_.end(), id) !=
             isolated_.end();
    };
    if (cut(msg.from) || cut(msg.to)) continue;
    std::string alias = AliasOf(msg.to);
    auto it = members_.find(alias);
    if (it == members_.end() || !it->second->server) continue;
    // Through the wire format and back, as the simulator does.
    Result<raft::Message> decoded =
        raft::DecodeMessage(raft::EncodeMessage(msg));
    EXPECT_TRUE(decoded.ok());
    it->second->server->Step(decoded.value());
  }
  return any;
}

std::string ClusterEnv::Stabilize() {
  for (int i = 0; i < 1000 && Round(); i++) {
  }
  return "";
}

std::string ClusterEnv::Tick(const TestData& d) {
  const int64_t ms = d.ArgInt("ms", base_.tick_ms);
  for (int64_t t = 0; t < ms; t += base_.tick_ms) {
    now_ms_ += base_.tick_ms;
    for (const std::string& alias : order_) {
      Member& m = *members_[alias];
      if (m.server) m.server->Tick(now_ms_);
    }
    Stabilize();
  }
  return "";
}

std::string ClusterEnv::Crash(const TestData& d) {
  Member& m = Get(d.Positionals().at(0));
  m.server.reset();
  // The Raft log keeps what was saved (a process crash); the backend loses
  // every unsynced batch (the harsher machine crash), so recovery must
  // re-apply entries from the log.
  m.backend.Crash();
  return "";
}

std::string ClusterEnv::Restart(const TestData& d) {
  Boot(Get(d.Positionals().at(0)));
  return "";
}

std::string ClusterEnv::Status(const TestData& d) {
  std::vector<std::string> which = d.Positionals();
  if (which.empty()) which = order_;
  std::string s;
  for (const std::string& alias : which) {
    Member& m = Get(alias);
    if (!m.server) {
      s += alias + ": down\n";
      continue;
    }
    const Server& sv = *m.server;
    const raft::RaftStatus rs = sv.raft_status();
    s += StrFormat(
        "%s: %s term=%llu lead=%s commit=%llu applied=%llu rev=%lld "
        "hash=%08x%s\n",
        alias.c_str(), sv.is_leader() ? "leader" : "follower",
        static_cast<unsigned long long>(sv.term()),
        sv.leader() == 0 ? "none" : AliasOf(sv.leader()).c_str(),
        static_cast<unsigned long long>(rs.hard_state.commit),
        static_cast<unsigned long long>(sv.applied_index()),
        static_cast<long long>(sv.state().kv().rev()), sv.KvHash(),
        sv.removed() ? " removed" : "");
  }
  return s;
}

std::string ClusterEnv::Hash() {
  std::map<uint64_t, std::vector<std::string>> by_applied;
  std::string s;
  for (const std::string& alias : order_) {
    Member& m = *members_[alias];
    if (!m.server) continue;
    s += StrFormat("%s: applied=%llu rev=%lld hash=%08x leases=%zu\n",
                   alias.c_str(),
                   static_cast<unsigned long long>(m.server->applied_index()),
                   static_cast<long long>(m.server->state().kv().rev()),
                   m.server->KvHash(), m.server->state().lessor().size());
  }
  return s;
}

std::string ClusterEnv::Watch(const TestData& d) {
  std::vector<std::string> pos = d.Positionals();
  Member& m = Get(pos.at(0));
  const uint64_t stream = d.ArgUint("stream", 1);
  if (d.cmd == "cancel-watch") {
    ::cairn::Status s = m.server->CancelWatch(stream, d.ArgInt("id"));
    return s.ok() ? "" : s.ToString() + "\n";
  }
  mvcc::WatchCreateRequest req;
  req.key = pos.at(1);
  if (d.HasArg("prefix")) {
    req.range_end = req.key;
    req.range_end.back()++;
  }
  req.start_revision = d.ArgInt("rev", 0);
  req.prev_kv = d.HasArg("prev-kv");
  Result<int64_t> id = m.server->CreateWatch(stream, req);
  if (!id.ok()) return id.status().ToString() + "\n";
  return "";
}

}  // namespace cairn::server
