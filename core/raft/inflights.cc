#include "core/raft/inflights.h"

#include <algorithm>

#include "core/util/check.h"

namespace cairn::raft {

Inflights::Inflights(size_t size, uint64_t max_bytes)
    : size_(size), max_bytes_(max_bytes) {
  CAIRN_CHECK(size > 0, "inflights of size 0");
}

void Inflights::Add(Index index, uint64_t bytes) {
  CAIRN_CHECK(!Full(), "cannot add into a full inflights");
  if (count_ > 0) {
    const Slot& last = buffer_[(start_ + count_ - 1) % buffer_.size()];
    CAIRN_CHECK(index > last.index, "inflight %llu not after %llu",
                (unsigned long long)index, (unsigned long long)last.index);
  }
  size_t next = start_ + count_;
  if (next >= size_) next -= size_;
  if (next >= buffer_.size()) {
    // Grow lazily (doubling, capped at size_) so that idle followers cost
    // little memory. Growing only happens while the ring has not wrapped.
    buffer_.resize(std::min(size_, std::max<size_t>(1, buffer_.size() * 2)));
  }
  buffer_[next] = Slot{index, bytes};
  count_++;
  bytes_ += bytes;
}

void Inflights::FreeLE(Index to) {
  if (count_ == 0 || to < buffer_[start_].index) return;
  size_t idx = start_;
  size_t i = 0;
  uint64_t freed = 0;
  for (; i < count_; i++) {
    if (to < buffer_[idx].index) break;
    freed += buffer_[idx].bytes;
    if (++idx >= size_) idx -= size_;
  }
  count_ -= i;
  bytes_ -= freed;
  start_ = idx;
  if (count_ == 0) start_ = 0;  // keep the ring from wrapping needlessly
}

void Inflights::FreeFirstOne() {
  if (count_ == 0) return;
  FreeLE(buffer_[start_].index);
}

bool Inflights::Full() const {
  return count_ == size_ || (max_bytes_ != 0 && bytes_ >= max_bytes_);
}

void Inflights::Reset() {
  count_ = 0;
  start_ = 0;
  bytes_ = 0;
}

}  // namespace cairn::raft
