#include "simulator/sim_node.h"

#include <utility>

#include "core/util/check.h"

namespace cairn::sim {

SimNode::SimNode(SimNodeOptions options)
    : options_(std::move(options)),
      seeds_(options_.seed),
      store_(std::make_unique<SimLogStore>(/*defer_sync=*/true)) {
  raft::Snapshot boot;
  boot.metadata.conf_state.voters = options_.voters;
  boot.metadata.index = 1;
  boot.metadata.term = 1;
  CAIRN_CHECK(store_->Save(nullptr, {}, &boot, true).ok(), "bootstrap");
  CAIRN_CHECK(store_->Sync().ok(), "bootstrap sync");
  StartRawNode();
}

void SimNode::StartRawNode() {
  random_ = std::make_unique<Random>(seeds_.Fork());
  raft::Config c;
  c.id = options_.id;
  c.election_tick = options_.election_tick;
  c.heartbeat_tick = options_.heartbeat_tick;
  c.storage = store_.get();
  c.random = random_.get();
  // The state machine is volatile and restarts from the snapshot, so the
  // committed entries after it are handed out again.
  c.applied = snapshot_index();
  c.max_size_per_msg = options_.max_msg_bytes;
  c.max_inflight_msgs = 64;
  c.max_uncommitted_entries_size = 1 << 20;
  c.check_quorum = true;
  c.pre_vote = true;
  c.logger = options_.logger;
  c.planted_bug = options_.raft_bug;
  raw_ = std::make_unique<raft::RawNode>(c);
}

bool SimNode::TakeReady() {
  CAIRN_CHECK(!crashed(), "TakeReady on a crashed member");
  if (in_flight_.has_value() || !raw_->HasReady()) return false;
  in_flight_ = raw_->TakeReady();
  return true;
}

void SimNode::WriteReady() {
  CAIRN_CHECK(in_flight_.has_value(), "WriteReady without a Ready");
  const raft::Ready& rd = *in_flight_;
  const raft::HardState* hs =
      rd.hard_state.has_value() ? &*rd.hard_state : nullptr;
  raft::HardState forgetful;
  if (hs != nullptr && options_.drop_vote_on_write) {
    // Planted host bug: the vote never reaches the disk.
    forgetful = *hs;
    forgetful.vote = store_->durable_hard_state().vote;
    hs = &forgetful;
  }
  const raft::Snapshot* snap =
      rd.snapshot.has_value() ? &*rd.snapshot : nullptr;
  Status s = store_->Save(hs, rd.entries, snap, rd.must_sync);
  CAIRN_CHECK(s.ok(), "write to the simulated disk: %s", s.ToString().c_str());
}

Result<raft::Ready> SimNode::FinishSync() {
  CAIRN_CHECK(in_flight_.has_value(), "FinishSync without a Ready");
  Status s = store_->Sync();
  if (!s.ok()) return s;
  raft::Ready rd = std::move(*in_flight_);
  in_flight_.reset();
  return rd;
}

CrashReport SimNode::Crash(uint64_t tear_bytes) {
  CAIRN_CHECK(!crashed(), "Crash of a crashed member");
  raw_.reset();
  random_.reset();
  in_flight_.reset();
  incarnation_++;
  return store_->Crash(tear_bytes);
}

RecoveryReport SimNode::Restart() {
  CAIRN_CHECK(crashed(), "Restart of a running member");
  RecoveryReport report = store_->Recover();
  StartRawNode();
  return report;
}

raft::Index SimNode::snapshot_index() const {
  Result<raft::Snapshot> snap = store_->GetSnapshot();
  CAIRN_CHECK(snap.ok(), "the disk has no readable snapshot");
  return snap.value().metadata.index;
}

}  // namespace cairn::sim
