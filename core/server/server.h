// Server: one cairn member's replicated state machine and THE host loop
// (STYLE.md A2), written once against interfaces so that the node and the
// simulator run the same lines. It owns the RawNode and the StateMachine
// (keyspace, leases, membership, alarms, watches) and borrows the Raft log
// store, the keyspace backend, the transport, the logger and the Random.
//
// Inputs: Submit (a client request, with an opaque token the host uses to
// route the answer), Step (a peer's Raft message), Tick (the host's clock,
// in ms), watch stream calls. Work happens in Process, which handles every
// pending Ready in the fixed order: (1) persist snapshot, entries and hard
// state through RaftLogStore::Save (synced when must_sync); (2) send the
// messages through Transport; (3) apply the snapshot and committed entries
// and write ONE backend batch with their effects and the applied index;
// (4) Advance. Outputs: TakeResponses and TakeWatchResponses. (A leader
// sends before it persists, and committed entries already durable in the
// log are applied before the Ready's new entries are written: see
// HandleReady.)
//
// Writes are answered once applied on this member; serializable reads at
// once from local state; linearizable reads after a ReadIndex round, once
// the applied index reaches it (concurrent reads share one round). Lease
// keep-alives and time-to-live are answered by the leader only (kNotLeader
// elsewhere: the host forwards them to leader()). See docs/server.md.
//
// Pure core: no clocks, threads or I/O; one thread owns a Server. Same
// inputs, same Random seed and same storage contents give the same
// outputs.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/api/cluster_types.h"
#include "core/auth/credentials.h"
#include "core/auth/password_hasher.h"
#include "core/auth/token_store.h"
#include "core/lease/lease.h"
#include "core/mvcc/watch_hub.h"
#include "core/raft/raw_node.h"
#include "core/server/entry_codec.h"
#include "core/server/request.h"
#include "core/server/state_machine.h"
#include "core/server/transport.h"
#include "core/storage/backend.h"
#include "core/storage/raft_log_store.h"
#include "core/util/random.h"

namespace cairn::server {

struct Config {
  // This member's id (nonzero) and the cluster's.
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  // The founding members (all voters, this one included) for a member
  // that bootstraps a new cluster on empty storage. Empty for a member
  // that joins an existing cluster (added with MemberAdd): it waits for
  // the leader's snapshot. Ignored when the storage is not empty.
  std::vector<api::Member> initial_members;
  // This member's name and client URLs. While the membership records other
  // values, the member proposes them (etcd's publish) once per election
  // timeout until applied. Empty: nothing to publish.
  std::string name;
  std::vector<std::string> client_urls;
  // Raft timing, in ticks of tick_ms milliseconds.
  int64_t tick_ms = 100;
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  // Raft's pre-vote and check-quorum (etcd 3.4 runs both; scenarios turn
  // them off to show what they prevent).
  bool pre_vote = true;
  bool check_quorum = true;
  // A snapshot is taken every snapshot_count applied entries (etcd's
  // --snapshot-count; small in tests).
  uint64_t snapshot_count = 10000;
  // How long a client request may wait for its answer before it fails
  // with ErrTimeout (etcd: 5 s + 2 * election timeout).
  int64_t request_timeout_ms = 7000;
  // Requests waiting for an answer (writes, linearizable reads, keep-alive
  // forwarding is the host's); more fail with ErrTooManyRequests (A9).
  size_t max_pending_requests = 10000;
  // Ops per txn branch and compares (etcd's --max-txn-ops).
  size_t max_txn_ops = limits::kMaxTxnOpsDefault;
  // The keyspace size (approximate bytes) above which the leader raises
  // the NOSPACE alarm; 0 disables the check.
  int64_t quota_bytes = 0;
  // Raft flow control.
  uint64_t max_size_per_msg = 1 << 20;
  size_t max_inflight_msgs = 256;
  uint64_t max_uncommitted_entries_size = 64 << 20;
  lease::Config lessor;
  mvcc::WatchHubOptions watch;
  // Auth: how passwords are hashed and checked when the host has not done
  // it already (null: auth calls that need it fail), and how long a
  // simple token lives after its last use (etcd's --auth-token-ttl).
  const auth::PasswordHasher* password_hasher = nullptr;
  int64_t auth_token_ttl_ms = 300'000;

