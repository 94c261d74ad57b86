#include "cli/cairn/node_host.h"

#include <pthread.h>

#include <algorithm>
#include <random>
#include <utility>

#include "cli/cairn/disk_space.h"
#include "cli/cairn/logger.h"
#include "cli/cairn/node_metrics.h"
#include "cli/cairn/peer_transport.h"
#include "cli/cairn/timed_storage.h"
#include "cli/cairn/watch_session.h"
#include "core/auth/auth_store.h"
#include "core/server/gateway.h"
#include "core/util/crc32c.h"

namespace cairn::node {

// The Server's Transport: straight into the peer transport's queues
// (which never block).
class NodeHost::ServerTransport : public server::Transport {
 public:
  explicit ServerTransport(PeerTransport& t) : t_(t) {}
  void Send(std::vector<raft::Message> msgs) override {
    t_.Send(std::move(msgs));
  }

 private:
  PeerTransport& t_;
};

// The Server's Logger: its lines become JSON log records.
class NodeHost::ServerLogger : public server::Logger {
 public:
  explicit ServerLogger(JsonLogger& log) : log_(log) {}
  void Log(std::string_view line) override { log_.Info(line); }
  void Debug(std::string_view line) override { log_.Debug(line); }

 private:
  JsonLogger& log_;
};

// A watch stream's queue that tells the host when its client went away.
class NodeHost::HostWatchSession : public QueueWatchSession {
 public:
  HostWatchSession(NodeHost& host, uint64_t stream, size_t max_bytes,
                   WatchEncoder encoder)
      : QueueWatchSession(max_bytes),
        encode(std::move(encoder)),
        host_(host),
        stream_(stream) {}
  const WatchEncoder encode;  // called on the loop
  void Submit(api::WatchRequest req) override {
    // Flow control: at most kMaxRequestsInFlight of this stream's
    // requests wait in the host's queue (see watch_session.h).
    if (!AcquireRequestSlot()) return;  // the stream is over
    NodeHost* host = &host_;
    const uint64_t stream = stream_;
    // The session may be gone from the HTTP side when the loop runs this.
    std::shared_ptr<QueueWatchSession> self = shared_from_this();
    const bool queued = host_.Post([host, stream, self, req = std::move(req)] {
      // The stream may have closed since the request was read.
      if (host->streams_.count(stream) != 0) {
        host->ApplyWatchRequest(stream, req);
      }
      self->ReleaseRequestSlot();
    });
    if (!queued) ReleaseRequestSlot();
  }
  void Close() override {
    QueueWatchSession::Close();
    NodeHost* host = &host_;
    const uint64_t stream = stream_;
    host_.Post([host, stream] {
      host->server_->CloseStream(stream);
      host->streams_.erase(stream);
      host->stream_auth_.erase(stream);
    });
  }

 protected:
  // Wakes the loop, which then takes the responses held for this stream.
  void OnRoom() override {
    host_.Post([] {});
  }

 private:
  NodeHost& host_;
  const uint64_t stream_;
};

namespace {

// 64 bits from the OS (random_device gives 32 at a time): the Server's
// proposer session and request ids are drawn from this seed.
uint64_t EntropySeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) | rd();
}

// The Server answers every request within its request timeout; the
// margin covers a loop stalled on a slow disk, after which a call is
// answered ErrTimeout without the loop.
std::chrono::milliseconds CallLimit(const NodeHostOptions& options) {
  return std::chrono::milliseconds(options.server.request_timeout_ms + 10'000);
}

// The value of `f` once ready within `limit`, else `fallback` (also when
// the loop dropped the work unrun: a broken promise).
template <typename T>
T WaitFor(std::future<T>& f, std::chrono::milliseconds limit, T fallback) {
  if (f.wait_for(limit) != std::future_status::ready) return fallback;
  try {
    return f.get();
  } catch (const std::future_error&) {
    return fallback;
  }
}

// The requests a follower cannot answer; the caller forwards them.
bool LeaderOnly(const api::GatewayRequest& req) {
  return std::holds_alternative<api::LeaseKeepAliveRequest>(req) ||
         std::holds_alternative<api::LeaseTimeToLiveRequest>(req) ||
         std::holds_alternative<api::MemberPromoteRequest>(req) ||
         std::holds_alternative<api::MoveLeaderRequest>(req);
}

}  // namespace

