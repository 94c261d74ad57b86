// Lessor: etcd 3.4's lease manager (lease/lessor.go) as a pure,
// deterministic state machine. Pure core: no clocks (time arrives as
// `now_ms` on each call), no threads, no randomness of its own, no I/O.
// Single owner; not thread-safe. Same state + same calls = same results.
//
// The boundary with the rest of cairn
// -----------------------------------
// The lessor knows lease ids, TTLs and the *names* of attached keys. It does
// not know the keyspace (core/mvcc) and never deletes anything itself. The
// server layer (core/server) drives it in two roles:
//
// 1. Apply path (every member, in log order, identical results):
//      Grant       LeaseGrant entry     -> {id, ttl}
//      Revoke      LeaseRevoke entry    -> sorted attached keys; the server
//                                          deletes them all in ONE revision
//      ApplyCheckpoint  LeaseCheckpoint entry
//      Attach      put with a lease     (REQUIRES the server to check
//                                        Contains(lease) first and fail the
//                                        put with "requested lease not found")
//      Detach      put without / with another lease, delete of the key
//      Restore     installing a Raft snapshot
//    These change replicated state (leases, TTLs, checkpoints, keys, the id
//    counter), which Encode captures.
//
// 2. Leader path (only the member whose Raft role is leader):
//      Promote     after the leader applied everything from older terms
//      Demote      when it loses leadership
//      Renew       keep-alive; never goes through Raft, as in etcd
//      TimeToLive  answered by the leader only, as in etcd
//      ExpiredLeases   -> ids to propose LeaseRevoke entries for
//      CheckpointsDue  -> {id, remaining} to propose a LeaseCheckpoint entry
//    These change only local, non-replicated state (expiries and queues).
//    On a non-primary lessor Renew/TimeToLive fail with kNotLeader (the
//    server forwards them to the leader) and the two scans return nothing.
//
// Expiry: the leader's lessor keeps each lease's expiry; ExpiredLeases
// reports a lease once its expiry passed, then again every
// expired_retry_interval_ms until a LeaseRevoke for it is applied (or a
// renew/promote moves its expiry), because the proposal may be lost.
//
// Checkpoints (etcd #9888): a new leader starts each lease from its
// checkpointed remaining TTL rather than the full TTL. The leader schedules
// a checkpoint checkpoint_interval_ms after granting, promoting or applying
// a checkpoint (for leases whose remaining TTL exceeds the interval); the
// checkpoint entry records the remaining TTL on every member; the remaining
// TTL is part of the snapshot, so a restarted member keeps it too (the
// restart case of etcd #17132, where 3.4 lost it unless persisted).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/lease/lease.h"
#include "core/lease/lease_queue.h"
#include "core/util/result.h"
#include "core/util/status.h"

namespace cairn::lease {

struct GrantResult {
  LeaseId id = kNoLease;
  int64_t ttl_s = 0;  // the TTL granted, after raising it to the minimum
};

struct RenewResult {
  int64_t ttl_s = 0;  // the lease's TTL, for the keep-alive response
  // The lease has a checkpointed remaining TTL: the server must propose a
  // checkpoint {id, 0} so that a later leader does not start it from the
  // stale checkpoint (etcd's Renew does this before refreshing).
  bool clear_checkpoint = false;
};

struct TimeToLiveResult {
  LeaseId id = kNoLease;
  int64_t granted_ttl_s = 0;
  // Seconds left, truncated toward zero as etcd's
  // int64(Remaining().Seconds()); 0 or less for an expired lease whose
  // revoke is pending.
  int64_t ttl_s = 0;
  std::vector<std::string> keys;  // sorted; empty unless asked for
};

// A remaining-TTL checkpoint (etcd's LeaseCheckpoint message).
struct Checkpoint {
  LeaseId id = kNoLease;
  int64_t remaining_ttl_s = 0;  // 0 clears the checkpoint
};

// The leases whose persisted record changed since the last take.
struct LessorChanges {
  // Ascending. Granted, revoked, checkpointed or replaced by Restore; the
  // writer looks each up: present means write it, absent means delete it.
  std::vector<LeaseId> leases;
  // The auto id counter changed (a grant chose an id, or Restore).
  bool counter_changed = false;