  // TEST ONLY: server bugs the simulator plants to prove that its checkers
  // catch them (docs/simulator.md). All off by default, where the code
  // path is exactly the correct one; only simulator/ may set them (a ctest
  // greps cli/ for the name).
  struct SimBugs {
    // A linearizable read on a follower is served from local state, with
    // no ReadIndex round (a stale read).
    bool follower_local_read = false;
    // Watch events at every 8th revision are dropped on their way to the
    // stream (a gap at a revision boundary).
    bool skip_watch_event = false;
    // The applied index is committed in its own backend batch after the
    // batch of changes it describes, so that a crash between the two
    // applies entries twice after the restart.
    bool applied_index_apart = false;
    // A lease revoke (by a client or by expiry) leaves the last of its
    // keys in the keyspace, attached to the lease that is gone.
    bool lease_revoke_keeps_keys = false;
  };
  SimBugs sim_bugs;
};

// An auth error as etcd's maintenance server returns it: the auth
// package's text ("auth: invalid auth token") as gRPC Unknown.
Status AsMaintenanceError(const Status& s);

class Server {
 public:
  // Opens the member over `log_store` and `backend`. On empty storage a
  // member with initial_members bootstraps the cluster (a snapshot at
  // index 1 holding the founding membership); otherwise it recovers: the
  // state is loaded from the backend (the applied index included) and Raft
  // restarts from the log store with Applied = that index. Crashes on
  // unreadable or inconsistent storage (fail-stop, STYLE.md E5).
  // Every borrowed object must outlive the Server. `random` must not
  // repeat an earlier incarnation's draws (seed it afresh each start): the
  // proposer session and request ids come from it, and a repeat of them
  // would make this incarnation's writes look applied already.
  Server(const Config& config, storage::RaftLogStore& log_store,
         storage::Backend& backend, Transport& transport, Logger& logger,
         Random& random);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // ---- Inputs -------------------------------------------------------------

  // Accepts a client request; its answer appears in TakeResponses with the
  // same token (possibly during this call). Errors answered: ErrNotLeader
  // (keep-alive, time-to-live, member promote and move-leader off the
  // leader), ErrNoLeader (a write while no leader is known),
  // ErrTooManyRequests (too many pending), ErrTimeout, ErrLeaderChanged,
  // ErrStopped (after this member was removed), and the request's own.
  //
  // `who` is the client's token (the Authorization header), empty for
  // none, else its certificate's CN. A token this member does not know
  // (never issued, expired, its user's password changed, auth disabled)
  // fails the request with "etcdserver: invalid auth token"; without a
  // token the CN is the user (no CN: etcd's "user name is empty" where a
  // user is needed); with auth enabled, reads are checked
  // when served, writes and auth calls when applied (state_machine.h),
  // member changes before they are proposed (role root only).
  void Submit(uint64_t client_token, Request request,
              const auth::Credentials& who = {});
  // A Raft message from a peer (invalid ones are logged and dropped).
  void Step(const raft::Message& msg);
  // The host's clock: runs the Raft ticks due since the last Tick (one
  // per tick_ms) and the timed duties: lease expiry and checkpoints on the
  // leader, request timeouts, read retries. REQUIRES: now_ms never
  // decreases.
  void Tick(int64_t now_ms);
  // Starts an election now (tests, and a host that knows better).
  void Campaign();
  // Runs `ticks` Raft ticks at once, without moving the clock, on a
  // follower that knows no leader; otherwise does nothing. A starting host
  // calls it once it knows its peers are up, so that the first election
  // comes sooner than a whole election timeout (etcd's
  // --initial-election-tick-advance). Ticks run only while the elapsed
  // ticks stay under election_ticks, so the advance itself never starts
  // an election: it only shortens the wait for the next one.
  // REQUIRES: ticks >= 0.
  void AdvanceTicks(int ticks);
  // The transport could not reach `peer` (Raft then probes it rather
  // than streaming), and the outcome of a snapshot sent to it.
  void ReportUnreachable(uint64_t peer);
  void ReportSnapshot(uint64_t peer, bool ok);
  // The host's measure of this member's free disk space: the bytes it may
  // still write before it reaches its reserve. While that is 0 or less, or
  // after a write did not fit in it, this member proposes the NOSPACE
  // alarm for itself (again after a request timeout if the proposal was
  // lost, at once after the alarm was disarmed while still short). Writes
  // that need space (NeedsSpace: puts, txns with a put, lease grants) are
  // refused with ErrNoSpace before they are proposed when they do not fit,
  // and each one proposed is counted against the headroom (twice its
  // entry's size: the log and the keyspace) until the next report.
  // Unlimited until first called.
  void ReportDiskHeadroom(int64_t bytes);
  // Runs the host loop until Raft has no Ready left. Returns whether it
  // handled any.
  bool Process();
  // Forces a snapshot at the applied index now (tests, operators).
  void Snapshot();

