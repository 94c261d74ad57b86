// NodeHost: the node's host loop around core/server::Server. Edge code:
// one thread (the loop) owns the Server, its Raft log store and its
// backend; every other thread (HTTP handlers, peer transport callbacks,
// main) talks to it only through this class's thread-safe methods, which
// queue work for the loop. Between turns the loop sleeps in a LoopPoller,
// woken by queued work and by the plain peer streams it reads itself
// (AdoptStream). The loop drains that queue, ticks the Server
// with the steady clock, runs Process (persist, send, apply), and hands
// the answers back: unary answers to the waiting caller, watch responses
// to their stream's queue. Requests queued together are proposed before
// one Process, so they share one fsync.
//
// Two maintenance requests are the host's own: Hash (a CRC32C of every
// key and value in the backend) and Defragment (compacting the LevelDB
// key range). Requests only the leader answers (lease keep-alive and
// time-to-live, member promote, move-leader) come back with the
// leader's client URL for the caller to forward to.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/cairn/auto_compactor.h"
#include "cli/cairn/call_deadlines.h"
#include "cli/cairn/client_api.h"
#include "cli/cairn/host_answer.h"
#include "cli/cairn/loop_poller.h"
#include "cli/cairn/node_config.h"
#include "cli/cairn/peer_stream_reader.h"
#include "cli/cairn/peer_stream_set.h"
#include "cli/cairn/watch_session.h"
#include "core/api/requests.h"
#include "core/api/watch_codec.h"
#include "core/server/server.h"
#include "core/storage/leveldb_backend.h"
#include "core/storage/raft_log_store.h"

namespace cairn::node {

class JsonLogger;
class PeerTransport;
struct NodeMetrics;

struct NodeHostOptions {
  server::Config server;
  // The most bytes of encoded watch responses a slow client may leave
  // unread on one stream before its watchers are canceled.
  size_t watch_queue_bytes = 16 << 20;
  // The membership as a joining member fetched it from the cluster: its
  // peers until the leader's snapshot gives it the replicated one.
  std::vector<api::Member> known_members;
  // --auto-compaction-mode / --auto-compaction-retention (0: off).
  CompactionMode compaction_mode = CompactionMode::kPeriodic;
  uint64_t compaction_retention = 0;
  // Hashes new passwords and checks passwords on the calling (HTTP)
  // threads, so that bcrypt never stalls the loop. Required for the auth
  // calls that carry a password; must outlive the host.
  const auth::PasswordHasher* password_hasher = nullptr;
  // The data directory whose file system is watched for free space, and
  // the space to keep free there (--disk-reserve-bytes): before each turn
  // the loop reports the free space less the reserve to the Server, which
  // raises NOSPACE when it runs out. Empty: no check.
  std::string data_dir;
  uint64_t disk_reserve_bytes = 0;
};

class NodeHost {
 public:
  // Opens the Server over the stores (fail-stop on unreadable storage).
  // `transport` and `logger` are borrowed and must outlive this;
  // `metrics` may be null.
  // The loop waits on `poller` (loop_poller.h).
  NodeHost(NodeHostOptions options,
           std::unique_ptr<storage::RaftLogStore> log_store,
           std::unique_ptr<storage::LevelDbBackend> backend,
           PeerTransport& transport, JsonLogger& logger, NodeMetrics* metrics,
           std::unique_ptr<LoopPoller> poller);
  ~NodeHost();  // Stop()
  NodeHost(const NodeHost&) = delete;
  NodeHost& operator=(const NodeHost&) = delete;

  // Starts the loop thread.
  void Start();
  // Graceful stop: a leader first hands leadership to another voter
  // (waiting up to an election timeout), then the loop waits for the
  // requests in flight (up to `grace`) and stops. Blocks until stopped.
  void Shutdown(std::chrono::milliseconds grace);
  // Stops the loop now; requests still waiting fail with ErrStopped.
  void Stop();
  // Blocks until the loop has stopped (Stop, Shutdown, or the member was
  // removed from the cluster), or `timeout` passed; returns whether it
  // has stopped.
  bool WaitStopped(std::chrono::milliseconds timeout);
  bool removed() const { return removed_.load(); }

  // ---- Thread-safe inputs -------------------------------------------------

  // Serves one request; blocks until it is answered (or `limit` passed:
  // then ErrTimeout; the default is the request timeout plus a margin).
  // `who` is the client's token or certificate CN (server.h's Submit). A
  // new password is hashed here, and an authentication's password is
  // checked here against the stored hash, before the loop sees them.
  UnaryAnswer Call(const api::GatewayRequest& req,
                   std::chrono::milliseconds limit = {},
                   const auth::Credentials& who = {});
  // Serves one request without waiting: `done` is called exactly once,
  // on the loop's thread (or on this one when the loop has stopped, or
  // the thread stopping it when it drops the request), with the answer;
  // or with ErrTimeout from another thread when the loop has not answered
  // within Call's default limit (call_deadlines.h). Like Call, but a
  // front end's thread need not wait for the loop.
  void CallAsync(const api::GatewayRequest& req, const auth::Credentials& who,
                 std::function<void(UnaryAnswer)> done);
  // Opens a watch stream and applies its first requests; every watch it
  // creates is checked against `who`'s permissions. Its responses are
  // queued as `encode` gives them (the JSON gateway's lines by default).
  std::shared_ptr<QueueWatchSession> OpenWatch(
      std::vector<api::WatchRequest> reqs, const auth::Credentials& who = {},
      WatchEncoder encode = api::EncodeWatchResponse);
  // Whether `who` may take a snapshot (role root with auth on).
  // Errors as server::Server::CheckMaintenance.
  Status CheckMaintenance(const auth::Credentials& who);
  void Deliver(std::vector<raft::Message> msgs);
  // Reads `stream` on the loop from now on, stepping its messages as they
  // come (PeerTransport::StreamHandoff); a stream of a member removed
  // meanwhile is answered 410. Dropped (503) once the loop has stopped.
  void AdoptStream(std::unique_ptr<PeerStreamReader> stream);
  void ReportUnreachable(uint64_t peer);
  void ReportSnapshot(uint64_t peer, bool ok);
  // server::Server::AdvanceTicks on the loop.
  void AdvanceTicks(int ticks);
  // A peer said this member was removed (it may never apply its own
  // removal: the others stop replicating to it): stop as removed.
  void ReportRemovedSelf();