NodeHost::NodeHost(NodeHostOptions options,
                   std::unique_ptr<storage::RaftLogStore> log_store,
                   std::unique_ptr<storage::LevelDbBackend> backend,
                   PeerTransport& transport, JsonLogger& logger,
                   NodeMetrics* metrics, std::unique_ptr<LoopPoller> poller)
    : options_(std::move(options)),
      deadlines_(CallLimit(options_)),
      log_store_(std::move(log_store)),
      backend_(std::move(backend)),
      transport_(transport),
      logger_(logger),
      metrics_(metrics),
      start_(std::chrono::steady_clock::now()),
      server_transport_(std::make_unique<ServerTransport>(transport)),
      server_logger_(std::make_unique<ServerLogger>(logger)),
      random_(
          std::make_unique<Random>(EntropySeed() ^ options_.server.member_id)),
      compactor_(options_.compaction_mode, options_.compaction_retention),
      poller_(std::move(poller)),
      peer_streams_(
          *poller_, [this](uint64_t from) { return WasRemoved(from); },
          [this](std::vector<raft::Message>& msgs) {
            for (const raft::Message& m : msgs) server_->Step(m);
          }) {
  log_store_ =
      std::make_unique<FailStopLogStore>(std::move(log_store_), logger_);
  fail_stop_backend_ = std::make_unique<FailStopBackend>(*backend_, logger_);
  storage::Backend* backend_used = fail_stop_backend_.get();
  if (metrics_ != nullptr) {
    log_store_ = std::make_unique<TimedLogStore>(std::move(log_store_),
                                                 metrics_->wal_fsync_duration);
    timed_backend_ = std::make_unique<TimedBackend>(
        *backend_used, metrics_->backend_commit_duration);
    backend_used = timed_backend_.get();
  }
  server_ = std::make_unique<server::Server>(options_.server, *log_store_,
                                             *backend_used, *server_transport_,
                                             *server_logger_, *random_);
  // Answers that are ready before a log write go out before its sync.
  server_->SetAnswersReadyHook([this] { DispatchResponses(); });
  ObserveState();
}

NodeHost::~NodeHost() { Stop(); }

void NodeHost::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "host-loop");
    Loop();
  });
}

void NodeHost::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  poller_->Wake();
  if (thread_.joinable()) thread_.join();
}

bool NodeHost::WaitStopped(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return stopped_; });
}

void NodeHost::Shutdown(std::chrono::milliseconds grace) {
  if (TransferLeadership()) {
    logger_.Info("transferred leadership before stopping");
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    auto idle = std::make_shared<std::promise<bool>>();
    std::future<bool> f = idle->get_future();
    Post([this, idle] { idle->set_value(calls_.empty()); });
    if (WaitFor(f, grace, true)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stop();
}

bool NodeHost::TransferLeadership() {
  auto target = std::make_shared<std::promise<uint64_t>>();
  std::future<uint64_t> f = target->get_future();
  Post([this, target] { target->set_value(server_->TransferTarget()); });
  const uint64_t to = WaitFor(f, std::chrono::milliseconds(2000), uint64_t{0});
  if (to == 0) return false;
  // Peers stopping at the same time (a whole cluster shut down) cannot
  // take over: give up after two election timeouts.
  const auto limit = std::chrono::milliseconds(
      2 * options_.server.election_ticks * options_.server.tick_ms);
  UnaryAnswer a = Call(api::MoveLeaderRequest{.target_id = to}, limit);
  if (!a.answer.ok()) {
    logger_.Warn("leadership transfer failed",
                 {{"error", a.answer.status().message()}});
  }
  return a.answer.ok();
}

bool NodeHost::Post(std::function<void()> fn) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return false;  // the loop is gone: the caller gives up
    inbox_.push_back(std::move(fn));
    // A loop at work runs the inbox before it sleeps again: waking it
    // would cost a write for nothing.
    wake = sleeping_;
    sleeping_ = false;
  }
  if (wake) poller_->Wake();
  return true;
}