  bool empty() const { return leases.empty() && !counter_changed; }
};

class Lessor {
 public:
  // REQUIRES: cfg.min_ttl_s >= 1, cfg.max_leases >= 1,
  // cfg.checkpoint_interval_ms >= 1000, cfg.expired_retry_interval_ms >= 1,
  // cfg.max_checkpoint_batch >= 1, cfg.revoke_rate_per_s >= 4.
  explicit Lessor(const Config& cfg);

  Lessor(const Lessor&) = delete;
  Lessor& operator=(const Lessor&) = delete;

  // ---- Apply path (replicated) ------------------------------------------

  // Grants a lease of `ttl_s` seconds, raised to cfg.min_ttl_s when smaller
  // (a TTL of 0 or below included, as etcd does). With id == kNoLease the
  // lessor chooses a positive id that is not in use, from its replicated id
  // counter and cfg.id_seed, so every replica chooses the same one. Explicit
  // ids may be negative: etcd 3.4 accepts them (observed on 3.4.23).
  // On the primary the lease expires at now_ms + TTL; elsewhere never.
  // Errors: kOutOfRange "etcdserver: too large lease TTL" when ttl_s >
  // kMaxLeaseTtlS; kFailedPrecondition "etcdserver: lease already exists";
  // kResourceExhausted when cfg.max_leases leases exist.
  Result<GrantResult> Grant(LeaseId id, int64_t ttl_s, int64_t now_ms);

  // Removes the lease and returns its attached keys, sorted, for the server
  // to delete in one revision. Errors: kLeaseNotFound
  // "etcdserver: requested lease not found".
  Result<std::vector<std::string>> Revoke(LeaseId id);

  // Records a checkpointed remaining TTL (0 clears it). Unknown ids are
  // ignored, as in etcd (the lease may have been revoked meanwhile). Values
  // are clamped to [0, kMaxLeaseTtlS] (below 0 means unset, like 0). On the
  // primary this schedules the lease's next checkpoint.
  void ApplyCheckpoint(const Checkpoint& cp, int64_t now_ms);

  // Attaches `key` to lease `id`, moving it off any lease it was on (etcd's
  // mvcc detaches the old lease itself; doing it here keeps the two maps
  // consistent whatever the caller does). Errors: kLeaseNotFound.
  Status Attach(LeaseId id, std::string_view key);

  // Detaches `key` from lease `id`; a key not on that lease is left alone.
  // Errors: kLeaseNotFound when the lease does not exist.
  Status Detach(LeaseId id, std::string_view key);

  // Replaces the whole replicated state with a snapshot made by Encode.
  // The lessor comes out demoted (a leader calls Promote again). TTLs below
  // cfg.min_ttl_s are raised to it, as etcd's recovery does.
  // Errors: kCorruption for any malformed input, leaving the state as it
  // was; kResourceExhausted when it holds more than cfg.max_leases leases.
  Status Restore(std::string_view bytes);

  // ---- Leader path (local) ---------------------------------------------

  // Makes this lessor primary: every lease expires at now_ms + extend_ms +
  // RemainingTtl() seconds (etcd passes the election timeout as extend),
  // spread so that at most 3/4 of cfg.revoke_rate_per_s expire per second
  // when many leases exist; checkpoints are scheduled. REQUIRES: 0 <=
  // extend_ms <= kMaxNowMs / 4.
  void Promote(int64_t now_ms, int64_t extend_ms);

  // Makes this lessor non-primary: expiries become forever and both queues
  // are emptied.
  void Demote();

  // Keep-alive: the lease expires at now_ms + its full TTL again.
  // Errors: kNotLeader "lease: not a primary lessor" off the primary;
  // kLeaseNotFound for an unknown lease and for one already expired (its
  // revoke is pending; etcd waits for it and then answers not found).
  Result<RenewResult> Renew(LeaseId id, int64_t now_ms);

