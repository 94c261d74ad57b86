#include "core/lease/lessor.h"

#include <algorithm>
#include <utility>

#include "core/lease/lessor_codec.h"
#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::lease {
namespace {

// etcd's error texts (etcdserver/api/v3rpc/rpctypes/error.go), so that the
// edge can pass them through unchanged.
constexpr const char* kErrNotFound = "etcdserver: requested lease not found";
constexpr const char* kErrExists = "etcdserver: lease already exists";
constexpr const char* kErrTtlTooLarge = "etcdserver: too large lease TTL";
// etcd's ErrNotPrimary is internal: its server forwards to the leader.
constexpr const char* kErrNotPrimary = "lease: not a primary lessor";

Status LeaseNotFound() { return Status(Code::kLeaseNotFound, kErrNotFound); }
Status NotPrimary() { return Status(Code::kNotLeader, kErrNotPrimary); }

void CheckNow(int64_t now_ms) {
  CAIRN_CHECK(now_ms >= 0, "now_ms=%lld", static_cast<long long>(now_ms));
  CAIRN_CHECK(now_ms <= kMaxNowMs, "now_ms=%lld",
              static_cast<long long>(now_ms));
}

// SplitMix64's finalizer: spreads consecutive counters over all 64 bits, so
// chosen ids look like etcd's (large, unrelated) without any randomness.
uint64_t Mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// ceil(ms / 1000) for ms > 0, as etcd's math.Ceil(d.Seconds()).
int64_t CeilSeconds(int64_t ms) { return (ms + 999) / 1000; }

}  // namespace

Lessor::Lessor(const Config& cfg) : cfg_(cfg) {
  CAIRN_CHECK(cfg.min_ttl_s >= 1, "min_ttl_s=%lld",
              static_cast<long long>(cfg.min_ttl_s));
  CAIRN_CHECK(cfg.max_leases >= 1, "max_leases=0");
  CAIRN_CHECK(cfg.checkpoint_interval_ms >= 1000, "checkpoint_interval_ms=%lld",
              static_cast<long long>(cfg.checkpoint_interval_ms));
  CAIRN_CHECK(cfg.expired_retry_interval_ms >= 1, "retry interval %lld",
              static_cast<long long>(cfg.expired_retry_interval_ms));
  CAIRN_CHECK(cfg.max_checkpoint_batch >= 1, "max_checkpoint_batch=0");
  CAIRN_CHECK(cfg.revoke_rate_per_s >= 4, "revoke_rate_per_s=%zu",
              cfg.revoke_rate_per_s);
}

LeaseId Lessor::ChooseId() {
  // Like etcd's server (v3_server.go LeaseGrant) only positive ids are
  // chosen; unlike it the choice is a function of replicated state, so the
  // id can be chosen when the entry is applied. Collisions with explicit
  // ids are skipped; with at most max_leases ids taken out of 2^63 a long
  // run of them cannot happen.
  for (int attempt = 0; attempt < 1000; attempt++) {
    auto_id_counter_++;
    counter_changed_ = cfg_.track_changes;
    const LeaseId id = static_cast<LeaseId>(
        Mix64(cfg_.id_seed ^ Mix64(auto_id_counter_)) & uint64_t{INT64_MAX});
    if (id != kNoLease && leases_.count(id) == 0) return id;
  }
  CAIRN_CHECK(false, "no free lease id after 1000 draws (%zu leases)",
              leases_.size());
  return kNoLease;  // Not reached: the check above aborts.
}

Result<GrantResult> Lessor::Grant(LeaseId id, int64_t ttl_s, int64_t now_ms) {
  CheckNow(now_ms);
  // etcd checks the TTL before the id (lessor.go Grant).
  if (ttl_s > kMaxLeaseTtlS) return Status(Code::kOutOfRange, kErrTtlTooLarge);
  if (id != kNoLease && leases_.count(id) != 0) {
    return Status(Code::kFailedPrecondition, kErrExists);
  }
  if (leases_.size() >= cfg_.max_leases) {
    return Status(
        Code::kResourceExhausted,
        StrFormat("lease: too many leases (limit %zu)", cfg_.max_leases));
  }
  if (id == kNoLease) id = ChooseId();
  Lease& lease = leases_[id];
  lease.id = id;
  lease.ttl_s = std::max(ttl_s, cfg_.min_ttl_s);
  MarkChanged(id);
  if (primary_) {
    Refresh(lease, now_ms, 0);
    ScheduleCheckpoint(lease, now_ms);
  }
  CheckInvariants();
  return GrantResult{.id = id, .ttl_s = lease.ttl_s};
}

