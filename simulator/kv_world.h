// KvWorld: one run of the kv workload (world.h, Workload::kKv): full
// servers (ServerNode, core/server::Server) on the simulated network and
// disks, with the fault plan of the Raft-level world, driven by simulated
// KV clients. Simulator host code; single threaded and deterministic: the
// seed feeds every draw, time is the event queue's virtual clock, only
// ordered containers are iterated. Internal to kv_world*.cc.
//
// Clients: kClients closed-loop clients, each with one operation at a time
// on a small key set (kv_client.cc): put, linearizable get, serializable
// get, delete and compare-and-swap (a txn: value(key) == expect ? put) on
// k0..k4, and txns that compare and write k3 and k4 together (checked as
// one partition: linearizability.h); leases (grant with a short TTL,
// keep-alive, revoke, or let expire) and puts attached to them on l0..l2
// (kv_leases.cc). Each goes to a random member; an error or a timeout is
// retried at the next member (at most kAttempts tries). A write whose outcome
// is unknown (error, timeout, member crashed) enters the history as "maybe
// happened".
//
// Checks (kv_checks.cc):
//   - during the run: election safety, the persistence contract of every
//     sent message, the watcher's events (one watcher, created at
//     revision 1 on the whole key range, re-created after its member
//     restarts: each revision exactly once, in order, no gaps), every
//     observed (key, mod revision) has one value across reads, acks and
//     watch events, and serializable reads (below);
//   - at the end, after healing and settling: every member at the same
//     revision with equal KvHash; the watcher caught up to it; its events
//     replayed equal the final keyspace; every acknowledged write is the
//     event at its revision; the history of puts, linearizable gets,
//     deletes and CASes is linearizable per key (linearizability.h), with
//     final reads of every key appended.
// Leases (kv_leases.cc): after every call that applied entries, the
// member's keyspace holds no key attached to a lease it does not hold
// (and every lease's keys are live and attached to it); no read at or
// after the revision of a lease's revoke sees a key attached to it;
// members at the same applied index hold the same leases; after healing
// every lease expires. Keys l0..l2 are never deleted by clients, so every
// delete the watcher sees there is a lease's revoke (a client's or an
// expiry): it enters the linearizability history as a delete that
// certainly happened, between the invocation of the last acknowledged
// write below its revision and the earliest answer at or above it.
// Compaction (kv_compaction.cc): clients compact at revisions up to the
// latest one the watcher saw (never past it, so the watcher's history
// stays whole), read keys at past revisions and watch from them. A past
// watch is canceled with the compact revision, or sends the watcher's
// events from its start on (kv_compaction.cc). A historical read gets
// the watcher's value at its revision, or etcd's compacted error, which
// it must get when a compaction above its revision was acknowledged
// before it began, and may get only if one was asked for before it
// ended. Every member at one applied index has one revision and compact
// revision, both non-decreasing in the applied index, across crashes and
// restarts too (etcd #13766, #17780); at the end all members agree on
// HashKV at two common revisions.
// Serializable reads are not linearizable (a lagging member answers from
// its own state), so they are kept out of the linearizability check. They
// are checked for what they promise: the value was written by some client
// (or is absent), the (key, mod revision) agrees with every other
// observation, mod revision <= header revision, and the header revision
// never decreases on one member within one life.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/server/server.h"
#include "core/util/random.h"
#include "simulator/event_queue.h"
#include "simulator/fault_plan.h"
#include "simulator/invariant_checker.h"
#include "simulator/linearizability.h"
#include "simulator/network.h"
#include "simulator/server_node.h"
#include "simulator/trace.h"
#include "simulator/view_recorder.h"
#include "simulator/world.h"