  // The granted and remaining TTL of a lease, and its keys when `with_keys`.
  // Errors: kNotLeader off the primary; kLeaseNotFound for an unknown lease
  // (the server answers TTL kUnknownLeaseTtl, as etcd does).
  Result<TimeToLiveResult> TimeToLive(LeaseId id, bool with_keys,
                                      int64_t now_ms) const;

  // Up to `max` leases whose expiry passed at now_ms, by (due time, id),
  // for the leader to propose revokes for. A reported lease is due again
  // cfg.expired_retry_interval_ms later. Empty off the primary.
  std::vector<LeaseId> ExpiredLeases(int64_t now_ms, size_t max);

  // Checkpoints to propose now, at most cfg.max_checkpoint_batch: leases
  // whose scheduled checkpoint is due, still alive, and whose remaining TTL
  // (rounded up to a second) is below their TTL. Empty off the primary or
  // when checkpointing is disabled.
  std::vector<Checkpoint> CheckpointsDue(int64_t now_ms);

  // ---- Reads (any member) -----------------------------------------------

  // Every lease id, ascending.
  std::vector<LeaseId> Leases() const;
  // The lease, or nullptr. Valid until the next non-const call.
  const Lease* Find(LeaseId id) const;
  bool Contains(LeaseId id) const { return leases_.count(id) != 0; }
  // The lease `key` is attached to, or kNoLease.
  LeaseId LeaseOf(std::string_view key) const;
  bool is_primary() const { return primary_; }
  size_t size() const { return leases_.size(); }
  const Config& config() const { return cfg_; }

  // Every lease through DescribeLease, one per line, by id.
  std::string Describe(int64_t now_ms) const;

  // ---- Snapshots ---------------------------------------------------------

  // The replicated state as bytes (see lessor_codec.h). Replicas that
  // applied the same entries encode to the same bytes.
  std::string Encode() const;

  // ---- Persistence (lessor_persist.h) ------------------------------------

  // The leases changed since the previous call. Attach and Detach change
  // no lease record: attachments are rebuilt from the keyspace on load.
  // REQUIRES: config().track_changes.
  LessorChanges TakeChanges();
  // How many ids Grant has chosen (replicated; persisted with the leases).
  uint64_t auto_id_counter() const { return auto_id_counter_; }

 private:
  void MarkChanged(LeaseId id);

  LeaseId ChooseId();
  void Refresh(Lease& lease, int64_t now_ms, int64_t extend_ms);
  void ScheduleCheckpoint(const Lease& lease, int64_t now_ms);
  void SpreadExpiries(int64_t now_ms, int64_t extend_ms);
  void CheckInvariants() const;

  const Config cfg_;
  bool primary_ = false;
  // How many ids Grant has chosen; replicated (in the snapshot).
  uint64_t auto_id_counter_ = 0;
  std::map<LeaseId, Lease> leases_;
  // key -> lease; lookups only, never iterated (STYLE.md A8).
  std::unordered_map<std::string, LeaseId> lease_of_key_;
  // Primary only: when each lease is next due for an expiry check.
  LeaseQueue expiry_queue_;
  // Primary only: when each lease is next due for a checkpoint.
  LeaseQueue checkpoint_queue_;
  // Only with cfg_.track_changes: leases changed since TakeChanges.
  std::set<LeaseId> changed_;
  bool counter_changed_ = false;
};

// Renderers for transcripts and logs (STYLE.md T3); deterministic.
// "[a b]": keys in the given order, escaped with EscapeBytes.
std::string DescribeKeys(const std::vector<std::string>& keys);
// "lease 5 granted-ttl=10s ttl=7s", plus " keys=[...]" when `with_keys`.
std::string DescribeTimeToLive(const TimeToLiveResult& ttl, bool with_keys);
// What the server answers for an unknown lease: "lease 5 ttl=-1s (not
// found)".
std::string DescribeUnknownTimeToLive(LeaseId id);
// "checkpoint 5 remaining=480s".
std::string DescribeCheckpoint(const Checkpoint& cp);

}  // namespace cairn::lease
