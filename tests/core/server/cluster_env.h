// ClusterEnv: an in-process cluster of server::Server members for the
// server transcripts (tests/testdata/server/*.txt). Each member has a
// RaftLogStore over raft::MemoryStorage and a storage::MemoryBackend that
// outlive its Server, so a member can crash (the backend loses unsynced
// batches) and restart over the same storage. Messages travel through one
// queue, encoded and decoded with the raft codec on the way (as the
// simulator does), and are dropped to or from isolated members. Time is a
// virtual clock advanced by `tick`.
//
// Test code: single-threaded and deterministic (one seed for everything).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/raft/memory_storage.h"
#include "core/server/server.h"
#include "core/storage/memory_backend.h"
#include "core/storage/raft_log_store.h"
#include "core/util/random.h"
#include "tests/support/datadriven.h"

namespace cairn::server {

// A RaftLogStore with raft::MemoryStorage's semantics (everything saved is
// kept: a crash of the process, not of the machine).
class MemoryLogStore : public storage::RaftLogStore {
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
              const raft::Snapshot* snap, bool must_sync) override;
  Status Compact(raft::Index compact_index) override {
    return mem_.Compact(compact_index);
  }

 private:
  raft::MemoryStorage mem_;
};

// A Transport that queues what is sent, for the test to deliver.
class QueueTransport : public Transport {
 public:
  void Send(std::vector<raft::Message> msgs) override {
    for (auto& m : msgs) out.push_back(std::move(m));
  }
  std::vector<raft::Message> out;
};

class NullLogger : public Logger {
 public:
  void Log(std::string_view) override {}
};

class ClusterEnv {
 public:
  ClusterEnv();
  ~ClusterEnv();
  std::string Handle(const testing::TestData& d);

 private:
  struct Member;
  class EnvTransport;
  class EnvLogger;

  std::string AddMembers(const testing::TestData& d);
  std::string StartMember(const testing::TestData& d);
  std::string Submit(const testing::TestData& d);
  std::string Tick(const testing::TestData& d);
  std::string Crash(const testing::TestData& d);
  std::string Restart(const testing::TestData& d);
  std::string Status(const testing::TestData& d);
  std::string Hash();
  std::string Watch(const testing::TestData& d);
  std::string Stabilize();
  // Processes every member once and delivers the queued messages; returns
  // whether anything happened.
  bool Round();
  void Boot(Member& m);
  void Collect();
  Member& Get(const std::string& alias);
  Server& ServerOf(const std::string& alias);
  uint64_t IdOf(const std::string& alias) const;
  std::string AliasOf(uint64_t id) const;
  std::string Flush();

  Random seeds_;
  int64_t now_ms_ = 0;
  Config base_;
  uint64_t next_token_ = 1;
  std::map<std::string, std::unique_ptr<Member>> members_;  // by alias
  std::vector<std::string> order_;                          // aliases
  std::vector<raft::Message> queue_;
  std::vector<uint64_t> isolated_;
  std::vector<std::string> out_;  // lines for the current command
};

}  // namespace cairn::server