Status NodeHost::PreparePasswords(api::GatewayRequest& req) {
  const auth::PasswordHasher* hasher = options_.password_hasher;
  auto hash = [hasher](std::string& password, std::string& out) -> Status {
    if (hasher == nullptr) {
      return Status(Code::kFailedPrecondition,
                    "cairn: no password hasher configured");
    }
    Result<std::string> h = hasher->Hash(password);
    password.clear();
    if (!h.ok()) return h.status();
    out = std::move(h).value();
    return Status::Ok();
  };
  if (auto* u = std::get_if<api::AuthUserAddRequest>(&req)) {
    if (u->no_password) {
      u->password.clear();
      return Status::Ok();
    }
    return hash(u->password, u->hashed_password);
  }
  if (auto* c = std::get_if<api::AuthUserChangePasswordRequest>(&req)) {
    return hash(c->password, c->hashed_password);
  }
  auto* a = std::get_if<api::AuthenticateRequest>(&req);
  if (a == nullptr) return Status::Ok();
  // etcd's CheckPassword, on this member's auth store, off the loop.
  auto stored = std::make_shared<std::promise<Result<std::string>>>();
  std::future<Result<std::string>> f = stored->get_future();
  const std::string name = a->name;
  if (!Post([this, stored, name] {
        stored->set_value(server_->PasswordHashOf(name));
      })) {
    return server::ErrStopped();
  }
  Result<std::string> hash_of =
      WaitFor(f, std::chrono::milliseconds(5000),
              Result<std::string>(server::ErrTimeout()));
  if (!hash_of.ok()) return hash_of.status();
  if (hasher == nullptr || !hasher->Verify(a->password, hash_of.value())) {
    return auth::ErrAuthFailed();
  }
  a->password.clear();
  a->verified_hash = std::move(hash_of).value();
  return Status::Ok();
}

Status NodeHost::CheckMaintenance(const auth::Credentials& who) {
  auto result = std::make_shared<std::promise<Status>>();
  std::future<Status> f = result->get_future();
  if (!Post([this, result, who] {
        result->set_value(server_->CheckMaintenance(who));
      })) {
    return server::ErrStopped();
  }
  return WaitFor(f, std::chrono::milliseconds(5000), server::ErrTimeout());
}

NodeHost::PendingCall::~PendingCall() {
  if (done_) done_(UnaryAnswer{.answer = server::ErrStopped()});
}

void NodeHost::PendingCall::Answer(UnaryAnswer a) {
  std::function<void(UnaryAnswer)> done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(a));
}

UnaryAnswer NodeHost::Call(const api::GatewayRequest& request,
                           std::chrono::milliseconds limit,
                           const auth::Credentials& who) {
  auto answer = std::make_shared<std::promise<UnaryAnswer>>();
  std::future<UnaryAnswer> f = answer->get_future();
  CallAsync(request, who,
            [answer](UnaryAnswer a) { answer->set_value(std::move(a)); });
  // Without a limit of its own, CallAsync's (deadlines_) ends the wait;
  // this one is only a backstop.
  if (limit.count() == 0) limit = CallLimit(options_) + std::chrono::seconds(5);
  return WaitFor(f, limit, UnaryAnswer{.answer = server::ErrTimeout()});
}

void NodeHost::CallAsync(const api::GatewayRequest& request,
                         const auth::Credentials& who,
                         std::function<void(UnaryAnswer)> done) {
  auto call = std::make_shared<PendingCall>(deadlines_.Guard(std::move(done)),
                                            LeaderOnly(request));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_ || stop_) return;  // `call` answers ErrStopped
  }
  api::GatewayRequest req = request;
  if (Status s = PreparePasswords(req); !s.ok()) {
    call->Answer(UnaryAnswer{.answer = s});
    return;
  }
  // Not queued (the loop stopped): `call` answers ErrStopped as it goes.
  Post([this, call, req = std::move(req), who] {
    if (std::optional<server::Request> r = server::ToServerRequest(req)) {
      const uint64_t token = next_token_++;
      calls_.emplace(token, std::move(*call));
      server_->Submit(token, std::move(*r), who);
    } else {
      ServeHostRequest(req, who, *call);
    }
  });
}

