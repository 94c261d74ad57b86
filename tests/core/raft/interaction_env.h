// InteractionEnv: drives a cluster of RawNodes from transcript commands,
// after etcd-io/raft's rafttest.InteractionEnv. Each node has a
// MemoryStorage, its own seeded Random and a tiny state machine (the list
// of applied payloads). Messages wait in one in-flight queue until a
// command delivers or drops them; every message crosses the wire codec
// (encode then decode) on delivery. Test code, single-threaded.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/raft/memory_storage.h"
#include "core/raft/raw_node.h"
#include "core/util/random.h"
#include "tests/support/datadriven.h"

namespace cairn::raft {

class InteractionEnv {
 public:
  // Runs one transcript command and returns its output.
  std::string Handle(const testing::TestData& d);

 private:
  struct Node {
    std::unique_ptr<MemoryStorage> storage;
    std::unique_ptr<Random> random;
    std::unique_ptr<RawNode> raw;
    // The state machine: applied payloads, and its history by index so
    // that a snapshot at any applied index can be taken.
    std::vector<std::string> state;
    std::map<Index, std::vector<std::string>> state_at;
    std::map<Index, ConfState> conf_at;
    ConfState conf_state;
  };

  std::string AddNodes(const testing::TestData& d);
  std::string ProcessReady(NodeId id);
  void Apply(Node& n, const Entry& e);
  std::string DeliverMsgs(const testing::TestData& d);
  std::string Deliver(NodeId id, const std::string& type_filter);
  std::string Stabilize(const std::vector<NodeId>& ids);
  std::string Tick(NodeId id, int n);
  std::string RaftState();
  std::string RaftLogOf(NodeId id);
  std::string StatusOf(NodeId id);
  std::string Compact(NodeId id, Index index);
  std::string ProposeConfChange(const testing::TestData& d);
  std::string StateOf(NodeId id);
  std::vector<NodeId> Ids(const testing::TestData& d) const;
  // Queues a node's outgoing messages, dropping those that cross a
  // partition.
  void Enqueue(std::vector<Message> msgs, std::string* out);
  bool Cut(NodeId a, NodeId b) const;
  Node& N(NodeId id);

  std::vector<Node> nodes_;  // node i has id i + 1
  std::vector<Message> inflight_;
  // Partition: a node id -> group number; nodes in different groups (or
  // isolated ones) cannot exchange messages.
  std::map<NodeId, int> group_;
  std::string* out_ = nullptr;  // where raft log lines go right now
  bool log_enabled_ = true;
  int election_tick_ = 3;
  int heartbeat_tick_ = 1;
};

}  // namespace cairn::raft