  // ---- Watches ------------------------------------------------------------

  // Creates a watch on a client stream; returns the stream-local watch id
  // (req.watch_id if nonzero, else the lowest free id of the stream).
  // Errors as WatchHub::Watch.
  // With auth enabled the token's user needs READ on the watched range;
  // else the check's error, its message as etcd's cancel reason ("rpc
  // error: code = PermissionDenied desc = etcdserver: permission denied").
  Result<int64_t> CreateWatch(uint64_t stream_id, mvcc::WatchCreateRequest req,
                              const auth::Credentials& who = {});
  // Cancels a stream's watch; kNotFound for an unknown id.
  Status CancelWatch(uint64_t stream_id, int64_t watch_id);
  // Cancels every watch of a stream (the client went away).
  void CloseStream(uint64_t stream_id);
  // Holds back (or releases) a stream's watch responses while its client
  // is not reading: they wait in the hub on its watchers' budgets, which
  // fall back to replaying history when full (see WatchHub), instead of
  // piling up in the host. Unknown streams are ignored.
  void HoldStream(uint64_t stream_id, bool hold);

  // ---- Auth helpers for the host -------------------------------------------

  // The stored hash of `name`'s password, for a host that checks the
  // password itself and then submits the AuthenticateRequest with
  // verified_hash set. Errors: ErrAuthNotEnabled; ErrAuthFailed for an
  // unknown user or one without a password.
  Result<std::string> PasswordHashOf(const std::string& name) const;
  // Whether the token may run the maintenance calls etcd reserves for
  // role root (hash, hashkv, defragment, snapshot). Errors, as etcd's
  // maintenance server gives them (gRPC Unknown): "auth: invalid auth
  // token", "auth: user name is empty", "auth: permission denied".
  Status CheckMaintenance(const auth::Credentials& who);

  // ---- Outputs ------------------------------------------------------------

  std::vector<ClientResponse> TakeResponses();
  std::vector<StreamWatchResponse> TakeWatchResponses();
  // Called inside Process when answers are ready before a log write: the
  // committed entries of a Ready that were already durable are applied
  // before its new entries are written (etcd applies alongside its WAL
  // write too), and the host may take the answers then instead of after
  // the write's sync. May be empty (answers wait for Process to return).
  void SetAnswersReadyHook(std::function<void()> hook) {
    answers_ready_ = std::move(hook);
  }

  // ---- State --------------------------------------------------------------