Result<std::vector<std::string>> Lessor::Revoke(LeaseId id) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return LeaseNotFound();
  // The set is ordered, so every member deletes the keys in the same order
  // (etcd sorts them for the same reason: equal backend hashes).
  std::vector<std::string> keys(it->second.keys.begin(), it->second.keys.end());
  for (const std::string& key : keys) lease_of_key_.erase(key);
  expiry_queue_.Remove(id);
  checkpoint_queue_.Remove(id);
  leases_.erase(it);
  MarkChanged(id);
  CheckInvariants();
  return keys;
}

void Lessor::ApplyCheckpoint(const Checkpoint& cp, int64_t now_ms) {
  CheckNow(now_ms);
  auto it = leases_.find(cp.id);
  if (it == leases_.end()) return;
  // Negative values mean "unset" exactly as 0 does; storing them as 0 keeps
  // the snapshot canonical. Nothing larger than a TTL can be meaningful.
  it->second.remaining_ttl_s =
      std::clamp<int64_t>(cp.remaining_ttl_s, 0, kMaxLeaseTtlS);
  MarkChanged(cp.id);
  // Like etcd, the checkpoint changes only what a future Promote uses; the
  // current leader keeps its expiry and schedules the next checkpoint.
  if (primary_) ScheduleCheckpoint(it->second, now_ms);
}

Status Lessor::Attach(LeaseId id, std::string_view key) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return LeaseNotFound();
  std::string k(key);
  auto [pos, inserted] = lease_of_key_.try_emplace(k, id);
  if (!inserted && pos->second != id) {
    auto old = leases_.find(pos->second);
    CAIRN_CHECK(old != leases_.end(), "key attached to a missing lease");
    old->second.keys.erase(k);
    pos->second = id;
  }
  it->second.keys.insert(std::move(k));
  return Status::Ok();
}

Status Lessor::Detach(LeaseId id, std::string_view key) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return LeaseNotFound();
  std::string k(key);
  auto pos = lease_of_key_.find(k);
  if (pos != lease_of_key_.end() && pos->second == id) {
    lease_of_key_.erase(pos);
    it->second.keys.erase(k);
  }
  return Status::Ok();
}

void Lessor::Refresh(Lease& lease, int64_t now_ms, int64_t extend_ms) {
  // etcd's Lease.refresh: now + extend + RemainingTTL().
  lease.expiry_ms = now_ms + extend_ms + lease.RemainingTtl() * 1000;
  expiry_queue_.Upsert(lease.id, lease.expiry_ms);
}

void Lessor::ScheduleCheckpoint(const Lease& lease, int64_t now_ms) {
  // etcd's scheduleCheckpointIfNeeded: only leases that would outlive an
  // interval are worth a Raft entry.
  if (!cfg_.checkpoint_enabled) return;
  if (lease.RemainingTtl() * 1000 > cfg_.checkpoint_interval_ms) {
    checkpoint_queue_.Upsert(lease.id, now_ms + cfg_.checkpoint_interval_ms);
  }
}

void Lessor::Promote(int64_t now_ms, int64_t extend_ms) {
  CheckNow(now_ms);
  CAIRN_CHECK(extend_ms >= 0, "extend_ms=%lld",
              static_cast<long long>(extend_ms));
  CAIRN_CHECK(extend_ms <= kMaxNowMs / 4, "extend_ms=%lld",
              static_cast<long long>(extend_ms));
  primary_ = true;
  for (auto& [id, lease] : leases_) {
    Refresh(lease, now_ms, extend_ms);
    ScheduleCheckpoint(lease, now_ms);
  }
  if (leases_.size() >= cfg_.revoke_rate_per_s) {
    SpreadExpiries(now_ms, extend_ms);
  }
  CheckInvariants();
}

void Lessor::SpreadExpiries(int64_t now_ms, int64_t extend_ms) {
  // etcd's Promote: after a leader change many leases may expire in the
  // same second and flood the log with revokes. Walk them by expiry and
  // delay those beyond 3/4 of the revoke rate in each one-second window.
  std::vector<std::pair<int64_t, LeaseId>> order;
  order.reserve(leases_.size());
  for (const auto& [id, lease] : leases_) {
    order.push_back({lease.expiry_ms - now_ms, id});
  }
  std::sort(order.begin(), order.end());
  const int64_t target = int64_t(3 * cfg_.revoke_rate_per_s / 4);
  int64_t base_ms = order.front().first;
  int64_t next_window_ms = base_ms + 1000;
  int64_t expires = 0;
  for (const auto& [remaining_ms, id] : order) {
    if (remaining_ms > next_window_ms) {
      base_ms = remaining_ms;
      next_window_ms = base_ms + 1000;
      expires = 1;
      continue;
    }
    expires++;
    if (expires <= target) continue;
    // If leases are extended by n seconds, leases n seconds ahead of the
    // base window are extended by only one second (etcd's comment).
    const int64_t delay_ms = 1000 * expires / target - (remaining_ms - base_ms);
    next_window_ms = base_ms + delay_ms;
    Lease& lease = leases_.at(id);
    Refresh(lease, now_ms, delay_ms + extend_ms);
    ScheduleCheckpoint(lease, now_ms);
  }
}

