// Raft throughput: proposals committed per second in an in-memory
// three-member cluster. Nodes exchange messages by direct Step calls (no
// codec, no I/O); each iteration proposes a batch of 128-byte entries on
// the leader and runs every node's Ready loop (persist to MemoryStorage,
// send, apply, advance) until the cluster is quiet. The figure is the
// rate of entries the leader applied.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/raft/memory_storage.h"
#include "core/raft/raw_node.h"
#include "core/util/check.h"
#include "core/util/random.h"

namespace cairn::raft {
namespace {

class Cluster {
 public:
  explicit Cluster(size_t n) {
    Snapshot boot;
    boot.metadata.index = 1;
    boot.metadata.term = 1;
    for (NodeId id = 1; id <= n; id++) {
      boot.metadata.conf_state.voters.push_back(id);
    }
    for (NodeId id = 1; id <= n; id++) {
      auto node = std::make_unique<Node>(id);
      CAIRN_CHECK(node->storage.ApplySnapshot(boot).ok(), "bootstrap");
      Config c;
      c.id = id;
      c.storage = &node->storage;
      c.random = &node->random;
      c.applied = 1;
      c.max_inflight_msgs = 256;
      c.max_size_per_msg = 1 << 20;
      node->raw = std::make_unique<RawNode>(c);
      nodes_.push_back(std::move(node));
    }
    nodes_[0]->raw->Campaign();
    RunUntilQuiet();
    CAIRN_CHECK(nodes_[0]->raw->raft().state() == StateType::kLeader,
                "node 1 did not win");
  }

  RawNode& leader() { return *nodes_[0]->raw; }
  uint64_t applied(size_t i) const { return nodes_[i]->applied; }

  void RunUntilQuiet() {
    for (bool busy = true; busy;) {
      busy = false;
      for (auto& n : nodes_) {
        if (!n->raw->HasReady()) continue;
        busy = true;
        Ready rd = n->raw->TakeReady();
        if (rd.snapshot) (void)n->storage.ApplySnapshot(*rd.snapshot);
        n->storage.Append(rd.entries);
        if (rd.hard_state) n->storage.SetHardState(*rd.hard_state);
        for (Message& m : rd.messages) pending_.push_back(std::move(m));
        n->applied += rd.committed_entries.size();
        n->raw->Advance();
      }
      std::vector<Message> msgs;
      msgs.swap(pending_);
      for (const Message& m : msgs) {
        busy = true;
        (void)nodes_[m.to - 1]->raw->Step(m);
      }
    }
  }

 private:
  struct Node {
    explicit Node(NodeId id) : random(id) {}
    MemoryStorage storage;
    Random random;
    std::unique_ptr<RawNode> raw;
    uint64_t applied = 0;
  };
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Message> pending_;
};

// Checks that every proposal of the run committed and reports the rate.
void ReportCommitted(benchmark::State& state, uint64_t committed, int batch,
                     size_t entry_bytes) {
  CAIRN_CHECK(committed == static_cast<uint64_t>(state.iterations()) * batch,
              "not every proposal committed");
  state.SetItemsProcessed(static_cast<int64_t>(committed));
  state.SetBytesProcessed(static_cast<int64_t>(committed * entry_bytes));
}

void BM_ProposeCommit3(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  Cluster cluster(3);
  const std::string payload(128, 'x');
  const uint64_t start = cluster.applied(0);
  for (auto _ : state) {
    for (int i = 0; i < batch; i++) {
      Status s = cluster.leader().Propose(payload);
      CAIRN_CHECK(s.ok(), "propose: %s", s.ToString().c_str());
    }
    cluster.RunUntilQuiet();
  }
  ReportCommitted(state, cluster.applied(0) - start, batch, payload.size());
}
BENCHMARK(BM_ProposeCommit3)->Arg(1)->Arg(16)->Arg(64)->Arg(256);

// The same, but each iteration's proposals go in one ProposeBatch, so the
// leader appends and ships them together.
void BM_ProposeBatchCommit3(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  Cluster cluster(3);
  const std::string payload(128, 'x');
  const uint64_t start = cluster.applied(0);
  for (auto _ : state) {
    Status s =
        cluster.leader().ProposeBatch(std::vector<std::string>(batch, payload));
    CAIRN_CHECK(s.ok(), "propose: %s", s.ToString().c_str());
    cluster.RunUntilQuiet();
  }
  ReportCommitted(state, cluster.applied(0) - start, batch, payload.size());
}
BENCHMARK(BM_ProposeBatchCommit3)->Arg(16)->Arg(64)->Arg(256);

}  // namespace
}  // namespace cairn::raft