  uint64_t id() const { return config_.member_id; }
  uint64_t cluster_id() const { return config_.cluster_id; }
  // The leader this member knows, or 0.
  uint64_t leader() const { return lead_; }
  bool is_leader() const { return role_ == raft::StateType::kLeader; }
  raft::Term term() const;
  // True once this member applied its own removal: the host should stop
  // it (every later Submit answers ErrStopped).
  bool removed() const { return removed_; }
  raft::Index applied_index() const { return sm_->applied_index(); }
  const StateMachine& state() const { return *sm_; }
  raft::RaftStatus raft_status() const { return raw_->GetStatus(); }
  // The CRC of the whole keyspace at the current revision (tests compare
  // members with it).
  uint32_t KvHash() const;
  size_t pending_count() const;
  // On the leader: the most caught-up other voter (ties: the lowest id),
  // the one to hand leadership to before stopping; 0 if none or not
  // leader.
  uint64_t TransferTarget() const;

 private:
  struct PendingWrite {
    uint64_t client_token = 0;
    int64_t deadline_ms = 0;
    raft::Index index = 0;  // 0 until the entry shows up in a Ready
    raft::Term term = 0;
  };
  struct PendingRead {
    uint64_t client_token = 0;
    int64_t deadline_ms = 0;
    mvcc::RangeRequest request;
    std::optional<auth::AuthInfo> auth;  // checked when served
  };
  struct ReadBatch {
    std::string ctx;
    int64_t sent_ms = 0;
    std::vector<PendingRead> reads;
  };
  struct ReadyRead {
    raft::Index index = 0;
    std::vector<PendingRead> reads;
  };
  struct PendingMove {
    uint64_t client_token = 0;
    uint64_t target = 0;
    int64_t deadline_ms = 0;
  };
  struct WatchInfo {
    int64_t hub_id = 0;
    mvcc::WatchCreateRequest request;
    // The first revision not yet handed to the client: a snapshot install
    // re-creates the watch from here on the new keyspace.
    int64_t next_rev = 0;
  };
  struct Stream {
    std::map<int64_t, WatchInfo> watches;  // by stream-local id
    // No id below this is free: the search for the lowest free id starts
    // here, so a flood of creates on one stream is not quadratic.
    int64_t free_hint = 0;
  };

  // server.cc: construction, inputs, the loop.
  void Bootstrap();
  // Whether the backend was made by `cairnctl snapshot restore`: members
  // but no applied index.
  bool HoldsRestoredState() const;
  void Recover();
  void StartRaft(raft::Index applied);
  void HandleReady(raft::Ready rd);
  void UpdateRole(const raft::SoftState& ss);
  void Respond(uint64_t token, Result<Response> result);
  void Log(const std::string& line);
  api::ResponseHeader Header() const;

  // server_write.cc: proposals and the apply path.
  void SubmitWrite(uint64_t token, const Request& request,
                   std::optional<auth::AuthInfo> auth);
  void ProposeWrite(uint64_t token, WriteRequest req,
                    std::optional<auth::AuthInfo> auth = std::nullopt);
  // server_auth.cc.
  Result<std::optional<auth::AuthInfo>> ResolveAuth(
      const auth::Credentials& who);
  void SubmitAuth(uint64_t token, Request request,
                  std::optional<auth::AuthInfo> auth);
  void AfterAuthApplied(const AuthWriteRequest& req, const Response& resp);
  void ProposeMemberChange(uint64_t token, MemberChange change);
  Status ProposeInternal(WriteRequest req);
  uint64_t NextRequestId();
  void NoteProposed(const std::vector<raft::Entry>& entries);
  void ApplyEntries(const std::vector<raft::Entry>& entries);
  void ApplyNormal(const raft::Entry& e);
  void ApplyConfChange(const raft::Entry& e);
  void FinishWrite(uint64_t request_id, raft::Index index,
                   Result<Response> result);
  Response AddHeader(Response resp) const;

  // server_read.cc: local answers and linearizable reads.
  void SubmitRead(uint64_t token, const Request& request,
                  std::optional<auth::AuthInfo> auth);
  void SubmitLinearizable(uint64_t token, mvcc::RangeRequest req,
                          std::optional<auth::AuthInfo> auth);
  void MaybeSendReadIndex();
  void OnReadStates(const std::vector<raft::ReadState>& states);
  void ServeReadyReads();
  void ServeRange(const PendingRead& read);
  api::StatusResponse MakeStatus() const;
  void ExpireRequests();