void Lessor::Demote() {
  for (auto& [id, lease] : leases_) lease.expiry_ms = kForeverMs;
  expiry_queue_.Clear();
  checkpoint_queue_.Clear();
  primary_ = false;
  CheckInvariants();
}

Result<RenewResult> Lessor::Renew(LeaseId id, int64_t now_ms) {
  CheckNow(now_ms);
  if (!primary_) return NotPrimary();
  auto it = leases_.find(id);
  if (it == leases_.end()) return LeaseNotFound();
  Lease& lease = it->second;
  // etcd blocks an expired lease's renew until its revoke is applied, then
  // answers not found; the revoke is already on its way (ExpiredLeases), so
  // answer now rather than extend a lease the leader is revoking.
  if (lease.IsExpired(now_ms)) return LeaseNotFound();
  RenewResult out{
      .ttl_s = lease.ttl_s,
      .clear_checkpoint = cfg_.checkpoint_enabled && lease.remaining_ttl_s > 0};
  // etcd clears the checkpoint through Raft before refreshing, so the
  // refresh uses the full TTL; the replicated remaining TTL itself changes
  // only when the server's clearing checkpoint is applied.
  lease.expiry_ms = now_ms + lease.ttl_s * 1000;
  expiry_queue_.Upsert(id, lease.expiry_ms);
  return out;
}

Result<TimeToLiveResult> Lessor::TimeToLive(LeaseId id, bool with_keys,
                                            int64_t now_ms) const {
  CheckNow(now_ms);
  if (!primary_) return NotPrimary();
  auto it = leases_.find(id);
  if (it == leases_.end()) return LeaseNotFound();
  const Lease& lease = it->second;
  TimeToLiveResult out;
  out.id = id;
  out.granted_ttl_s = lease.ttl_s;
  // int64(Remaining().Seconds()) truncates toward zero, as C++ division
  // does: 9.999s left reads 9, -0.5s reads 0.
  out.ttl_s = (lease.expiry_ms - now_ms) / 1000;
  if (with_keys) out.keys.assign(lease.keys.begin(), lease.keys.end());
  return out;
}

std::vector<LeaseId> Lessor::ExpiredLeases(int64_t now_ms, size_t max) {
  CheckNow(now_ms);
  std::vector<LeaseId> out;
  if (!primary_) return out;
  while (out.size() < max) {
    std::optional<LeaseQueue::Item> front = expiry_queue_.Front();
    if (!front || front->time_ms > now_ms) break;
    const Lease* lease = Find(front->id);
    CAIRN_CHECK(lease != nullptr, "queued lease %lld is gone",
                static_cast<long long>(front->id));
    if (lease->IsExpired(now_ms)) {
      out.push_back(front->id);
      // Re-check after the retry interval: the revoke proposal may be lost
      // (etcd's expiredLeaseRetryInterval).
      expiry_queue_.Upsert(front->id, now_ms + cfg_.expired_retry_interval_ms);
    } else {
      expiry_queue_.Upsert(front->id, lease->expiry_ms);
    }
  }
  return out;
}

std::vector<Checkpoint> Lessor::CheckpointsDue(int64_t now_ms) {
  CheckNow(now_ms);
  std::vector<Checkpoint> out;
  if (!primary_ || !cfg_.checkpoint_enabled) return out;
  while (out.size() < cfg_.max_checkpoint_batch) {
    std::optional<LeaseQueue::Item> front = checkpoint_queue_.Front();
    if (!front || front->time_ms > now_ms) break;
    checkpoint_queue_.PopFront();
    const Lease* lease = Find(front->id);
    if (lease == nullptr || lease->IsExpired(now_ms)) continue;
    // etcd: remaining = ceil(seconds left); no entry when the lease was
    // renewed so recently that nothing would change.
    const int64_t remaining_s = CeilSeconds(lease->expiry_ms - now_ms);
    if (remaining_s >= lease->ttl_s) continue;
    out.push_back({.id = front->id, .remaining_ttl_s = remaining_s});
  }
  return out;
}

std::vector<LeaseId> Lessor::Leases() const {
  std::vector<LeaseId> ids;
  ids.reserve(leases_.size());
  for (const auto& [id, lease] : leases_) ids.push_back(id);
  return ids;
}

const Lease* Lessor::Find(LeaseId id) const {
  auto it = leases_.find(id);
  return it == leases_.end() ? nullptr : &it->second;
}

LeaseId Lessor::LeaseOf(std::string_view key) const {
  auto it = lease_of_key_.find(std::string(key));
  return it == lease_of_key_.end() ? kNoLease : it->second;
}

