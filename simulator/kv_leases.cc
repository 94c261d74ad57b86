// The kv workload's lease checks (kv_world.h): keys never outlive their
// lease on any member, reads never see a revoked lease's keys, members
// agree on the leases they hold, and the deletes that revokes and
// expiries make enter the linearizability history.
#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "core/util/strings.h"
#include "simulator/kv_world.h"

namespace cairn::sim::kv {

namespace {

using U = unsigned long long;
using LL = long long;

// One lease as every member must hold it at the same applied index: the
// replicated fields only (the expiry time is the leader's own).
std::string DescribeLeases(const lease::Lessor& lessor) {
  std::string out;
  for (lease::LeaseId id : lessor.Leases()) {
    const lease::Lease* l = lessor.Find(id);
    out += StrFormat(" %llx:ttl=%lld,rem=%lld,keys=", U(id), LL(l->ttl_s),
                     LL(l->remaining_ttl_s));
    for (const std::string& k : l->keys) out += EscapeBytes(k) + ";";
  }
  return out.empty() ? " none" : out;
}

}  // namespace

// On member `id`, after a call that applied entries: every live key with a
// lease is attached to a lease the member holds, and every lease's keys
// are live and name it. A revoke or expiry that leaves a key behind fails
// here, at the index that applied it.
void KvWorld::CheckMemberLeases(NodeId id) {
  const Member& m = M(id);
  const server::StateMachine& sm = m.node->server().state();
  const lease::Lessor& lessor = sm.lessor();
  std::string bad;
  size_t attached = 0;
  sm.kv().VisitLive([&](const mvcc::KeyValue& kv) {
    if (kv.lease == 0 || !bad.empty()) return;
    attached++;
    const lease::Lease* l = lessor.Find(kv.lease);
    if (l == nullptr) {
      bad = StrFormat(
          "%s is attached to lease %llx, which n%llu no longer "
          "holds",
          EscapeBytes(kv.key).c_str(), U(kv.lease), U(id));
    } else if (l->keys.count(kv.key) == 0) {
      bad = StrFormat("%s names lease %llx, which does not list it",
                      EscapeBytes(kv.key).c_str(), U(kv.lease));
    }
  });
  size_t listed = 0;
  for (lease::LeaseId l : lessor.Leases())
    listed += lessor.Find(l)->keys.size();
  if (bad.empty() && listed != attached) {
    bad = StrFormat("the leases list %zu keys, the keyspace attaches %zu",
                    listed, attached);
  }
  if (bad.empty()) return;
  Fail("lease", StrFormat("n%llu at applied index %llu (revision %lld): ",
                          U(id), U(sm.applied_index()), LL(sm.kv().rev())) +
                    bad);
}

// A read at header revision `header_rev` must not see a key on a lease
// revoked at or below it.
void KvWorld::CheckReadLease(NodeId id, int64_t header_rev,
                             const mvcc::KeyValue& kv, const char* source) {
  if (kv.lease == 0) return;
  auto it = revoked_rev_.find(kv.lease);
  if (it == revoked_rev_.end() || it->second > header_rev) return;
  Fail("lease",
       StrFormat("a %s on n%llu at revision %lld saw %s on lease %llx, "
                 "revoked at revision %lld",
                 source, U(id), LL(header_rev), EscapeBytes(kv.key).c_str(),
                 U(kv.lease), LL(it->second)));
}

void KvWorld::NoteRevoked(int64_t lease, int64_t rev) {
  auto [it, fresh] = revoked_rev_.emplace(lease, rev);
  if (!fresh) it->second = std::min(it->second, rev);
}

// When every running member is at one applied index, they hold the same
// leases. Returns false (and fails the run) when they do not.
bool KvWorld::LeasesAgree(std::string* why) {
  std::optional<uint64_t> applied;
  std::string first;
  for (NodeId id = 1; id <= members_.size(); id++) {
    Member& m = M(id);
    if (m.node->crashed() || m.paused) return true;
    const server::Server& s = m.node->server();
    if (applied.has_value() && *applied != s.applied_index()) return true;
    applied = s.applied_index();
    const std::string leases = DescribeLeases(s.state().lessor());
    if (id == 1) {
      first = leases;
    } else if (leases != first) {
      Fail("lease",
           StrFormat("at applied index %llu n1 holds%s; n%llu "
                     "holds%s",
                     U(*applied), first.c_str(), U(id), leases.c_str()));
      *why += " leases differ";
      return false;
    }
  }
  return true;
}

// Keys l0..l2 are deleted only by revokes (a client's or an expiry's), so
// each delete the watcher saw there certainly happened, at its revision R.
// In real time that was after the invocation of every acknowledged write
// below R (their revisions were committed first, each after its
// invocation) and before the earliest answer at R or above, and before
// the watcher saw it. These bounds are sound whatever made the revoke.
void KvWorld::AddLeaseDeletes() {
  std::vector<const AckedWrite*> by_rev;
  for (const AckedWrite& a : acked_) by_rev.push_back(&a);
  std::sort(
      by_rev.begin(), by_rev.end(),
      [](const AckedWrite* a, const AckedWrite* b) { return a->rev < b->rev; });
  // latest_call[i]: the latest invocation among by_rev[0..i);
  // earliest_ret[i]: the earliest answer among by_rev[i..].
  const size_t n = by_rev.size();
  std::vector<uint64_t> latest_call(n + 1, 0);
  std::vector<uint64_t> earliest_ret(n + 1,
                                     std::numeric_limits<uint64_t>::max());
  for (size_t i = 0; i < n; i++) {
    latest_call[i + 1] = std::max(latest_call[i], by_rev[i]->call);
  }
  for (size_t i = n; i > 0; i--) {
    earliest_ret[i - 1] = std::min(earliest_ret[i], by_rev[i - 1]->ret);
  }
  for (const auto& [rev, events] : watch_events_) {
    for (const AckedWrite& w : events) {
      if (w.value.has_value() || w.key[0] != 'l') continue;
      const size_t below = static_cast<size_t>(
          std::lower_bound(
              by_rev.begin(), by_rev.end(), rev,
              [](const AckedWrite* a, int64_t r) { return a->rev < r; }) -
          by_rev.begin());
      KvOp op;
      op.kind = KvOp::Kind::kDelete;
      op.key = w.key;
      op.call = latest_call[below];
      op.ret = std::min(w.ret, earliest_ret[below]);
      if (op.call > op.ret) {
        // Real time contradicts the revision order.
        return Fail("linearizability",
                    StrFormat("a write below revision %lld was invoked at "
                              "%llu, after an answer at or above it (%llu)",
                              LL(rev), U(op.call), U(op.ret)));
      }
      history_.push_back(std::move(op));
      result_.stats.lease_deletes++;
    }
  }
}

}  // namespace cairn::sim::kv