void NodeHost::ServeHostRequest(const api::GatewayRequest& req,
                                const auth::Credentials& who,
                                PendingCall& call) {
  // etcd reserves hash and defragment for role root.
  if (Status s = server_->CheckMaintenance(who); !s.ok()) {
    call.Answer(UnaryAnswer{.answer = s});
    return;
  }
  if (std::holds_alternative<api::DefragmentRequest>(req)) {
    backend_->CompactAll();
    api::DefragmentResponse resp{.header = Header()};
    call.Answer(UnaryAnswer{
        .answer = HostAnswer{.response = resp, .header = Header()}});
    return;
  }
  // Hash: every key and value the backend holds, as etcd hashes its
  // whole bolt database.
  uint32_t crc = 0;
  Status s =
      backend_->Scan("", "", [&crc](std::string_view k, std::string_view v) {
        crc = Crc32c(v, Crc32c(k, crc));
        return true;
      });
  if (!s.ok()) {
    call.Answer(UnaryAnswer{.answer = s});
    return;
  }
  api::HashResponse resp{.header = Header(), .hash = crc};
  call.Answer(
      UnaryAnswer{.answer = HostAnswer{.response = resp, .header = Header()}});
}

std::shared_ptr<QueueWatchSession> NodeHost::OpenWatch(
    std::vector<api::WatchRequest> reqs, const auth::Credentials& who,
    WatchEncoder encode) {
  uint64_t stream = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream = next_stream_++;
  }
  auto session = std::make_shared<HostWatchSession>(
      *this, stream, options_.watch_queue_bytes, std::move(encode));
  const bool queued =
      Post([this, stream, session, reqs = std::move(reqs), who] {
        streams_[stream] = session;
        stream_auth_[stream] = who;
        for (const api::WatchRequest& r : reqs) ApplyWatchRequest(stream, r);
      });
  if (!queued) session->Finish();  // stopped: the stream ends at once
  return session;
}

void NodeHost::ApplyWatchRequest(uint64_t stream,
                                 const api::WatchRequest& req) {
  if (const auto* c = std::get_if<mvcc::WatchCreateRequest>(&req)) {
    auto who = stream_auth_.find(stream);
    Result<int64_t> id = server_->CreateWatch(
        stream, *c,
        who == stream_auth_.end() ? auth::Credentials{} : who->second);
    if (!id.ok()) {
      // etcd 3.4 answers a refused create as created and canceled at once.
      mvcc::WatchResponse r;
      r.watch_id = -1;
      r.created = true;
      r.canceled = true;
      r.cancel_reason = id.status().message();
      r.header.revision = server_->state().kv().rev();
      PushWatch(stream, r);
    }
  } else if (const auto* x = std::get_if<api::WatchCancelRequest>(&req)) {
    // An unknown id gets no answer, as in etcd 3.4.
    (void)server_->CancelWatch(stream, x->watch_id);
  } else if (std::holds_alternative<api::WatchProgressRequest>(req)) {
    // etcd 3.4 answers a progress request with watch id -1, for all.
    mvcc::WatchResponse r;
    r.watch_id = -1;
    r.header.revision = server_->state().kv().rev();
    PushWatch(stream, r);
  }
}

void NodeHost::PushWatch(uint64_t stream, const mvcc::WatchResponse& resp) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  if (!it->second->Push(it->second->encode(resp, Header()))) {
    // The client is gone: end its stream.
    server_->CloseStream(stream);
    it->second->Finish();
    streams_.erase(it);
    stream_auth_.erase(stream);
  }
}

void NodeHost::Deliver(std::vector<raft::Message> msgs) {
  Post([this, ms = std::move(msgs)] {
    for (const raft::Message& m : ms) server_->Step(m);
  });
}

void NodeHost::AdoptStream(std::unique_ptr<PeerStreamReader> stream) {
  // Shared, for std::function; dropped with the task if it never runs.
  std::shared_ptr<PeerStreamReader> s(std::move(stream));
  Post([this, s] {
    const uint64_t from = s->from();
    if (!peer_streams_.Adopt(s)) {
      logger_.Warn("cannot watch a peer stream", {{"peer", MemberIdHex(from)}});
    }
  });
}

