// SimNode: one simulated cluster member, a RawNode over a simulated disk.
// Simulator host code; single threaded and deterministic (all randomness
// comes from the seed it is given).
//
// The disk is two MemoryStorages. `live` is what the RawNode reads: every
// Ready's snapshot, entries and hard state are written to it at once, as
// a write() into the page cache would be. `durable` is what survives a
// crash: a Ready's writes reach it only when its fsync completes
// (FinishSync). A crash drops the RawNode, the live storage and every
// unsynced write; a restart rebuilds the live storage from the durable one
// and a new RawNode from that (leveldb fault_injection_test.cc).
//
// At most one Ready is in flight: the host takes a Ready (StartReady),
// waits for the fsync, then sends its messages, applies its committed
// entries and calls Advance (the persistence contract, ready.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/raft/memory_storage.h"
#include "core/raft/raw_node.h"
#include "core/raft/ready.h"
#include "core/util/random.h"

namespace cairn::sim {

struct SimNodeOptions {
  raft::NodeId id = raft::kNone;
  std::vector<raft::NodeId> voters;
  uint64_t seed = 0;
  int election_tick = 10;
  int heartbeat_tick = 1;
  // Receives the Raft core's log lines (may be empty).
  std::function<void(const std::string&)> logger;
};

class SimNode {
 public:
  // Boots a fresh member whose disk holds the initial membership as a
  // snapshot at index 1, term 1.
  explicit SimNode(SimNodeOptions options);
  SimNode(const SimNode&) = delete;
  SimNode& operator=(const SimNode&) = delete;

  raft::NodeId id() const { return options_.id; }
  bool crashed() const { return raw_ == nullptr; }
  // Bumped by every crash, so that events of a former life are ignored.
  uint64_t incarnation() const { return incarnation_; }
  // REQUIRES: !crashed().
  raft::RawNode& raw() { return *raw_; }
  const raft::RawNode& raw() const { return *raw_; }

  // Whether a Ready was taken and its fsync has not finished.
  bool syncing() const { return in_flight_.has_value(); }

  // Takes the next Ready, if there is one and none is in flight, and
  // writes it to the live (volatile) disk. Returns whether one was taken;
  // the Ready is then in_flight().  REQUIRES: !crashed().
  bool StartReady();
  const raft::Ready& in_flight() const { return *in_flight_; }

  // The in-flight Ready's fsync completed: its writes become durable.
  // Returns the Ready for the host's steps 2-4 (send, apply, Advance).
  // REQUIRES: syncing().
  raft::Ready FinishSync();

  // Loses the RawNode, the live disk and unsynced writes.
  void Crash();
  // Starts a new RawNode from the durable disk. REQUIRES: crashed().
  void Restart();

  // The index the state machine restarts from (the disk's snapshot).
  raft::Index snapshot_index() const;
  const raft::MemoryStorage& durable() const { return *durable_; }

 private:
  void StartRawNode();

  SimNodeOptions options_;
  Random seeds_;  // one child seed per life of the RawNode
  std::unique_ptr<raft::MemoryStorage> durable_;
  std::unique_ptr<raft::MemoryStorage> live_;
  std::unique_ptr<Random> random_;
  std::unique_ptr<raft::RawNode> raw_;
  std::optional<raft::Ready> in_flight_;
  uint64_t incarnation_ = 0;
};

}  // namespace cairn::sim