std::string Lessor::Describe(int64_t now_ms) const {
  std::string out;
  for (const auto& [id, lease] : leases_) {
    out += DescribeLease(lease, now_ms);
    out += "\n";
  }
  return out;
}

std::string Lessor::Encode() const {
  LessorImage image;
  image.auto_id_counter = auto_id_counter_;
  image.leases.reserve(leases_.size());
  for (const auto& [id, lease] : leases_) {
    image.leases.push_back(LeaseRecord{
        .id = id,
        .ttl_s = lease.ttl_s,
        .remaining_ttl_s = lease.remaining_ttl_s,
        .keys = std::vector<std::string>(lease.keys.begin(), lease.keys.end()),
    });
  }
  return EncodeLessorImage(image);
}

Status Lessor::Restore(std::string_view bytes) {
  Result<LessorImage> image = DecodeLessorImage(bytes, cfg_.max_leases);
  if (!image.ok()) return image.status();
  Demote();
  for (const auto& [id, lease] : leases_) MarkChanged(id);
  leases_.clear();
  lease_of_key_.clear();
  if (auto_id_counter_ != image.value().auto_id_counter) {
    counter_changed_ = cfg_.track_changes;
  }
  auto_id_counter_ = image.value().auto_id_counter;
  for (LeaseRecord& rec : image.value().leases) {
    Lease& lease = leases_[rec.id];
    lease.id = rec.id;
    MarkChanged(rec.id);
    lease.ttl_s = std::max(rec.ttl_s, cfg_.min_ttl_s);
    lease.remaining_ttl_s = rec.remaining_ttl_s;
    for (std::string& key : rec.keys) {
      lease_of_key_.emplace(key, rec.id);
      lease.keys.insert(std::move(key));
    }
  }
  CheckInvariants();
  return Status::Ok();
}

void Lessor::MarkChanged(LeaseId id) {
  if (cfg_.track_changes) changed_.insert(id);
}

LessorChanges Lessor::TakeChanges() {
  CAIRN_CHECK(cfg_.track_changes,
              "TakeChanges on a lessor that does not track changes");
  LessorChanges out;
  out.leases.assign(changed_.begin(), changed_.end());
  out.counter_changed = counter_changed_;
  changed_.clear();
  counter_changed_ = false;
  return out;
}

void Lessor::CheckInvariants() const {
  // Cheap checks always; the full cross-check of keys and queues is a
  // DCHECK because it walks every lease.
  CAIRN_CHECK(leases_.size() <= cfg_.max_leases, "%zu leases over limit",
              leases_.size());
  CAIRN_CHECK(primary_ || expiry_queue_.empty(),
              "non-primary lessor with queued expiries");
  CAIRN_CHECK(expiry_queue_.size() <= leases_.size(), "expiry queue %zu > %zu",
              expiry_queue_.size(), leases_.size());
#if !defined(NDEBUG) || defined(CAIRN_FORCE_DCHECK)
  size_t attached = 0;
  for (const auto& [id, lease] : leases_) {
    CAIRN_DCHECK(lease.id == id, "lease keyed under the wrong id");
    CAIRN_DCHECK(lease.ttl_s >= cfg_.min_ttl_s, "ttl below minimum");
    CAIRN_DCHECK(primary_ || lease.expiry_ms == kForeverMs,
                 "non-primary lease with an expiry");
    attached += lease.keys.size();
  }
  CAIRN_DCHECK(attached == lease_of_key_.size(), "key maps disagree %zu/%zu",
               attached, lease_of_key_.size());
#endif
}

std::string DescribeKeys(const std::vector<std::string>& keys) {
  std::string out = "[";
  for (size_t i = 0; i < keys.size(); i++) {
    if (i > 0) out += " ";
    out += EscapeBytes(keys[i]);
  }
  return out + "]";
}

std::string DescribeTimeToLive(const TimeToLiveResult& ttl, bool with_keys) {
  std::string out = StrFormat("lease %lld granted-ttl=%llds ttl=%llds",
                              static_cast<long long>(ttl.id),
                              static_cast<long long>(ttl.granted_ttl_s),
                              static_cast<long long>(ttl.ttl_s));
  if (with_keys) out += " keys=" + DescribeKeys(ttl.keys);
  return out;
}

std::string DescribeUnknownTimeToLive(LeaseId id) {
  return StrFormat("lease %lld ttl=%llds (not found)",
                   static_cast<long long>(id),
                   static_cast<long long>(kUnknownLeaseTtl));
}

std::string DescribeCheckpoint(const Checkpoint& cp) {
  return StrFormat("checkpoint %lld remaining=%llds",
                   static_cast<long long>(cp.id),
                   static_cast<long long>(cp.remaining_ttl_s));
}

}  // namespace cairn::lease