namespace cairn::sim::kv {

using nlohmann::json;
using raft::Message;

enum class EventKind : uint8_t {
  kTick,      // node
  kDeliver,   // from -> node, msg
  kFault,     // value = index into the plan
  kNextOp,    // value = client
  kSubmit,    // node, value = token
  kReply,     // value = reply id
  kTimeout,   // value = token
  kRetry,     // value = token
  kLiveness,  // the faulty phase ends
  kSettle,    // poll: has the cluster settled?
  kDeadline,  // the liveness bound passed
};

struct Event {
  EventKind kind = EventKind::kTick;
  NodeId node = 0;
  NodeId from = 0;
  uint64_t value = 0;
  uint64_t msg_id = 0;  // kDeliver, when tracing: the copy's trace id
  Message msg;
};

inline Event Ev(EventKind kind, NodeId node = 0, uint64_t value = 0) {
  Event e;
  e.kind = kind;
  e.node = node;
  e.value = value;
  return e;
}

inline constexpr int kClients = 5;
inline constexpr int kKeys = 5;       // k0 .. k4
inline constexpr int kLeaseKeys = 3;  // l0 .. l2: puts with leases
inline constexpr size_t kLeasesPerClient = 4;
inline constexpr char kProbeKey[] = "kp";
inline constexpr int kAttempts = 3;
inline constexpr Micros kClientTimeout = 3 * kSeconds;
inline constexpr Micros kRetryDelay = 20 * kMillis;
inline constexpr Micros kSettlePoll = 50 * kMillis;
inline constexpr uint64_t kWatchStream = 1;
// Client c's past watches use stream kPastWatchStream + c.
inline constexpr uint64_t kPastWatchStream = 100;

// Something a paused member will handle when it resumes.
struct InboxItem {
  bool submit = false;
  uint64_t token = 0;  // submit
  Message msg;         // !submit
};

struct Member {
  std::unique_ptr<ServerNode> node;
  bool paused = false;
  std::vector<InboxItem> inbox;
  uint32_t skew_percent = 100;
  Micros ticks_held_until = 0;
  int64_t clock_ms = 0;  // the member's own clock (skew, jumps)
  // The highest header revision of a serializable read in this life.
  int64_t serial_rev = 0;
  // The applied index the lease and revision checks last looked at.
  uint64_t checked_applied = 0;
};

// What a client's current operation is: a KV op (in the history), a lease
// op (checked by the lease checks, not a register op), a compaction or a
// read at a past revision (checked against the watcher's history).
enum class ClientOp : uint8_t {
  kKv,
  kGrant,
  kKeepAlive,
  kRevoke,
  kCompact,
  kPastRead,
  kPastWatch,
};

// A compaction a client asked for: from its invocation on, a read below
// `rev` may be refused as compacted; once acknowledged it must be.
struct CompactionOp {
  int64_t rev = 0;
  uint64_t call = 0;
  std::optional<uint64_t> acked;  // when, if acknowledged
};

// A read of one key at a past revision, and what it got.
struct PastRead {
  NodeId member = 0;
  std::string key;
  int64_t rev = 0;
  uint64_t call = 0;
  uint64_t ret = 0;
  bool compacted = false;
  std::optional<std::string> value;  // nullopt: absent (or compacted)
};

struct Client {
  uint64_t id = 0;
  bool probe = false;  // the liveness probe: retries until it succeeds
  bool busy = false;
  uint64_t gen = 0;  // the current attempt; older replies are ignored
  server::Request request;
  ClientOp kind = ClientOp::kKv;
  KvOp op;                // kind, key, write, expect; filled in as it ends
  int64_t lease = 0;      // the lease of a lease op or of a put (0: none)
  size_t compaction = 0;  // a compaction op's index in compactions_
  // A past watch created on this member and not yet answered (0: none).
  NodeId past_watch_on = 0;
  // That member's compact revision when the watch was created.
  int64_t past_watch_compact_rev = 0;
  bool serializable = false;
  int attempts = 0;
  NodeId target = 0;
  // The last value this client saw per key (a CAS expects it).
  std::map<std::string, std::string> seen;
  uint64_t next_value = 1;
  // Leases this client granted (or may have) and not yet saw end.
  std::vector<int64_t> leases;
  uint64_t next_lease = 1;
  // The leader a member named when it refused a keep-alive.
  NodeId leader_hint = 0;
};

// An acknowledged write (the event at `rev` must be it), or an event the
// watcher saw.
struct AckedWrite {
  std::string key;
  int64_t rev = 0;
  std::optional<std::string> value;  // nullopt: a delete
  int64_t lease = 0;
  // Acknowledged: the attempt's invocation and answer. Watched: ret is
  // when the watcher saw it.
  uint64_t call = 0;
  uint64_t ret = 0;
};

class KvWorld {
 public:
  explicit KvWorld(const WorldOptions& options);
  RunResult Run();

 private:
  // kv_world.cc: the host loop, messages, faults.
  void Dispatch(Event& ev);
  void OnTick(NodeId id);
  void OnDeliver(Event& ev);
  void OnFault(const Fault& f);
  void AfterCall(NodeId id);
  void Send(NodeId id);
  void Crash(NodeId id, const char* why);
  void Restart(NodeId id);
  void Resume(NodeId id);
  void ClockJump(NodeId id, uint32_t ms, bool back);
  void ApplyLoss(uint32_t drop_ppm, uint32_t dup_ppm);
  void StartWatch();
  void Answer(NodeId id, server::ClientResponse& a);
  void CheckMember(NodeId id);
  Member& M(NodeId id) { return members_[id - 1]; }
  bool Running(NodeId id) { return !M(id).node->crashed() && !M(id).paused; }
  void Check(std::optional<Violation> v) {
    if (v.has_value()) Fail(v->invariant, v->detail);
  }
  void Fail(std::string invariant, std::string detail);
  // When tracing: the replay view's events for member `id`, or the cuts.
  void View(NodeId id) {
    if (view_) view_->Member(id, *M(id).node, M(id).paused);
  }
  void ViewCuts() {
    if (view_) view_->Cuts(network_);
  }
  bool tracing() const { return options_.tracing; }
  void Emit(std::string_view ev, json fields) {
    trace_.Emit(queue_.now(), ev, std::move(fields));
  }

