// EventQueue: the simulator's virtual clock. Simulator host code; single
// threaded and deterministic.
//
// Time is virtual microseconds. Events fire in (time, insertion order)
// order, so two events at the same instant always fire in the order they
// were scheduled: the tie-break is part of what makes a seed reproducible.
// Time never goes backwards; scheduling in the past is a programmer error.
//
// The heap orders small (time, sequence, slot) items; the events themselves
// stay put in a slab of slots that is reused, so a large event (a message
// with entries) is moved twice (in and out) instead of on every sift.
// Events scheduled for the current instant (a Ready that needs no fsync,
// about a third of a run's events) skip the heap: they queue in a FIFO,
// already in sequence order, and Pop takes the FIFO's head whenever it
// comes before the heap's top in (time, sequence) order, so the order of
// events is exactly the heap's.
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "core/util/check.h"

namespace cairn::sim {

using Micros = uint64_t;

inline constexpr Micros kMillis = 1000;
inline constexpr Micros kSeconds = 1000 * kMillis;

template <typename Event>
class EventQueue {
 public:
  EventQueue() = default;
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  Micros now() const { return now_; }
  size_t size() const { return heap_.size() + (now_fifo_.size() - head_); }
  bool empty() const { return heap_.empty() && head_ == now_fifo_.size(); }

  // Schedules `event` at absolute time `at`. REQUIRES: at >= now().
  void At(Micros at, const Event& event) { At(at, Event(event)); }
  void At(Micros at, Event&& event) {
    CAIRN_CHECK(at >= now_, "event scheduled in the past: %llu < %llu",
                static_cast<unsigned long long>(at),
                static_cast<unsigned long long>(now_));
    uint32_t slot = 0;
    if (free_.empty()) {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back(std::move(event));
    } else {
      slot = free_.back();
      free_.pop_back();
      slots_[slot] = std::move(event);
    }
    const Item item{at, next_seq_++, slot};
    if (at == now_) {
      now_fifo_.push_back(item);
    } else {
      heap_.push(item);
    }
  }

  // Schedules `event` `delay` after now().
  void After(Micros delay, const Event& event) { At(now_ + delay, event); }
  void After(Micros delay, Event&& event) {
    At(now_ + delay, std::move(event));
  }

  // The time of the next event, if any.
  std::optional<Micros> NextTime() const {
    if (head_ < now_fifo_.size()) return now_;
    if (heap_.empty()) return std::nullopt;
    return heap_.top().at;
  }

  // Removes the next event and advances the clock to its time.
  // REQUIRES: !empty().
  Event Pop() {
    CAIRN_CHECK(!empty(), "Pop on an empty event queue");
    Item item;
    if (head_ < now_fifo_.size() &&
        (heap_.empty() || heap_.top() < now_fifo_[head_])) {
      item = now_fifo_[head_++];
      if (head_ == now_fifo_.size()) {
        now_fifo_.clear();
        head_ = 0;
      }
    } else {
      item = heap_.top();
      heap_.pop();
    }
    now_ = item.at;
    Event event = std::move(slots_[item.slot]);
    free_.push_back(item.slot);
    return event;
  }

 private:
  struct Item {
    Micros at;
    uint64_t seq;
    uint32_t slot;
    // std::priority_queue is a max-heap: invert for earliest first.
    bool operator<(const Item& o) const {
      return at != o.at ? at > o.at : seq > o.seq;
    }
  };

  Micros now_ = 0;
  uint64_t next_seq_ = 0;
  std::priority_queue<Item> heap_;
  // Items at now_ in sequence order, from head_ on (see the top).
  std::vector<Item> now_fifo_;
  size_t head_ = 0;
  std::vector<Event> slots_;    // events by slot; free ones are moved-from
  std::vector<uint32_t> free_;  // slots to reuse
};

}  // namespace cairn::sim
