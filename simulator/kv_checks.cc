// The kv workload's checks: observations during the run and the final
// cross-member, watch, acknowledgement and linearizability checks
// (kv_world.h).
#include <string>
#include <utility>

#include "core/util/strings.h"
#include "simulator/kv_world.h"

namespace cairn::sim::kv {

namespace {

using U = unsigned long long;

std::string Show(const std::optional<std::string>& v) {
  return v ? EscapeBytes(*v) : "<deleted>";
}

}  // namespace

// Every observation of a key at a mod revision (a read, an acknowledged
// write's revision, a watch event) must agree with every other one.
void KvWorld::Observe(const std::string& key, int64_t rev,
                      const std::optional<std::string>& value,
                      const char* source) {
  auto [it, fresh] = revs_.emplace(std::make_pair(key, rev), value);
  if (fresh || it->second == value) return;
  Fail("kv-history",
       StrFormat("%s saw %s at revision %lld as %s, seen before as %s", source,
                 EscapeBytes(key).c_str(), static_cast<long long>(rev),
                 Show(value).c_str(), Show(it->second).c_str()));
}

void KvWorld::CheckSerializable(NodeId id, const std::string& key,
                                const mvcc::RangeResponse& r) {
  Member& m = M(id);
  const int64_t rev = r.header.revision;
  if (rev < m.serial_rev) {
    return Fail("serializable-read",
                StrFormat("n%llu answered at revision %lld after %lld (its "
                          "state went back within one life)",
                          U(id), static_cast<long long>(rev),
                          static_cast<long long>(m.serial_rev)));
  }
  m.serial_rev = rev;
  if (r.kvs.empty()) return;
  const mvcc::KeyValue& kv = r.kvs.front();
  CheckReadLease(id, rev, kv, "serializable read");
  if (done_) return;
  if (kv.key != key || written_[key].count(kv.value) == 0 ||
      kv.mod_revision > rev) {
    return Fail("serializable-read",
                StrFormat("n%llu answered %s=%s mod %lld at revision %lld: "
                          "never written there",
                          U(id), EscapeBytes(kv.key).c_str(),
                          EscapeBytes(kv.value).c_str(),
                          static_cast<long long>(kv.mod_revision),
                          static_cast<long long>(rev)));
  }
  Observe(key, kv.mod_revision, kv.value, "serializable read");
}

// The watcher sees every revision exactly once, in order: each revision
// is one event (a KV op touches one key) or several on distinct keys (a
// lease revoke deletes all its keys in one revision).
void KvWorld::OnWatch(const mvcc::WatchResponse& r) {
  if (r.canceled) {
    return Fail("watch", "the watch was canceled: " + r.cancel_reason);
  }
  for (const mvcc::Event& ev : r.events) {
    const int64_t rev = ev.kv.mod_revision;
    const bool same_rev =
        rev + 1 == watch_next_rev_ && watch_rev_keys_.count(ev.kv.key) == 0;
    if (rev != watch_next_rev_ && !same_rev) {
      return Fail("watch",
                  StrFormat("n%llu sent %s at revision %lld when %lld was "
                            "next (%s)",
                            U(watch_node_), EscapeBytes(ev.kv.key).c_str(),
                            static_cast<long long>(rev),
                            static_cast<long long>(watch_next_rev_),
                            rev > watch_next_rev_ ? "a gap" : "a repeat"));
    }
    if (!same_rev) watch_rev_keys_.clear();
    watch_rev_keys_.insert(ev.kv.key);
    watch_next_rev_ = rev + 1;
    AckedWrite seen{.key = ev.kv.key, .rev = rev, .ret = queue_.now()};
    if (ev.type == mvcc::Event::Type::kPut) {
      seen.value = ev.kv.value;
      seen.lease = ev.kv.lease;
      watch_state_[ev.kv.key] = seen;
    } else {
      // A revoke's delete names the lease the key was on.
      auto live = watch_state_.find(ev.kv.key);
      if (live != watch_state_.end()) seen.lease = live->second.lease;
      watch_state_.erase(ev.kv.key);
    }
    watch_events_[rev].push_back(seen);
    result_.stats.watch_events++;
    Observe(ev.kv.key, rev, seen.value, "watch");
    if (done_) return;
    if (!seen.value.has_value() && seen.lease != 0 && ev.kv.key[0] == 'l') {
      NoteRevoked(seen.lease, rev);
    }
  }
}

// Settled: every member runs and has applied the same index, and the
// watcher has seen its member's last revision.
bool KvWorld::Settled(std::string* why) {
  const uint64_t applied =
      M(1).node->crashed() ? 0 : M(1).node->server().applied_index();
  std::string status;
  bool ok = true;
  for (NodeId id = 1; id <= members_.size(); id++) {
    Member& m = M(id);
    if (m.node->crashed() || m.paused) {
      ok = false;
      status += StrFormat(" n%llu:down", U(id));
      continue;
    }
    const server::Server& s = m.node->server();
    ok = ok && s.applied_index() == applied;
    // Every lease ends: no client keeps one alive after healing.
    const size_t leases = s.state().lessor().Leases().size();
    ok = ok && leases == 0;
    if (leases > 0) status += StrFormat(" n%llu:leases=%zu", U(id), leases);
    status +=
        StrFormat(" n%llu:applied=%llu,rev=%lld", U(id), U(s.applied_index()),
                  static_cast<long long>(s.state().kv().rev()));
    if (id == watch_node_ && s.state().kv().rev() + 1 != watch_next_rev_) {
      ok = false;
      status += StrFormat(",watch-next=%lld",
                          static_cast<long long>(watch_next_rev_));
    }
  }
  *why = status;
  // Members at one applied index hold the same leases.
  return LeasesAgree(why) && ok;
}

void KvWorld::FinalChecks() {
  // Ops still in flight: a write may yet happen.
  for (Client& c : clients_) {
    if (c.busy && c.kind == ClientOp::kKv && c.op.kind != KvOp::Kind::kGet) {
      KvOp op = c.op;
      op.unknown = true;
      history_.push_back(std::move(op));
      result_.stats.unknown_ops++;
    }
    c.busy = false;
  }
  // All members at the same revision with the same keyspace.
  const server::Server& first = M(1).node->server();
  std::string hashes;
  bool same = true;
  for (NodeId id = 1; id <= members_.size(); id++) {
    const server::Server& s = M(id).node->server();
    same = same && s.state().kv().rev() == first.state().kv().rev() &&
           s.KvHash() == first.KvHash();
    hashes +=
        StrFormat(" n%llu:rev=%lld,hash=%08x", U(id),
                  static_cast<long long>(s.state().kv().rev()), s.KvHash());
  }
  if (!same) return Fail("kv-hash", "members differ after settling:" + hashes);
  CheckHashAtRevisions();
  if (done_) return;
  // The watcher's events, replayed, give the final keyspace.
  Result<mvcc::RangeResponse> all =
      first.state().Range(mvcc::RangeRequest{.key = "k", .range_end = "m"});
  CAIRN_CHECK(all.ok(), "final range: %s", all.status().ToString().c_str());
  std::map<std::string, std::string> final_state;
  for (const mvcc::KeyValue& kv : all.value().kvs) {
    final_state[kv.key] = kv.value;
  }
  std::map<std::string, std::string> watched;
  for (const auto& [key, w] : watch_state_) watched[key] = *w.value;
  if (final_state != watched) {
    return Fail("watch",
                "the watcher's events do not replay to the final "
                "keyspace");
  }
  // The final state joins the history as reads after everything.
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; i++) keys.push_back(StrFormat("k%d", i));
  for (int i = 0; i < kLeaseKeys; i++) keys.push_back(StrFormat("l%d", i));
  keys.push_back(kProbeKey);
  for (const std::string& key : keys) {
    KvOp op;
    op.kind = KvOp::Kind::kGet;
    op.key = key;
    op.call = op.ret = queue_.now();
    auto it = final_state.find(key);
    if (it != final_state.end()) op.read = it->second;
    history_.push_back(std::move(op));
  }
  CheckAcked();
  if (done_) return;
  CheckPastReads();
  if (done_) return;
  AddLeaseDeletes();
  CheckHistory();
  if (done_) return;
  if (tracing()) Emit("checks-ok", {{"ops", history_.size()}});
  done_ = true;
}

