// LeaseQueue: a priority queue of lease ids by time, holding at most one
// entry per lease (etcd's LeaseExpiredNotifier, lease/lease_queue.go). The
// lessor keeps two: the expiry notifier and the checkpoint schedule. Pure
// core, single owner.
//
// Order is by (time_ms, id), so that leases due at the same instant come
// out in id order on every replica and every run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "core/lease/lease.h"

namespace cairn::lease {

class LeaseQueue {
 public:
  struct Item {
    int64_t time_ms;
    LeaseId id;
  };

  LeaseQueue() = default;
  LeaseQueue(const LeaseQueue&) = delete;
  LeaseQueue& operator=(const LeaseQueue&) = delete;

  // Puts `id` in the queue at `time_ms`, moving it if already queued.
  void Upsert(LeaseId id, int64_t time_ms);
  // Takes `id` out of the queue; a no-op when it is not queued.
  void Remove(LeaseId id);
  // Empties the queue.
  void Clear();

  // The earliest item (ties broken by the smaller id), if any.
  std::optional<Item> Front() const;
  // Removes the earliest item. REQUIRES: !empty().
  void PopFront();

  // The time `id` is queued at, if queued.
  std::optional<int64_t> TimeOf(LeaseId id) const;

  size_t size() const { return order_.size(); }
  bool empty() const { return order_.empty(); }

 private:
  std::set<std::pair<int64_t, LeaseId>> order_;
  // Lookups only; never iterated (STYLE.md A8).
  std::unordered_map<LeaseId, int64_t> time_of_;
};

}  // namespace cairn::lease
