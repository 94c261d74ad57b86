// Test support: a keyspace (mvcc::KvStore) and a lessor driven together as
// core/server's apply loop drives them (lease checks on put, attach and
// detach, revoke deleting the lease's keys in one txn), persisted with both
// change feeds in ONE batch per step, and reloaded from a backend. Also a
// random step generator and a text fingerprint of the whole persisted
// state, for model and crash tests.
//
// Test code: single-threaded, deterministic for a given seed.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/lease/lessor_persist.h"
#include "core/mvcc/kv_persist.h"
#include "core/util/random.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cairn::lease {

inline Config TrackingConfig() {
  Config cfg;
  cfg.track_changes = true;
  cfg.id_seed = 77;
  return cfg;
}

class PersistedPair {
 public:
  PersistedPair()
      : lessor_(std::make_unique<Lessor>(TrackingConfig())),
        store_(std::make_unique<mvcc::KvStore>(StoreOptions())) {}
  // The store's lease check points at this object.
  PersistedPair(const PersistedPair&) = delete;
  PersistedPair& operator=(const PersistedPair&) = delete;

  mvcc::KvStoreOptions StoreOptions() {
    mvcc::KvStoreOptions options;
    options.track_changes = true;
    options.lease_exists = [this](int64_t id) { return lessor_->Contains(id); };
    return options;
  }

  void Grant(LeaseId id, int64_t ttl) { (void)lessor_->Grant(id, ttl, 0); }

  void Revoke(LeaseId id) {
    Result<std::vector<std::string>> keys = lessor_->Revoke(id);
    if (!keys.ok() || keys.value().empty()) return;
    mvcc::TxnRequest txn;
    for (const std::string& k : keys.value()) {
      txn.success.push_back(
          mvcc::RequestOp{mvcc::DeleteRangeRequest{.key = k}});
    }
    ASSERT_TRUE(store_->Txn(txn).ok());
  }

  void Put(const std::string& key, LeaseId lease) {
    const LeaseId old = lessor_->LeaseOf(key);
    if (!store_->Put({.key = key, .value = "v" + key, .lease = lease}).ok()) {
      return;
    }
    if (lease != kNoLease) {
      ASSERT_TRUE(lessor_->Attach(lease, key).ok());
    } else if (old != kNoLease) {
      ASSERT_TRUE(lessor_->Detach(old, key).ok());
    }
  }

  void Delete(const std::string& key) {
    const LeaseId old = lessor_->LeaseOf(key);
    ASSERT_TRUE(store_->DeleteRange({.key = key}).ok());
    if (old != kNoLease) {
      ASSERT_TRUE(lessor_->Detach(old, key).ok());
    }
  }

  // One random apply step: grants (chosen and explicit ids, negative
  // too), revokes, checkpoints, puts with and without leases, deletes and
  // compactions.
  void RandomStep(Random& rnd) {
    const std::vector<LeaseId> ids = lessor_->Leases();
    auto some_lease = [&]() -> LeaseId {
      return ids.empty() ? kNoLease : ids[rnd.Uniform(ids.size())];
    };
    const std::string key = "k" + std::to_string(rnd.Uniform(15));
    switch (rnd.Uniform(8)) {
      case 0:
        Grant(rnd.OneIn(1, 2) ? kNoLease
                              : static_cast<LeaseId>(rnd.Uniform(11)) - 5,
              static_cast<int64_t>(rnd.Uniform(600)));
        break;
      case 1:
        if (rnd.OneIn(1, 2)) Revoke(some_lease());
        break;
      case 2:
        lessor_->ApplyCheckpoint(
            {.id = some_lease(),
             .remaining_ttl_s = static_cast<int64_t>(rnd.Uniform(400))},
            0);
        break;
      case 3:
      case 4:
        Put(key, rnd.OneIn(1, 4) ? kNoLease : some_lease());
        break;
      case 5:
        Delete(key);
        break;
      case 6:
        if (rnd.OneIn(1, 3) &&
            store_->rev() > std::max<int64_t>(store_->compact_rev(), 1)) {
          const int64_t lo = std::max<int64_t>(store_->compact_rev() + 1, 1);
          (void)store_->Compact({.revision = static_cast<int64_t>(rnd.Range(
                                     static_cast<uint64_t>(lo),
                                     static_cast<uint64_t>(store_->rev())))});
        }
        break;
      default:
        Put(key, kNoLease);
    }
  }

  // Both change feeds in one batch, as the server commits an apply.
  storage::WriteBatch TakeBatch() {
    storage::WriteBatch batch;
    mvcc::WriteKvChanges(store_->TakeChanges(), batch);
    WriteLessorChanges(*lessor_, lessor_->TakeChanges(), batch);
    return batch;
  }

  void Persist(storage::Backend& backend, bool sync) {
    ASSERT_TRUE(backend.Commit(TakeBatch(), sync).ok());
  }

  // Replaces both by what `backend` holds; on error nothing changes.
  Status Reload(const storage::Backend& backend) {
    Result<std::unique_ptr<mvcc::KvStore>> kv =
        mvcc::LoadKvStore(backend, StoreOptions());
    if (!kv.ok()) return kv.status();
    Result<std::unique_ptr<Lessor>> lessor =
        LoadLessor(backend, TrackingConfig(), *kv.value());
    if (!lessor.ok()) return lessor.status();
    store_ = std::move(kv).value();
    lessor_ = std::move(lessor).value();
    return Status::Ok();
  }

  // Everything a reader can observe of the persisted state: revisions,
  // key count, HashKV, every key at every readable revision, the event
  // log, and the lessor's snapshot encoding (leases, TTLs, remaining
  // TTLs, attached keys, id counter).
  std::string Fingerprint() const {
    std::string out =
        "rev=" + std::to_string(store_->rev()) +
        " compact=" + std::to_string(store_->compact_rev()) +
        " keys=" + std::to_string(store_->key_count()) +
        " hash=" + std::to_string(store_->HashKV(0).value().hash) + "\n";
    const int64_t first = std::max<int64_t>(store_->compact_rev(), 1);
    for (int64_t rev = first; rev <= store_->rev(); rev++) {
      mvcc::RangeRequest all;
      all.key = std::string(1, '\0');
      all.range_end = std::string(1, '\0');
      all.revision = rev;
      out += "@" + std::to_string(rev) + ":";
      const Result<mvcc::RangeResponse> range = store_->Range(all);
      for (const mvcc::KeyValue& kv : range.value().kvs) {
        out += " " + mvcc::DescribeKeyValue(kv);
      }
      out += "\n";
    }
    const Result<std::vector<mvcc::Event>> events =
        store_->EventsFrom(first, 1 << 20);
    for (const mvcc::Event& ev : events.value()) {
      out += mvcc::DescribeEvent(ev) + "\n";
    }
    return out + lessor_->Encode();
  }

  Lessor& lessor() { return *lessor_; }
  mvcc::KvStore& store() { return *store_; }

 private:
  std::unique_ptr<Lessor> lessor_;
  std::unique_ptr<mvcc::KvStore> store_;
};

}  // namespace cairn::lease

#pragma GCC diagnostic pop
