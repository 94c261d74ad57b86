// ViewRecorder: the structured trace events the replay view
// (replay_view/replay.html) draws, for the worlds that run full servers
// (the scenario runner and the kv workload): each member's role, term,
// commit and applied index, leader and membership (`state`), its log's
// terms (`entries`, as a changed suffix), its keyspace (`kv`, when its
// applied index moves) and the network's cut links (`net`), each emitted
// only when it changed. Bounded: the last kViewEntries entries of a log,
// the first kViewKeys keys of a keyspace. Simulator host code;
// deterministic (ordered containers only).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/network.h"
#include "simulator/server_node.h"

namespace cairn::sim {

// A Raft role as traces and scenarios name it ("pre-candidate").
const char* RoleWord(raft::StateType s);

class ViewRecorder {
 public:
  using EmitFn = std::function<void(std::string_view ev, nlohmann::json)>;
  // The name a member has in the trace ("n3").
  using NameFn = std::function<std::string(uint64_t id)>;

  ViewRecorder(EmitFn emit, NameFn name);

  // Records member `id` (running, paused or crashed) where it changed.
  void Member(uint64_t id, ServerNode& node, bool paused);
  // Records the cut links where they changed.
  void Cuts(const Network& network);
  // The id of the next message copy sent (send/deliver/lost events).
  uint64_t NextMessageId() { return next_message_id_++; }

 private:
  struct Seen {
    std::string state;
    uint64_t first = 0;
    std::vector<uint64_t> terms;
    uint64_t applied = UINT64_MAX;
  };
  void Log(uint64_t id, SimLogStore& disk, Seen& seen);
  void Keyspace(uint64_t id, const server::Server& s, Seen& seen);

  EmitFn emit_;
  NameFn name_;
  std::map<uint64_t, Seen> seen_;
  std::string cuts_;
  uint64_t next_message_id_ = 1;
};

}  // namespace cairn::sim