void NodeHost::ReportUnreachable(uint64_t peer) {
  Post([this, peer] { server_->ReportUnreachable(peer); });
}

void NodeHost::AdvanceTicks(int ticks) {
  Post([this, ticks] { server_->AdvanceTicks(ticks); });
}

void NodeHost::ReportSnapshot(uint64_t peer, bool ok) {
  Post([this, peer, ok] { server_->ReportSnapshot(peer, ok); });
}

void NodeHost::ReportRemovedSelf() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    removed_self_ = true;
  }
  poller_->Wake();
}

bool NodeHost::WasRemoved(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return removed_ids_.count(id) != 0;
}

std::vector<api::Member> NodeHost::Members() const {
  std::lock_guard<std::mutex> lock(mu_);
  return members_;
}

int64_t NodeHost::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - start_)
      .count();
}

api::ResponseHeader NodeHost::Header() const {
  return api::ResponseHeader{.cluster_id = server_->cluster_id(),
                             .member_id = server_->id(),
                             .revision = server_->state().kv().rev(),
                             .raft_term = server_->term()};
}

void NodeHost::Loop() {
  const auto wait = std::chrono::milliseconds(
      std::clamp<int64_t>(options_.server.tick_ms / 5, 1, 20));
  while (true) {
    bool idle = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
      idle = inbox_.empty() && !removed_self_;
      sleeping_ = idle;
    }
    // Steps what the adopted peer streams bring; with nothing to do,
    // sleeps until a stream or a Post brings something, or `wait` passes.
    poller_->Wait(idle ? wait : std::chrono::milliseconds(0));
    {
      std::lock_guard<std::mutex> lock(mu_);
      sleeping_ = false;
      if (stop_) break;
    }
    peer_streams_.Sweep(std::chrono::steady_clock::now());
    CheckDiskSpace();
    RunInbox();
    server_->Tick(NowMs());
    MaybeAutoCompact();
    server_->Process();
    DispatchResponses();
    DispatchWatchResponses();
    ObserveState();
    bool told_removed = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      told_removed = removed_self_;
    }
    if (server_->removed() || told_removed) {
      logger_.Warn("the member has been permanently removed from the cluster");
      removed_ = true;
      break;
    }
  }
  // Nothing is queued after stopped_; what was queued before still runs,
  // so that every call and stream it opened is then failed or finished
  // by FailPending rather than left waiting.
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  RunInbox();
  FailPending();
  peer_streams_.Clear();  // each answered 503
  cv_.notify_all();
}

// Once per turn, before the turn's requests are submitted: statvfs costs
// a few microseconds, and the Server counts what it admits in between.
void NodeHost::CheckDiskSpace() {
  if (options_.data_dir.empty()) return;
  Result<uint64_t> free = FreeDiskBytes(options_.data_dir);
  if (!free.ok()) {
    // Writes go on (a failed one ends the process, disk_space.h).
    if (!disk_check_failed_) {
      logger_.Warn("cannot check free disk space",
                   {{"error", free.status().message()}});
    }
    disk_check_failed_ = true;
    return;
  }
  disk_check_failed_ = false;
  const int64_t headroom =
      DiskHeadroom(free.value(), options_.disk_reserve_bytes);
  server_->ReportDiskHeadroom(headroom);
  const bool short_now = headroom <= 0;
  if (short_now == disk_short_) return;
  disk_short_ = short_now;
  JsonLogger::Fields fields = {{"data-dir", options_.data_dir},
                               {"free-bytes", free.value()},
                               {"reserve-bytes", options_.disk_reserve_bytes}};
  if (short_now) {
    logger_.Warn("data directory short of disk space: raising NOSPACE", fields);
  } else {
    logger_.Info(
        "data directory has disk space again (disarm NOSPACE to "
        "accept writes)",
        fields);
  }
}

void NodeHost::RunInbox() {
  std::deque<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(mu_);
    work.swap(inbox_);
  }
  for (auto& fn : work) fn();
}

