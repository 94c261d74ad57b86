#include "core/lease/lease_queue.h"

#include <utility>

#include "core/util/check.h"

namespace cairn::lease {

void LeaseQueue::Upsert(LeaseId id, int64_t time_ms) {
  auto [it, inserted] = time_of_.try_emplace(id, time_ms);
  if (inserted) {
    order_.insert({time_ms, id});
  } else {
    // Reuse the set's node: a renew moves a lease without allocating.
    auto node = order_.extract({it->second, id});
    CAIRN_CHECK(!node.empty(), "lease %lld missing from the queue order",
                static_cast<long long>(id));
    node.value().first = time_ms;
    it->second = time_ms;
    order_.insert(std::move(node));
  }
  CAIRN_DCHECK(order_.size() == time_of_.size(), "queue sizes %zu != %zu",
               order_.size(), time_of_.size());
}

void LeaseQueue::Remove(LeaseId id) {
  auto it = time_of_.find(id);
  if (it == time_of_.end()) return;
  order_.erase({it->second, id});
  time_of_.erase(it);
}

void LeaseQueue::Clear() {
  order_.clear();
  time_of_.clear();
}

std::optional<LeaseQueue::Item> LeaseQueue::Front() const {
  if (order_.empty()) return std::nullopt;
  return Item{order_.begin()->first, order_.begin()->second};
}

void LeaseQueue::PopFront() {
  CAIRN_CHECK(!order_.empty(), "PopFront of an empty lease queue");
  time_of_.erase(order_.begin()->second);
  order_.erase(order_.begin());
}

std::optional<int64_t> LeaseQueue::TimeOf(LeaseId id) const {
  auto it = time_of_.find(id);
  if (it == time_of_.end()) return std::nullopt;
  return it->second;
}

}  // namespace cairn::lease