  // server_lease.cc: leader duties and leader-only requests.
  void SubmitKeepAlive(uint64_t token, const api::LeaseKeepAliveRequest& r);
  void SubmitTimeToLive(uint64_t token, const api::LeaseTimeToLiveRequest& r);
  void SubmitMoveLeader(uint64_t token, const api::MoveLeaderRequest& r);
  void SubmitMemberChange(uint64_t token, const Request& request);
  bool LearnerReady(uint64_t id) const;
  uint64_t ChooseMemberId();
  void LeaderDuties();
  void MaybePublish();
  void MaybeRaiseNoSpace();
  void MaybeRaiseDiskAlarm();
  void MaybePromoteLessor();
  void CheckMove();

  // server_persist.cc: the backend batch, snapshots, recovery.
  void RaiseCommitToApplied();
  void PersistApplied(bool sync);
  void PersistAppliedApart(const storage::WriteBatch& batch, bool sync);
  // Whether a member applied up to `applied` takes a snapshot
  // (--snapshot-count entries since the last one).
  bool SnapshotDueAt(raft::Index applied) const;
  // Whether applying `committed` (non-empty) ends in a snapshot, as
  // ApplyEntries takes one.
  bool SnapshotFollows(const std::vector<raft::Entry>& committed) const;
  void CreateSnapshot();
  raft::Snapshot SendableSnapshot() const;
  void InstallSnapshot(const raft::Snapshot& snap);

  // server_watch.cc: per-stream watch ids over the hub's global ones.
  // Moves the hub's responses to watch_out_, but those of held streams
  // unless `all`.
  void DrainHub(bool all = false);
  void ResetWatches(StateMachine& next);

  Config config_;
  storage::RaftLogStore& log_store_;
  storage::Backend& backend_;
  Transport& transport_;
  Logger& logger_;
  Random& random_;
  std::unique_ptr<StateMachine> sm_;
  std::unique_ptr<raft::RawNode> raw_;

  int64_t now_ms_ = 0;
  int64_t next_publish_ms_ = 0;
  int64_t last_tick_ms_ = 0;
  bool clock_started_ = false;
  uint64_t lead_ = 0;
  raft::StateType role_ = raft::StateType::kFollower;
  // As a new leader: the lessor is promoted once this index (the first
  // entry of the leader's term) is applied, so that every lease granted
  // or revoked in earlier terms is known (etcd promotes after applying
  // the entries of previous terms).
  raft::Index promote_at_index_ = 0;
  raft::Index snapshot_index_ = 0;
  raft::ConfState conf_state_;
  bool removed_ = false;
  int64_t next_alarm_ms_ = 0;
  // ReportDiskHeadroom's last value, less what was proposed since.
  int64_t disk_headroom_ = INT64_MAX;
  bool disk_short_ = false;
  int64_t next_disk_alarm_ms_ = 0;

  uint64_t next_request_id_ = 0;
  uint64_t session_ = 0;  // this incarnation's proposer session
  std::map<uint64_t, PendingWrite> writes_;  // by request id
  uint64_t next_read_ctx_ = 0;
  std::optional<ReadBatch> read_in_flight_;
  std::vector<PendingRead> reads_queued_;
  std::vector<ReadyRead> reads_ready_;
  std::optional<PendingMove> move_;
  std::vector<ClientResponse> responses_;
  std::function<void()> answers_ready_;
  auth::TokenStore tokens_;

  std::map<uint64_t, Stream> streams_;
  // hub id -> (stream, stream-local id).
  std::map<int64_t, std::pair<uint64_t, int64_t>> watch_owner_;
  // Hub ids whose "created" response must not reach the client (watches
  // re-created after a snapshot install).
  std::set<int64_t> quiet_created_;
  std::vector<StreamWatchResponse> watch_out_;
  std::set<uint64_t> held_streams_;
};

}  // namespace cairn::server
