#include "simulator/sim_node.h"

#include <utility>

#include "core/util/check.h"

namespace cairn::sim {

namespace {

using raft::MemoryStorage;

// Step 1 of the host contract, on one storage: snapshot, entries, then the
// hard state (ready.h).
void Persist(const raft::Ready& rd, MemoryStorage& storage) {
  if (rd.snapshot.has_value()) {
    CAIRN_CHECK(storage.ApplySnapshot(*rd.snapshot).ok(),
                "snapshot not newer than the disk's");
  }
  storage.Append(rd.entries);
  if (rd.hard_state.has_value()) storage.SetHardState(*rd.hard_state);
}

// What a restart reads back: a copy of the durable disk.
std::unique_ptr<MemoryStorage> CopyStorage(const MemoryStorage& from) {
  auto to = std::make_unique<MemoryStorage>();
  Result<raft::Snapshot> snap = from.GetSnapshot();
  CAIRN_CHECK(snap.ok(), "durable disk has no readable snapshot");
  if (!snap.value().empty()) {
    CAIRN_CHECK(to->ApplySnapshot(snap.value()).ok(), "copy snapshot");
  }
  if (from.LastIndex() >= from.FirstIndex()) {
    Result<std::vector<raft::Entry>> ents =
        from.Entries(from.FirstIndex(), from.LastIndex() + 1, raft::kNoLimit);
    CAIRN_CHECK(ents.ok(), "durable disk entries unreadable");
    to->Append(ents.value());
  }
  to->SetHardState(from.hard_state());
  return to;
}

}  // namespace

SimNode::SimNode(SimNodeOptions options)
    : options_(std::move(options)),
      seeds_(options_.seed),
      durable_(std::make_unique<MemoryStorage>()) {
  raft::Snapshot boot;
  boot.metadata.conf_state.voters = options_.voters;
  boot.metadata.index = 1;
  boot.metadata.term = 1;
  CAIRN_CHECK(durable_->ApplySnapshot(boot).ok(), "bootstrap");
  live_ = CopyStorage(*durable_);
  StartRawNode();
}

void SimNode::StartRawNode() {
  random_ = std::make_unique<Random>(seeds_.Fork());
  raft::Config c;
  c.id = options_.id;
  c.election_tick = options_.election_tick;
  c.heartbeat_tick = options_.heartbeat_tick;
  c.storage = live_.get();
  c.random = random_.get();
  // The state machine is volatile and restarts from the snapshot, so the
  // committed entries after it are handed out again.
  c.applied = snapshot_index();
  c.max_size_per_msg = 64 * 1024;
  c.max_inflight_msgs = 64;
  c.max_uncommitted_entries_size = 1 << 20;
  c.check_quorum = true;
  c.pre_vote = true;
  c.logger = options_.logger;
  raw_ = std::make_unique<raft::RawNode>(c);
}

bool SimNode::StartReady() {
  CAIRN_CHECK(!crashed(), "StartReady on a crashed member");
  if (in_flight_.has_value() || !raw_->HasReady()) return false;
  in_flight_ = raw_->TakeReady();
  Persist(*in_flight_, *live_);
  return true;
}

raft::Ready SimNode::FinishSync() {
  CAIRN_CHECK(in_flight_.has_value(), "FinishSync without a Ready");
  raft::Ready rd = std::move(*in_flight_);
  in_flight_.reset();
  Persist(rd, *durable_);
  return rd;
}

void SimNode::Crash() {
  if (crashed()) return;
  raw_.reset();
  random_.reset();
  in_flight_.reset();
  live_ = CopyStorage(*durable_);
  incarnation_++;
}

void SimNode::Restart() {
  CAIRN_CHECK(crashed(), "Restart of a running member");
  live_ = CopyStorage(*durable_);
  StartRawNode();
}

raft::Index SimNode::snapshot_index() const {
  Result<raft::Snapshot> snap = durable_->GetSnapshot();
  CAIRN_CHECK(snap.ok(), "durable disk has no readable snapshot");
  return snap.value().metadata.index;
}

}  // namespace cairn::sim