// Every acknowledged write is one of the watcher's events at its
// revision.
void KvWorld::CheckAcked() {
  for (const AckedWrite& a : acked_) {
    auto it = watch_events_.find(a.rev);
    std::string there = "nothing";
    if (it != watch_events_.end()) {
      there.clear();
      for (const AckedWrite& w : it->second) {
        if (w.key == a.key && w.value == a.value) {
          there.clear();
          break;
        }
        there += (there.empty() ? "" : ", ") + EscapeBytes(w.key) + "=" +
                 Show(w.value);
      }
      if (there.empty()) continue;
    }
    return Fail("acknowledged-write-lost",
                StrFormat("%s=%s acknowledged at revision %lld, but the "
                          "history there is %s",
                          EscapeBytes(a.key).c_str(), Show(a.value).c_str(),
                          static_cast<long long>(a.rev), there.c_str()));
  }
}

void KvWorld::CheckHistory() {
  CheckOptions o;
  o.max_steps_per_key = 5'000'000;
  const CheckResult r = CheckLinearizable(history_, o);
  result_.stats.history_ops = r.ops;
  result_.stats.check_steps = r.steps;
  if (r.verdict == CheckResult::Verdict::kIllegal) {
    return Fail("linearizability", r.ToString());
  }
  if (r.verdict == CheckResult::Verdict::kUnknown) {
    return Fail("linearizability-undecided", r.ToString());
  }
}

}  // namespace cairn::sim::kv
