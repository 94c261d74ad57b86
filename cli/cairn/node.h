// Node: one running cairn member, assembled from its NodeConfig: the
// member's identity (etcd's ids, kept under the data directory), its
// LevelDB stores, the host loop (NodeHost), the peer transport and
// listener, and the client API listeners. Edge code; Start, Shutdown and
// the accessors are called by main's thread.
//
// Data directory layout: <data-dir>/member/identity (member and cluster
// id), member/raft (the Raft log, LevelDbRaftLogStore), member/kv (the
// keyspace, LevelDbBackend).
//
// Joining an existing cluster (--initial-cluster-state existing, after a
// member add): the node asks the other members of --initial-cluster for
// the membership (GET /members on their peer URLs), finds itself by its
// peer URLs, and waits for the leader's snapshot.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cli/cairn/logger.h"
#include "cli/cairn/node_config.h"
#include "core/util/result.h"

namespace cairn::node {

class Node {
 public:
  // Opens the stores and starts every listener and the loop. Errors:
  // kIOError for an unusable data dir or a port in use, kInvalidArgument
  // for flags that cannot work together, kUnavailable when an existing
  // cluster cannot be reached or does not know this member.
  static Result<std::unique_ptr<Node>> Start(const NodeConfig& config,
                                             JsonLogger& logger);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // SIGTERM: stop taking client requests, hand leadership over if
  // leader, answer what is in flight (up to `grace`), then stop.
  void Shutdown(std::chrono::milliseconds grace);
  // Blocks up to `timeout` for the member to stop by itself (it was
  // removed from the cluster); returns whether it has.
  bool WaitRemoved(std::chrono::milliseconds timeout);

 private:
  struct Parts;
  explicit Node(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace cairn::node