  // ---- Thread-safe state --------------------------------------------------

  // A consistent view of the whole backend, for /v3/maintenance/snapshot;
  // it may be read from any thread and must not outlive this host.
  std::unique_ptr<storage::LevelDbBackend::View> OpenSnapshotView() const {
    return backend_->OpenView();
  }

  bool has_leader() const { return leader_.load() != 0; }
  uint64_t member_id() const { return options_.server.member_id; }
  uint64_t cluster_id() const { return options_.server.cluster_id; }
  // The membership as last applied.
  std::vector<api::Member> Members() const;
  // Whether `id` was a member this one saw removed.
  bool WasRemoved(uint64_t id) const;

 private:
  class HostWatchSession;
  // A request's way back: answered exactly once, with ErrStopped when
  // it is dropped unanswered (the loop stopped with it queued or in
  // flight).
  class PendingCall {
   public:
    PendingCall(std::function<void(UnaryAnswer)> done, bool only_leader)
        : leader_only(only_leader), done_(std::move(done)) {}
    PendingCall(PendingCall&& other) noexcept
        : leader_only(other.leader_only), done_(std::move(other.done_)) {
      other.done_ = nullptr;
    }
    PendingCall& operator=(PendingCall&&) = delete;
    PendingCall(const PendingCall&) = delete;
    ~PendingCall();
    void Answer(UnaryAnswer a);
    const bool leader_only;

   private:
    std::function<void(UnaryAnswer)> done_;
  };

  // Queues `fn` for the loop; false (not queued) once the loop stopped.
  bool Post(std::function<void()> fn);
  void Loop();
  void RunInbox();
  void ServeHostRequest(const api::GatewayRequest& req,
                        const auth::Credentials& who, PendingCall& call);
  // Hashes or checks the passwords of an auth call (HTTP thread).
  Status PreparePasswords(api::GatewayRequest& req);
  void DispatchResponses();
  void DispatchWatchResponses();
  void ApplyWatchRequest(uint64_t stream, const api::WatchRequest& req);
  void PushWatch(uint64_t stream, const mvcc::WatchResponse& resp);
  void ObserveState();
  void CheckDiskSpace();
  void MaybeAutoCompact();
  void SyncPeers();
  void FailPending();
  bool TransferLeadership();
  api::ResponseHeader Header() const;
  int64_t NowMs() const;

  const NodeHostOptions options_;
  // Before everything a call's answer may go through.
  CallDeadlines deadlines_;
  std::unique_ptr<storage::RaftLogStore> log_store_;
  std::unique_ptr<storage::LevelDbBackend> backend_;
  // What the Server writes through: backend_, fail-stop on a failed
  // write (disk_space.h), timed when metrics are on.
  std::unique_ptr<storage::Backend> fail_stop_backend_;
  std::unique_ptr<storage::Backend> timed_backend_;
  PeerTransport& transport_;
  JsonLogger& logger_;
  NodeMetrics* const metrics_;
  const std::chrono::steady_clock::time_point start_;

  // Loop-thread state.
  class ServerTransport;
  class ServerLogger;
  std::unique_ptr<ServerTransport> server_transport_;
  std::unique_ptr<ServerLogger> server_logger_;
  std::unique_ptr<Random> random_;
  std::unique_ptr<server::Server> server_;
  uint64_t next_token_ = 1;
  AutoCompactor compactor_;
  std::set<uint64_t> compaction_tokens_;  // the compactor's own requests
  std::map<uint64_t, PendingCall> calls_;
  std::map<uint64_t, std::shared_ptr<HostWatchSession>> streams_;
  std::map<uint64_t, auth::Credentials> stream_auth_;  // per stream
  std::map<uint64_t, std::string> peers_;  // id -> peer URL in transport
  raft::Index members_seen_at_ = ~raft::Index{0};  // none seen yet
  uint64_t last_leader_ = 0;
  bool disk_short_ = false;         // as last logged
  bool disk_check_failed_ = false;  // as last logged
  const std::unique_ptr<LoopPoller> poller_;
  PeerStreamSet peer_streams_;  // the loop's

  // Shared with other threads.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> inbox_;  // guarded by mu_
  bool stop_ = false;                        // guarded by mu_
  bool stopped_ = false;                     // guarded by mu_
  std::vector<api::Member> members_;         // guarded by mu_
  std::set<uint64_t> removed_ids_;           // guarded by mu_
  bool removed_self_ = false;                // guarded by mu_
  // The loop is, or is about to be, waiting in poller_: a Post wakes it.
  bool sleeping_ = false;     // guarded by mu_
  uint64_t next_stream_ = 1;  // guarded by mu_
  std::atomic<uint64_t> leader_{0};
  std::atomic<bool> removed_{false};
  std::thread thread_;
};

}  // namespace cairn::node
