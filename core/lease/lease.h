// Lease: one granted lease as the lessor holds it, the lessor's Config, and
// the deterministic renderers used by transcripts and logs. Pure core: plain
// values, no clocks (every time is a `now_ms` passed in by the host), no
// threads; single owner.
//
// Times are milliseconds on the host's monotonic clock; TTLs are whole
// seconds as in etcd's API. A lease's expiry is meaningful only on the
// primary lessor (the Raft leader); everywhere else it is kForeverMs, exactly
// as etcd's lessor sets `forever` on every non-primary member.
//
//            Grant (all members)            Promote (new leader)
//   follower: expiry = forever   ------->   expiry = now + extend
//                                            + RemainingTtl() seconds
//   leader:   expiry = now + ttl            Renew: expiry = now + ttl
//                                            Demote: expiry = forever
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "core/util/limits.h"

namespace cairn::lease {

// etcd's LeaseID: a signed 64-bit integer. 0 means "no lease".
using LeaseId = int64_t;
inline constexpr LeaseId kNoLease = 0;

// etcd's MaxLeaseTTL (lease/lessor.go); larger grants fail with
// "etcdserver: too large lease TTL".
inline constexpr int64_t kMaxLeaseTtlS = 9'000'000'000;

// The expiry of a lease on a non-primary lessor: it never expires there.
inline constexpr int64_t kForeverMs = INT64_MAX;

// The largest `now_ms` the lessor accepts; far beyond any real clock
// (about 146,000 years) and small enough that now + extend + TTL never
// overflows.
inline constexpr int64_t kMaxNowMs = int64_t{1} << 62;

// The TTL value a server renders for a lease it does not know in a
// LeaseTimeToLive response (etcd's v3rpc/lease.go answers TTL -1).
inline constexpr int64_t kUnknownLeaseTtl = -1;

// The lessor's configuration. Every member of a cluster must use the same
// values for the fields marked "replicated": they decide the outcome of
// applied entries (Grant) and so must agree for replicas to stay identical.
struct Config {
  // Replicated. Grants below this TTL are raised to it. etcd computes it
  // from the election timeout: see MinTtlSeconds.
  int64_t min_ttl_s = 2;
  // Replicated. The most leases held at once; more grants fail with
  // kResourceExhausted.
  size_t max_leases = limits::kMaxLeasesDefault;
  // Replicated. Seeds the ids the lessor chooses for grants with id 0.
  uint64_t id_seed = 0;
  // Leader only. Whether the leader checkpoints remaining TTLs through Raft
  // (etcd's --experimental-enable-lease-checkpoint; ON by default here).
  bool checkpoint_enabled = true;
  // Leader only. How long after scheduling a lease's remaining TTL is
  // checkpointed (etcd's default: 5 minutes). Leases whose remaining TTL is
  // not above this interval are not checkpointed, as in etcd.
  int64_t checkpoint_interval_ms = 5 * 60 * 1000;
  // Leader only. The most checkpoints CheckpointsDue returns at once (etcd's
  // maxLeaseCheckpointBatchSize).
  size_t max_checkpoint_batch = 1000;
  // Leader only. After ExpiredLeases reports a lease, it is reported again
  // only after this long if still not revoked (etcd passes the request
  // timeout, 5s + 2 * election timeout = 7s at defaults).
  int64_t expired_retry_interval_ms = 7000;
  // Leader only. etcd's leaseRevokeRate: Promote spreads expiries so that
  // no more than 3/4 of this many leases expire in any one second, when at
  // least this many leases exist.
  size_t revoke_rate_per_s = 1000;
  // Local. Record which leases' persisted fields (id, TTL, remaining TTL)
  // changed, for Lessor::TakeChanges (persistence, lessor_persist.h). Off
  // by default so that lessors nobody persists keep nothing extra.
  bool track_changes = false;
};

// etcd's minimum lease TTL (etcdserver/server.go):
// ceil(((3 * election_ticks) / 2) * heartbeat_ms / 1000) seconds, with the
// integer division of the Go code. Defaults (10 ticks of 100 ms) give 2.
// REQUIRES: election_ticks >= 1, heartbeat_ms >= 1.
int64_t MinTtlSeconds(int64_t election_ticks, int64_t heartbeat_ms);

// One lease. Fields are read-only outside the lessor.
struct Lease {
  LeaseId id = kNoLease;
  // The granted TTL in seconds, after raising it to the minimum.
  int64_t ttl_s = 0;
  // The remaining TTL recorded by the last applied checkpoint; 0 (or less)
  // means unset, and the full TTL applies (etcd's remainingTTL).
  int64_t remaining_ttl_s = 0;
  // When the lease expires; kForeverMs unless this lessor is primary.
  int64_t expiry_ms = kForeverMs;
  // The keys attached to the lease, sorted.
  std::set<std::string> keys;

  // The TTL a new leader starts the lease from: the checkpointed remaining
  // TTL when set, else the full TTL (etcd's Lease.RemainingTTL).
  int64_t RemainingTtl() const {
    return remaining_ttl_s > 0 ? remaining_ttl_s : ttl_s;
  }
  // True when the expiry has passed at `now_ms` (etcd: Remaining() <= 0).
  bool IsExpired(int64_t now_ms) const { return expiry_ms <= now_ms; }
};

// "lease 5 ttl=10s remaining=7.250s keys=[a b]" with "remaining=forever" on
// a non-primary lessor and " checkpoint=4s" when a checkpoint is recorded.
// Keys are escaped (EscapeBytes). Deterministic: depends only on the
// arguments.
std::string DescribeLease(const Lease& lease, int64_t now_ms);

// A duration in milliseconds as seconds with three decimals ("-0.500s").
std::string DescribeMs(int64_t ms);

}  // namespace cairn::lease
