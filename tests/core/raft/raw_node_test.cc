// RawNode: the Ready/Advance contract (must_sync, hard state only when it
// changed, no second Ready before Advance, local messages refused), and a
// seeded randomized cluster run (random ticks, drops, duplicates and
// reordering through the codec) that checks Raft's safety properties after
// every step: at most one leader per term, and every node applies the
// same entry at the same index. The same seed must give byte-identical
// traces.
#include "core/raft/raw_node.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "core/raft/codec.h"
#include "core/raft/describe.h"
#include "core/raft/memory_storage.h"

namespace cairn::raft {
namespace {

struct TestNode {
  explicit TestNode(uint64_t seed) : random(seed) {}
  MemoryStorage storage;
  Random random;
  std::unique_ptr<RawNode> raw;
  std::vector<Entry> applied;
};

std::unique_ptr<TestNode> MakeNode(NodeId id, size_t n, uint64_t seed,
                                   bool pre_vote) {
  auto node = std::make_unique<TestNode>(seed * 100 + id);
  Snapshot boot;
  boot.metadata.index = 1;
  boot.metadata.term = 1;
  for (NodeId v = 1; v <= n; v++) boot.metadata.conf_state.voters.push_back(v);
  EXPECT_TRUE(node->storage.ApplySnapshot(boot).ok());
  Config c;
  c.id = id;
  c.election_tick = 5;
  c.heartbeat_tick = 1;
  c.storage = &node->storage;
  c.random = &node->random;
  c.applied = 1;
  c.pre_vote = pre_vote;
  c.check_quorum = pre_vote;
  c.max_inflight_msgs = 4;
  c.max_size_per_msg = 64;
  node->raw = std::make_unique<RawNode>(c);
  return node;
}

TEST(RawNodeTest, ReadyContract) {
  auto n = MakeNode(1, 1, 7, false);
  RawNode& rn = *n->raw;
  EXPECT_FALSE(rn.HasReady());
  EXPECT_EQ(rn.Step(NewMsg(MessageType::kHup, 1, 1)).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(rn.Propose("x").code(), Code::kNoLeader);
  // Malformed peer messages are refused, never crash the node.
  EXPECT_EQ(rn.Step(NewMsg(MessageType::kSnap, 1, 2)).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(rn.Step(NewMsg(MessageType::kReadIndex, 1, 2)).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(rn.Step(NewMsg(MessageType::kProp, 1, 2)).code(),
            Code::kInvalidArgument);
  Message gap = NewMsg(MessageType::kApp, 1, 2);
  gap.term = 5;
  gap.index = 1;
  gap.entries.push_back(NewEntry("x"));  // index 0, not 2
  EXPECT_EQ(rn.Step(gap).code(), Code::kInvalidArgument);
  rn.Campaign();
  ASSERT_TRUE(rn.HasReady());
  Ready rd = rn.TakeReady();
  EXPECT_TRUE(rd.must_sync);  // term and vote changed, entry appended
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->term, 1u);
  ASSERT_EQ(rd.entries.size(), 1u);
  ASSERT_EQ(rd.committed_entries.size(), 1u);  // a single voter commits
  EXPECT_FALSE(rn.HasReady());                 // until Advance
  EXPECT_DEATH(rn.TakeReady(), "advanced");
  n->storage.Append(rd.entries);
  n->storage.SetHardState(*rd.hard_state);
  rn.Advance();
  EXPECT_FALSE(rn.HasReady());
  ASSERT_TRUE(rn.Propose("y").ok());
  rd = rn.TakeReady();
  EXPECT_TRUE(rd.must_sync);
  ASSERT_TRUE(rd.hard_state.has_value());  // commit moved
  n->storage.Append(rd.entries);
  rn.Advance();
  ASSERT_TRUE(rn.ProposeBatch({"b1", "b2"}).ok());
  rd = rn.TakeReady();
  ASSERT_EQ(rd.entries.size(), 2u);
  EXPECT_EQ(rd.entries[1].index, 5u);
  n->storage.Append(rd.entries);
  rn.Advance();
  EXPECT_EQ(rn.ProposeBatch({}).code(), Code::kInvalidArgument);
  rn.ReadIndex("ctx");
  rd = rn.TakeReady();
  EXPECT_FALSE(rd.must_sync);
  EXPECT_FALSE(rd.hard_state.has_value());
  ASSERT_EQ(rd.read_states.size(), 1u);
  EXPECT_EQ(rd.read_states[0].index, 5u);
  rn.Advance();
  EXPECT_EQ(rn.GetStatus().applied, 5u);
}

TEST(RawNodeTest, TransferRequestForwardedTwice) {
  // A follower that forwards a transfer request to a node that is no
  // longer leader: that node forwards it again instead of crashing.
  auto n = MakeNode(2, 3, 1, false);
  Message hb = NewMsg(MessageType::kHeartbeat, 2, 3);
  hb.term = 1;
  ASSERT_TRUE(n->raw->Step(hb).ok());  // 3 leads term 1 as far as 2 knows
  Message fwd = NewMsg(MessageType::kTransferLeader, 2, 1);
  fwd.term = 1;  // as stamped by the follower that forwarded it
  ASSERT_TRUE(n->raw->Step(fwd).ok());
  Ready rd = n->raw->TakeReady();
  bool forwarded = false;
  for (const Message& m : rd.messages) {
    forwarded |= m.type == MessageType::kTransferLeader && m.to == 3;
  }
  EXPECT_TRUE(forwarded);
}

// Runs a cluster with a lossy network for `steps` steps and returns a
// trace of every Ready; fails the test on any safety violation.
std::string RunRandomCluster(uint64_t seed, size_t n, int steps,
                             bool pre_vote) {
  Random rnd(seed);
  std::vector<std::unique_ptr<TestNode>> nodes;
  for (NodeId id = 1; id <= n; id++) {
    nodes.push_back(MakeNode(id, n, seed, pre_vote));
  }
  std::vector<std::string> net;  // encoded messages in flight
  std::map<Term, NodeId> leaders;
  std::map<Index, Entry> committed;
  std::string trace;
  int proposals = 0;
  for (int step = 0; step < steps; step++) {
    TestNode& t = *nodes[rnd.Uniform(n)];
    const uint64_t action = rnd.Uniform(10);
    if (action < 1) {
      t.raw->Tick();
    } else if (action < 2) {
      (void)t.raw->Propose("p" + std::to_string(proposals++));
    } else if (!net.empty()) {
      // Deliver a random message (reordering); sometimes drop or
      // duplicate it.
      // Mostly in order, with some reordering among the oldest few.
      const size_t i = rnd.Uniform(std::min<size_t>(net.size(), 4));
      std::string wire = net[i];
      if (!rnd.OneIn(1, 20)) net.erase(net.begin() + i);  // else duplicate
      if (rnd.OneIn(1, 20)) continue;                     // dropped
      Result<Message> m = DecodeMessage(wire);
      EXPECT_TRUE(m.ok()) << "codec";
      if (!m.ok()) break;
      (void)nodes[m.value().to - 1]->raw->Step(m.value());
    }
    for (auto& node : nodes) {
      if (!node->raw->HasReady()) continue;
      Ready rd = node->raw->TakeReady();
      trace += DescribeReady(rd);
      if (rd.snapshot) {
        EXPECT_TRUE(node->storage.ApplySnapshot(*rd.snapshot).ok());
      }
      node->storage.Append(rd.entries);
      if (rd.hard_state) node->storage.SetHardState(*rd.hard_state);
      for (const Message& m : rd.messages) net.push_back(EncodeMessage(m));
      for (const Entry& e : rd.committed_entries) {
        auto [it, fresh] = committed.emplace(e.index, e);
        // State machine safety: one entry per index, everywhere.
        EXPECT_EQ(it->second, e) << "seed " << seed << " index " << e.index;
        node->applied.push_back(e);
      }
      node->raw->Advance();
      const Raft& r = node->raw->raft();
      if (r.state() == StateType::kLeader) {
        auto [it, fresh] = leaders.emplace(r.term(), r.id());
        // Election safety: at most one leader per term.
        EXPECT_EQ(it->second, r.id())
            << "seed " << seed << " term " << r.term();
      }
    }
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_FALSE(leaders.empty()) << "seed " << seed << ": nobody led";
  EXPECT_GT(committed.size(), 50u) << "seed " << seed << ": no progress";
  return trace;
}

TEST(RawNodeTest, RandomizedClusterIsSafe) {
  for (uint64_t seed = 1; seed <= 12; seed++) {
    SCOPED_TRACE(seed);
    RunRandomCluster(seed, 3 + seed % 3, 3000, seed % 2 == 0);
    if (HasFailure()) return;
  }
}

TEST(RawNodeTest, SameSeedSameTrace) {
  const std::string a = RunRandomCluster(99, 3, 1500, true);
  const std::string b = RunRandomCluster(99, 3, 1500, true);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, RunRandomCluster(100, 3, 1500, true));
}

}  // namespace
}  // namespace cairn::raft
