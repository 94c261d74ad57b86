// SimNode: one simulated cluster member, a RawNode over a simulated disk.
// Simulator host code; single threaded and deterministic (all randomness
// comes from the seed it is given, every fault from its caller).
//
// The disk is a SimLogStore (sim_log_store.h): checksummed records that
// are written to a page cache at once and become durable when the fsync
// completes (FinishSync). The RawNode reads the store's view, which
// includes unsynced writes. A crash drops the RawNode and the page cache
// (optionally tearing its tail into the file); a restart recovers the
// store from its file, discarding a torn record by its checksum, and
// builds a new RawNode from what survived (leveldb fault_injection_test.cc).
//
// At most one Ready is in flight: the host takes a Ready (TakeReady),
// writes it (WriteReady), waits for the fsync, then sends its messages,
// applies its committed entries and calls Advance (the persistence
// contract, ready.h). Crash points sit between those steps (world.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/raft/raw_node.h"
#include "core/raft/ready.h"
#include "core/util/random.h"
#include "core/util/result.h"
#include "simulator/sim_log_store.h"

namespace cairn::sim {

struct SimNodeOptions {
  raft::NodeId id = raft::kNone;
  std::vector<raft::NodeId> voters;
  uint64_t seed = 0;
  int election_tick = 10;
  int heartbeat_tick = 1;
  // Receives the Raft core's log lines (may be empty).
  std::function<void(const std::string&)> logger;
  // A bug planted in the Raft core (raft::Config::planted_bug).
  raft::PlantedBug raft_bug = raft::PlantedBug::kOff;
  // Host bug: the vote is not written with the hard state.
  bool drop_vote_on_write = false;
  // raft::Config::max_size_per_msg (1: one entry per MsgApp).
  uint64_t max_msg_bytes = 64 * 1024;
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

  // Takes the next Ready, if there is one and none is in flight. Returns
  // whether one was taken; it is then in_flight(), not yet written.
  // REQUIRES: !crashed().
  bool TakeReady();
  // Writes the in-flight Ready's snapshot, entries and hard state to the
  // disk's page cache (step 1 of ready.h, before its fsync).
  void WriteReady();
  const raft::Ready& in_flight() const { return *in_flight_; }

  // The in-flight Ready's fsync completed: its writes become durable.
  // Returns the Ready for the host's steps 2-4 (send, apply, Advance), or
  // kIOError when the fsync failed; the host must then Crash the member
  // (fail-stop). REQUIRES: syncing().
  Result<raft::Ready> FinishSync();

  // Loses the RawNode, unsynced writes and the in-flight Ready; up to
  // tear_bytes of the page cache reach the file first (a torn write).
  CrashReport Crash(uint64_t tear_bytes);
  // Recovers the disk and starts a new RawNode from it.
  // REQUIRES: crashed().
  RecoveryReport Restart();

  // The index the state machine restarts from (the disk's snapshot).
  raft::Index snapshot_index() const;
  const SimLogStore& disk() const { return *store_; }
  SimLogStore& disk() { return *store_; }

 private:
  void StartRawNode();

  SimNodeOptions options_;
  Random seeds_;  // one child seed per life of the RawNode
  std::unique_ptr<SimLogStore> store_;
  std::unique_ptr<Random> random_;
  std::unique_ptr<raft::RawNode> raw_;
  std::optional<raft::Ready> in_flight_;
  uint64_t incarnation_ = 0;
};

}  // namespace cairn::sim
