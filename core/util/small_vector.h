// SmallVector<T>: a vector that keeps its first element inline and moves
// to the heap only for a second one. The keyspace's index holds, per key,
// a list of generations and per generation a list of revisions; nearly
// every key has one of each, and std::vector would spend a heap block on
// each list (at 1M keys about 64 MiB, a tenth of a member's memory). Only
// the operations the index uses are provided. Pure core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

#include "core/util/check.h"

namespace cairn {

template <typename T>
class SmallVector {
 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() = default;
  // `n` value-initialized elements.
  explicit SmallVector(size_t n) {
    for (size_t i = 0; i < n; i++) emplace_back();
  }
  SmallVector(const SmallVector& other) {
    for (const T& v : other) push_back(v);
  }
  SmallVector(SmallVector&& other) noexcept { Steal(other); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) {
      clear();
      for (const T& v : other) push_back(v);
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      Release();
      Steal(other);
    }
    return *this;
  }
  ~SmallVector() { Release(); }

  T* data() { return on_heap() ? heap_ : InlineSlot(); }
  const T* data() const { return on_heap() ? heap_ : InlineSlot(); }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }

  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  // True when the elements live in a heap block of their own.
  bool on_heap() const { return cap_ > 1; }

  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& front() { return data()[0]; }
  const T& front() const { return data()[0]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  void push_back(T v) { emplace_back(std::move(v)); }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == cap_) Grow();
    T* slot = data() + size_;
    std::construct_at(slot, std::forward<Args>(args)...);
    size_++;
    return *slot;
  }

  // Removes [first, last); later elements move down. The capacity stays.
  iterator erase(const_iterator first, const_iterator last) {
    T* const base = data();
    const size_t from = static_cast<size_t>(first - base);
    const size_t to = static_cast<size_t>(last - base);
    CAIRN_DCHECK(from <= to && to <= size_, "erase [%zu, %zu) of %u", from, to,
                 size_);
    if (from == to) return base + from;
    T* out = base + from;
    for (T* in = base + to; in != base + size_; ++in, ++out) {
      *out = std::move(*in);
    }
    std::destroy(out, base + size_);
    size_ = static_cast<uint32_t>(out - base);
    return base + from;
  }

  void clear() {
    std::destroy(begin(), end());
    size_ = 0;
  }

  bool operator==(const SmallVector& other) const {
    if (size_ != other.size_) return false;
    for (size_t i = 0; i < size_; i++) {
      if (!((*this)[i] == other[i])) return false;
    }
    return true;
  }

 private:
  T* InlineSlot() { return std::launder(reinterpret_cast<T*>(inline_)); }
  const T* InlineSlot() const {
    return std::launder(reinterpret_cast<const T*>(inline_));
  }

  void Grow() {
    CAIRN_CHECK(cap_ <= UINT32_MAX / 2, "SmallVector of %u elements is full",
                cap_);
    const uint32_t cap = cap_ * 2;
    T* fresh = std::allocator<T>().allocate(cap);
    T* old = data();
    for (uint32_t i = 0; i < size_; i++) {
      std::construct_at(fresh + i, std::move(old[i]));
    }
    std::destroy(old, old + size_);
    if (on_heap()) std::allocator<T>().deallocate(heap_, cap_);
    heap_ = fresh;
    cap_ = cap;
  }

  void Release() {
    clear();
    if (on_heap()) std::allocator<T>().deallocate(heap_, cap_);
    cap_ = 1;
  }

  // REQUIRES: this holds nothing (fresh or released).
  void Steal(SmallVector& other) {
    if (other.on_heap()) {
      heap_ = other.heap_;
      cap_ = other.cap_;
      size_ = other.size_;
      other.cap_ = 1;
      other.size_ = 0;
      return;
    }
    if (other.size_ == 1) {
      std::construct_at(InlineSlot(), std::move(*other.InlineSlot()));
      size_ = 1;
      other.clear();
    }
  }

  uint32_t size_ = 0;
  uint32_t cap_ = 1;  // 1: the element (if any) is inline
  union {
    alignas(T) unsigned char inline_[sizeof(T)];
    T* heap_;
  };
};

}  // namespace cairn
