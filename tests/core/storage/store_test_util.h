// Test support for core/storage: a RaftLogStore over raft::MemoryStorage
// (the reference semantics every store must match), a temporary directory
// per test, and helpers that build entries and compare two stores.
//
// Test code: single-threaded; the temporary directory lives under
// std::filesystem::temp_directory_path() and is removed on destruction.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/raft/memory_storage.h"
#include "core/storage/raft_log_store.h"

namespace cairn::storage {

// Writes through raft::MemoryStorage exactly as the host loop would.
class MemoryLogStore : public RaftLogStore {
 public:
  Result<raft::InitialState> GetInitialState() const override {
    return mem_.GetInitialState();
  }
  Result<std::vector<raft::Entry>> Entries(raft::Index lo, raft::Index hi,
                                           uint64_t max_bytes) const override {
    return mem_.Entries(lo, hi, max_bytes);
  }
  Result<raft::Term> TermAt(raft::Index i) const override {
    return mem_.TermAt(i);
  }
  raft::Index LastIndex() const override { return mem_.LastIndex(); }
  raft::Index FirstIndex() const override { return mem_.FirstIndex(); }
  Result<raft::Snapshot> GetSnapshot() const override {
    return mem_.GetSnapshot();
  }
  Status Save(const raft::HardState* hs,
              const std::vector<raft::Entry>& entries,
              const raft::Snapshot* snap, bool /*must_sync*/) override {
    if (snap != nullptr && !snap->empty()) {
      Status s = mem_.ApplySnapshot(*snap);
      if (!s.ok()) return s;
    }
    mem_.Append(entries);
    if (hs != nullptr) mem_.SetHardState(*hs);
    return Status::Ok();
  }
  Status Compact(raft::Index compact_index) override {
    return mem_.Compact(compact_index);
  }

 private:
  raft::MemoryStorage mem_;
};

// A fresh, empty directory path (not yet created) removed on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("cairn-storage-" + std::to_string(getpid()) + "-" +
              std::to_string(counter++)))
                .string();
    std::filesystem::remove_all(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);  // best effort in a test
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A file's whole contents, and writing them back (to damage a store).
inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFile(const std::filesystem::path& p,
                      const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Entries lo..hi inclusive, all of `term`, with a payload naming them.
inline std::vector<raft::Entry> MakeEntries(raft::Index lo, raft::Index hi,
                                            raft::Term term) {
  std::vector<raft::Entry> out;
  for (raft::Index i = lo; i <= hi; i++) {
    raft::Entry e;
    e.index = i;
    e.term = term;
    e.data = "payload-" + std::to_string(i) + "-" + std::to_string(term);
    out.push_back(e);
  }
  return out;
}

inline raft::Snapshot MakeSnapshot(raft::Index index, raft::Term term) {
  raft::Snapshot snap;
  snap.metadata.index = index;
  snap.metadata.term = term;
  snap.metadata.conf_state.voters = {1, 2, 3};
  snap.data = "image-at-" + std::to_string(index);
  return snap;
}

// Checks that `got` answers every read exactly as `want` does.
inline void ExpectSameReads(const raft::Storage& want,
                            const raft::Storage& got) {
  ASSERT_EQ(want.FirstIndex(), got.FirstIndex());
  ASSERT_EQ(want.LastIndex(), got.LastIndex());
  Result<raft::InitialState> ws = want.GetInitialState();
  Result<raft::InitialState> gs = got.GetInitialState();
  ASSERT_TRUE(ws.ok() && gs.ok());
  EXPECT_EQ(ws.value().hard_state, gs.value().hard_state);
  EXPECT_EQ(ws.value().conf_state, gs.value().conf_state);
  EXPECT_EQ(want.GetSnapshot().value(), got.GetSnapshot().value());
  const raft::Index first = want.FirstIndex();
  const raft::Index last = want.LastIndex();
  const raft::Index from = first >= 2 ? first - 2 : 0;
  for (raft::Index i = from; i <= last + 1; i++) {
    Result<raft::Term> wt = want.TermAt(i);
    Result<raft::Term> gt = got.TermAt(i);
    ASSERT_EQ(wt.status().code(), gt.status().code()) << "TermAt " << i;
    if (wt.ok()) {
      EXPECT_EQ(wt.value(), gt.value()) << "TermAt " << i;
    }
  }
  for (uint64_t max_bytes : {uint64_t{0}, uint64_t{100}, raft::kNoLimit}) {
    Result<std::vector<raft::Entry>> we =
        want.Entries(first, last + 1, max_bytes);
    Result<std::vector<raft::Entry>> ge =
        got.Entries(first, last + 1, max_bytes);
    ASSERT_EQ(we.status().code(), ge.status().code());
    if (we.ok()) {
      EXPECT_EQ(we.value(), ge.value()) << "max_bytes " << max_bytes;
    }
  }
}

}  // namespace cairn::storage