void NodeHost::DispatchResponses() {
  for (server::ClientResponse& r : server_->TakeResponses()) {
    if (compaction_tokens_.erase(r.client_token) != 0) {
      if (r.result.ok()) {
        logger_.Info("auto compaction finished");
      } else {
        logger_.Warn("auto compaction failed",
                     {{"error", r.result.status().message()}});
      }
      continue;
    }
    auto it = calls_.find(r.client_token);
    if (it == calls_.end()) continue;
    UnaryAnswer a;
    if (r.result.ok()) {
      // Encoded by the front end, off the loop.
      a.answer = HostAnswer{.response = std::move(r.result).value(),
                            .header = Header()};
    } else {
      a.answer = r.result.status();
      const api::Member* lead = server_->state().FindMember(server_->leader());
      if (it->second.leader_only &&
          r.result.status().code() == Code::kNotLeader && lead != nullptr &&
          !lead->client_urls.empty()) {
        a.forward_url = lead->client_urls.front();
      }
    }
    it->second.Answer(std::move(a));
    calls_.erase(it);
  }
}

void NodeHost::MaybeAutoCompact() {
  std::optional<int64_t> rev = compactor_.Due(
      NowMs(), server_->state().kv().rev(), server_->is_leader());
  if (!rev) return;
  logger_.Info("starting auto compaction", {{"revision", *rev}});
  const uint64_t token = next_token_++;
  compaction_tokens_.insert(token);
  server_->Submit(token, mvcc::CompactionRequest{.revision = *rev});
}

void NodeHost::DispatchWatchResponses() {
  // A stream whose client has not read what it was given gets no more
  // for now (the core holds it; see watch_session.h).
  for (const auto& [id, session] : streams_) {
    server_->HoldStream(id, !session->has_room());
  }
  for (server::StreamWatchResponse& r : server_->TakeWatchResponses()) {
    PushWatch(r.stream_id, r.response);
  }
}

void NodeHost::FailPending() {
  for (auto& [token, call] : calls_) {
    call.Answer(UnaryAnswer{.answer = server::ErrStopped()});
  }
  calls_.clear();
  for (auto& [id, session] : streams_) session->Finish();
  streams_.clear();
  stream_auth_.clear();
}

void NodeHost::ObserveState() {
  const uint64_t lead = server_->leader();
  if (lead != last_leader_) {
    if (lead != 0) {
      logger_.Info("leader changed",
                   {{"leader", MemberIdHex(lead)}, {"term", server_->term()}});
    } else {
      logger_.Warn("no leader", {{"term", server_->term()}});
    }
    if (metrics_ != nullptr && lead != 0) metrics_->leader_changes_seen.Inc();
    last_leader_ = lead;
    leader_ = lead;
  }
  if (metrics_ != nullptr) {
    const raft::RaftStatus st = server_->raft_status();
    metrics_->has_leader.Set(lead != 0 ? 1 : 0);
    metrics_->is_leader.Set(server_->is_leader() ? 1 : 0);
    metrics_->proposals_committed.Set(double(st.hard_state.commit));
    metrics_->proposals_applied.Set(double(server_->applied_index()));
    metrics_->proposals_pending.Set(double(server_->pending_count()));
  }
  if (server_->applied_index() != members_seen_at_) {
    members_seen_at_ = server_->applied_index();
    SyncPeers();
  }
}

void NodeHost::SyncPeers() {
  std::vector<api::Member> members = server_->state().Members();
  const bool replicated = !members.empty();
  if (!replicated) members = options_.known_members;
  std::map<uint64_t, std::string> want;
  for (const api::Member& m : members) {
    if (m.id != server_->id() && !m.peer_urls.empty()) {
      want[m.id] = m.peer_urls.front();
    }
  }
  for (const auto& [id, url] : peers_) {
    if (want.count(id) == 0) transport_.RemovePeer(id);
  }
  for (const auto& [id, url] : want) {
    auto it = peers_.find(id);
    if (it == peers_.end() || it->second != url) transport_.AddPeer(id, url);
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, url] : peers_) {
    // Only a removal takes a member out of the applied membership.
    if (want.count(id) == 0 && replicated) {
      removed_ids_.insert(id);
    }
  }
  peers_ = std::move(want);
  members_ = std::move(members);
}

}  // namespace cairn::node