  // kv_client.cc: the clients and the history.
  void OnNextOp(uint64_t client);
  void ChooseOp(Client& c);
  void ChooseKvOp(Client& c, uint64_t roll);
  void ChooseTxnOp(Client& c);
  void FinishTxn(Client& c, KvOp op, const mvcc::TxnResponse& t,
                 const AckedWrite& ack);
  void ChooseLeaseOp(Client& c, uint64_t roll);
  void SetLeaseOp(Client& c, ClientOp kind, int64_t lease);
  void ChooseCompactionOp(Client& c, uint64_t roll);
  void Launch(Client& c, NodeId target);
  void OnSubmit(NodeId id, uint64_t token);
  void OnReply(uint64_t reply_id);
  void OnTimeout(uint64_t token);
  void OnRetry(uint64_t token);
  void Submit(NodeId id, uint64_t token);
  void Finish(Client& c, const server::Response& resp);
  void Failed(Client& c, const std::string& why, bool never_sent);
  bool FailedForSure(Client& c, const Status& s);
  void FinishLeaseOp(Client& c, const server::Response& resp);
  bool FinishCompactionOp(Client& c, const Result<server::Response>& result);
  void DropLease(Client& c, int64_t lease);
  void EndOp(Client& c);
  Client* ClientOf(uint64_t token);
  void RecordRange(Client& c, const mvcc::RangeResponse& r);
  void OnLiveness();
  void OnSettle();
  void OnDeadline();

  // kv_checks.cc: observations and the final checks.
  void Observe(const std::string& key, int64_t rev,
               const std::optional<std::string>& value, const char* source);
  void CheckSerializable(NodeId id, const std::string& key,
                         const mvcc::RangeResponse& r);
  void OnWatch(const mvcc::WatchResponse& r);
  bool Settled(std::string* why);
  void FinalChecks();
  void CheckAcked();
  void CheckHistory();

  // kv_leases.cc: the lease checks.
  void CheckMemberLeases(NodeId id);
  void CheckReadLease(NodeId id, int64_t header_rev, const mvcc::KeyValue& kv,
                      const char* source);
  void NoteRevoked(int64_t lease, int64_t rev);
  bool LeasesAgree(std::string* why);
  void AddLeaseDeletes();

  // kv_compaction.cc: revisions, compaction and past reads.
  void CheckRevision(NodeId id);
  void CheckPastReads();
  void CheckHashAtRevisions();
  void CreatePastWatch(NodeId id, Client& c);
  void FinishPastWatch(NodeId id, Client& c,
                       const std::vector<mvcc::WatchResponse>& got);
  void CheckPastWatch(NodeId id, const Client& c,
                      const std::vector<mvcc::WatchResponse>& got);

  WorldOptions options_;
  Random rng_;
  Random net_rng_;
  Random disk_rng_;
  Random client_rng_;
  Trace trace_;
  EventQueue<Event> queue_;
  Network network_;
  LinkConfig base_link_;
  FaultPlan plan_;
  std::vector<Member> members_;  // member id i at i - 1
  InvariantChecker checker_;
  std::optional<ViewRecorder> view_;  // only when tracing

  std::vector<Client> clients_;  // client id i at i - 1; the probe last
  uint64_t next_reply_ = 1;
  std::map<uint64_t, std::pair<uint64_t, Result<server::Response>>> replies_;
  std::vector<KvOp> history_;
  std::map<std::string, std::set<std::string>> written_;  // values tried
  std::vector<AckedWrite> acked_;
  // Lease -> the lowest revision at which it is known revoked.
  std::map<int64_t, int64_t> revoked_rev_;
  // The highest revision any answer named (committed, so it exists).
  int64_t max_rev_seen_ = 1;
  std::vector<CompactionOp> compactions_;
  std::vector<PastRead> past_reads_;
  // Applied index -> (revision, compact revision) as some member had it.
  std::map<uint64_t, std::pair<int64_t, int64_t>> rev_at_applied_;
  // (key, mod revision) -> value (nullopt: deleted there), as observed.
  std::map<std::pair<std::string, int64_t>, std::optional<std::string>> revs_;

  // The one watcher.
  NodeId watch_node_ = 1;
  int64_t watch_next_rev_ = 2;  // the next revision it must see
  // Keys of the revision watch_next_rev_ - 1 seen so far (a txn or a
  // lease revoke makes several events in one revision).
  std::set<std::string> watch_rev_keys_;
  std::map<int64_t, std::vector<AckedWrite>> watch_events_;  // by revision
  std::map<std::string, AckedWrite> watch_state_;            // live keys

  bool liveness_ = false;
  bool settling_ = false;
  bool done_ = false;
  RunResult result_;
};

}  // namespace cairn::sim::kv
