// The kv workload's compactions, reads at past revisions and revision
// checks (kv_world.h).
//
// etcd #13766 (3.5: a member's revision fell behind the others' at the
// same raft index after crashes under load: the consistent index was not
// saved atomically with the changes it described) and etcd #17780 (the
// revision went back after a crash during a compaction at a tombstone's
// revision: the compaction removed the latest revision's record before
// the finished compaction was persisted) both show as a member whose
// (applied index, revision) pair disagrees with another member's or with
// its own earlier life. CheckRevision looks at every member after every
// call that applied entries, and at every restart.
#include <algorithm>
#include <string>
#include <utility>

#include "core/util/strings.h"
#include "simulator/kv_world.h"

namespace cairn::sim::kv {

namespace {

using U = unsigned long long;
using LL = long long;

constexpr int64_t kCompactBehindMax = 20;

}  // namespace

// Of roll < 4: a compaction 1, a read at a past revision 2, a watch from
// a past revision 1.
void KvWorld::ChooseCompactionOp(Client& c, uint64_t roll) {
  // Never past the watcher (it must resume from its next revision after a
  // restart, and its history is what the other checks compare with).
  const int64_t top = std::min(max_rev_seen_, watch_next_rev_ - 1);
  if (roll == 0) {
    // A third at the latest revision (etcd #17780 compacted the latest
    // revision when it was a tombstone), the rest a little behind.
    const int64_t behind =
        client_rng_.OneIn(1, 3)
            ? 0
            : static_cast<int64_t>(client_rng_.Uniform(kCompactBehindMax));
    c.kind = ClientOp::kCompact;
    const int64_t rev = std::max<int64_t>(1, top - behind);
    c.request = mvcc::CompactionRequest{.revision = rev};
    // Asked for from now on, whatever its outcome.
    c.compaction = compactions_.size();
    compactions_.push_back(CompactionOp{.rev = rev, .call = queue_.now()});
    return;
  }
  if (roll == 3) {
    // The watch is local to the member (no Raft): the record of its range
    // and start revision rides in the request.
    c.kind = ClientOp::kPastWatch;
    c.op.key = "k";
    c.request = mvcc::RangeRequest{
        .key = "k",
        .range_end = "m",
        .revision = 1 + static_cast<int64_t>(client_rng_.Uniform(
                            static_cast<uint64_t>(max_rev_seen_)))};
    return;
  }
  c.kind = ClientOp::kPastRead;
  const uint64_t i = client_rng_.Uniform(kKeys + kLeaseKeys);
  c.op.key = i < kKeys ? StrFormat("k%d", static_cast<int>(i))
                       : StrFormat("l%d", static_cast<int>(i - kKeys));
  c.request = mvcc::RangeRequest{
      .key = c.op.key,
      .revision = 1 + static_cast<int64_t>(client_rng_.Uniform(
                          static_cast<uint64_t>(max_rev_seen_)))};
}

// A compaction's or past read's answer. Returns false for an error that
// says nothing (the attempt is retried like any other).
bool KvWorld::FinishCompactionOp(Client& c,
                                 const Result<server::Response>& result) {
  const bool compact = c.kind == ClientOp::kCompact;
  const int64_t rev =
      compact ? std::get<mvcc::CompactionRequest>(c.request).revision
              : std::get<mvcc::RangeRequest>(c.request).revision;
  if (!result.ok()) {
    const Status& s = result.status();
    if (s.code() == Code::kFutureRevision) {
      // The revision was named by an answer: it was committed.
      Fail("compaction", StrFormat("n%llu: %s at revision %lld: %s",
                                   U(c.target), compact ? "compaction" : "read",
                                   LL(rev), s.ToString().c_str()));
      return true;
    }
    if (s.code() != Code::kCompacted) return false;
    if (s.message() != mvcc::ErrCompacted().message()) {
      Fail("compaction",
           "compacted error with the wrong text: " + s.ToString());
      return true;
    }
  }
  if (compact) {
    // Acknowledged, or refused as compacted already (at or above it).
    if (result.ok()) {
      compactions_[c.compaction].acked = queue_.now();
      result_.stats.compactions++;
    }
  } else {
    PastRead read{.member = c.target,
                  .key = c.op.key,
                  .rev = rev,
                  .call = c.op.call,
                  .ret = queue_.now(),
                  .compacted = !result.ok()};
    if (result.ok()) {
      const auto& r = std::get<mvcc::RangeResponse>(result.value());
      if (!r.kvs.empty()) {
        read.value = r.kvs.front().value;
        Observe(c.op.key, r.kvs.front().mod_revision, read.value, "past read");
      }
    }
    result_.stats.past_reads++;
    if (read.compacted) result_.stats.past_reads_compacted++;
    past_reads_.push_back(std::move(read));
  }
  if (tracing()) {
    Emit("reply",
         {{"client", c.id},
          {"n", c.target},
          {"resp", result.ok() ? server::DescribeResponse(result.value())
                               : result.status().ToString()}});
  }
  result_.stats.acknowledged++;
  EndOp(c);
  return true;
}

void KvWorld::CreatePastWatch(NodeId id, Client& c) {
  const auto& r = std::get<mvcc::RangeRequest>(c.request);
  mvcc::WatchCreateRequest req;
  req.key = r.key;
  req.range_end = r.range_end;
  req.start_revision = r.revision;
  Result<int64_t> w =
      M(id).node->server().CreateWatch(kPastWatchStream + c.id, req);
  if (!w.ok()) {
    return Fail("compaction",
                StrFormat("n%llu refused a watch from %lld: %s", U(id),
                          LL(r.revision), w.status().ToString().c_str()));
  }
  c.past_watch_on = id;
  c.past_watch_compact_rev = M(id).node->server().state().kv().compact_rev();
}

// The responses a past watch got in the call that created it: the
// "created" one, then a cancel (compacted) or the events from its start
// revision up to the member's. The client then closes its stream.
void KvWorld::FinishPastWatch(NodeId id, Client& c,
                              const std::vector<mvcc::WatchResponse>& got) {
  c.past_watch_on = 0;
  M(id).node->server().CloseStream(kPastWatchStream + c.id);
  CheckPastWatch(id, c, got);
  if (done_) return;
  if (tracing()) {
    Emit("past-watch",
         {{"client", c.id}, {"n", id}, {"responses", got.size()}});
  }
  result_.stats.acknowledged++;
  EndOp(c);
}

void KvWorld::CheckPastWatch(NodeId id, const Client& c,
                             const std::vector<mvcc::WatchResponse>& got) {
  const int64_t start = std::get<mvcc::RangeRequest>(c.request).revision;
  const mvcc::WatchResponse* cancel = nullptr;
  int64_t last = 0;
  for (const mvcc::WatchResponse& w : got) {
    if (w.canceled) cancel = &w;
    for (const mvcc::Event& ev : w.events) {
      const int64_t rev = ev.kv.mod_revision;
      if (rev < start || rev < last) {
        return Fail("compaction",
                    StrFormat("a watch from %lld on n%llu sent revision %lld "
                              "after %lld",
                              LL(start), U(id), LL(rev), LL(last)));
      }
      last = rev;
      Observe(ev.kv.key, rev,
              ev.type == mvcc::Event::Type::kPut
                  ? std::optional<std::string>(ev.kv.value)
                  : std::nullopt,
              "past watch");
      if (done_) return;
    }
  }
  result_.stats.past_watches++;
  // A watch is served from the member's own state (no ReadIndex, as in
  // etcd), so what decides is the member's compact revision, not the
  // cluster's: it must cancel when the start is below it, with a compact
  // revision above the start that some client asked for.
  // (A compaction applied later in the same call may cancel it too, with
  // its own revision.)
  const int64_t compacted = c.past_watch_compact_rev;
  if (cancel == nullptr && start >= compacted) return;
  if (cancel != nullptr) {
    result_.stats.past_watches_compacted++;
    const int64_t at = cancel->compact_revision;
    bool asked = false;
    for (const CompactionOp& op : compactions_) asked |= op.rev == at;
    if (at > start && at >= compacted && asked) return;
  }
  const std::string how = cancel == nullptr
                              ? std::string("not canceled")
                              : StrFormat("canceled with compact revision %lld",
                                          LL(cancel->compact_revision));
  Fail("compaction", StrFormat("a watch from %lld on n%llu (compacted at "
                               "%lld) was %s",
                               LL(start), U(id), LL(compacted), how.c_str()));
}

// Member `id`'s (revision, compact revision) at its applied index must be
// what any member had there, and both must not decrease with the applied
// index (a restart from an older applied index included).
void KvWorld::CheckRevision(NodeId id) {
  const server::Server& s = M(id).node->server();
  const uint64_t applied = s.applied_index();
  const std::pair<int64_t, int64_t> here{s.state().kv().rev(),
                                         s.state().kv().compact_rev()};
  auto show = [](const std::pair<int64_t, int64_t>& p) {
    return StrFormat("revision %lld (compacted at %lld)", LL(p.first),
                     LL(p.second));
  };
  auto [it, fresh] = rev_at_applied_.emplace(applied, here);
  if (!fresh && it->second != here) {
    return Fail("revision",
                StrFormat("n%llu at applied index %llu has %s; another "
                          "member or life had %s there",
                          U(id), U(applied), show(here).c_str(),
                          show(it->second).c_str()));
  }
  if (it != rev_at_applied_.begin()) {
    const auto& [index, before] = *std::prev(it);
    if (before.first > here.first || before.second > here.second) {
      return Fail("revision",
                  StrFormat("n%llu at applied index %llu has %s, below the "
                            "%s at applied index %llu",
                            U(id), U(applied), show(here).c_str(),
                            show(before).c_str(), U(index)));
    }
  }
  if (auto next = std::next(it); next != rev_at_applied_.end()) {
    const auto& [index, after] = *next;
    if (after.first < here.first || after.second < here.second) {
      return Fail("revision",
                  StrFormat("n%llu at applied index %llu has %s, above the "
                            "%s at applied index %llu",
                            U(id), U(applied), show(here).c_str(),
                            show(after).c_str(), U(index)));
    }
  }
}

// Each past read against the watcher's history: a value must be the
// key's at that revision; a compacted error needs a compaction above the
// revision asked for before the read ended; a value is wrong when a
// compaction above the revision was acknowledged before the read began.
void KvWorld::CheckPastReads() {
  // key -> (revision -> value) from the watcher's events.
  std::map<std::string, std::map<int64_t, std::optional<std::string>>> hist;
  for (const auto& [rev, events] : watch_events_) {
    for (const AckedWrite& w : events) hist[w.key][rev] = w.value;
  }
  for (const PastRead& r : past_reads_) {
    const CompactionOp* asked = nullptr;
    const CompactionOp* acked = nullptr;
    for (const CompactionOp& c : compactions_) {
      if (c.rev <= r.rev) continue;
      if (c.call <= r.ret) asked = &c;
      if (c.acked.has_value() && *c.acked < r.call) acked = &c;
    }
    std::string bad;
    if (r.compacted && asked == nullptr) {
      bad = "refused as compacted, but no compaction above it was asked for";
    } else if (!r.compacted && acked != nullptr) {
      bad = StrFormat("answered, after a compaction at %lld was acknowledged",
                      LL(acked->rev));
    } else if (!r.compacted) {
      std::optional<std::string> want;
      const auto& versions = hist[r.key];
      auto at = versions.upper_bound(r.rev);
      if (at != versions.begin()) want = std::prev(at)->second;
      if (want != r.value) {
        bad = StrFormat("got %s, the history has %s",
                        r.value ? EscapeBytes(*r.value).c_str() : "<absent>",
                        want ? EscapeBytes(*want).c_str() : "<absent>");
      }
    }
    if (bad.empty()) continue;
    return Fail("compaction",
                StrFormat("a read of %s at revision %lld on n%llu [%llu,%llu] "
                          "was ",
                          EscapeBytes(r.key).c_str(), LL(r.rev), U(r.member),
                          U(r.call), U(r.ret)) +
                    bad);
  }
}

// All members (settled at one revision) agree on the compact revision and
// on HashKV at the first revision past it and at the current one.
void KvWorld::CheckHashAtRevisions() {
  const mvcc::KvStore& first = M(1).node->server().state().kv();
  const int64_t revs[2] = {first.compact_rev() + 1, 0};
  std::string all;
  bool same = true;
  std::optional<std::pair<uint32_t, uint32_t>> want;
  for (NodeId id = 1; id <= members_.size(); id++) {
    const mvcc::KvStore& kv = M(id).node->server().state().kv();
    std::pair<uint32_t, uint32_t> got;
    for (int i = 0; i < 2; i++) {
      const int64_t r = std::max<int64_t>(revs[i], 0);
      Result<mvcc::HashKVResponse> h = kv.HashKV(r > kv.rev() ? 0 : r);
      if (!h.ok()) {
        return Fail("kv-hash", StrFormat("n%llu HashKV(%lld): %s", U(id), LL(r),
                                         h.status().ToString().c_str()));
      }
      (i == 0 ? got.first : got.second) = h.value().hash;
    }
    same = same && kv.compact_rev() == first.compact_rev() &&
           (!want.has_value() || *want == got);
    if (!want.has_value()) want = got;
    all += StrFormat(" n%llu:compacted=%lld,hash@%lld=%08x,hash@%lld=%08x",
                     U(id), LL(kv.compact_rev()), LL(revs[0]), got.first,
                     LL(kv.rev()), got.second);
  }
  if (!same) Fail("kv-hash", "HashKV differs at common revisions:" + all);
}

}  // namespace cairn::sim::kv
