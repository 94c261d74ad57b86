// The planted bugs that live in core/server (server::Config::SimBugs),
// by the names cairnsim's --planted-bug takes (PlantedBug in world.h and
// KvBug in kv_bugs.h). Simulator host code; plain values.
#pragma once

#include <optional>
#include <string_view>

#include "core/server/server.h"
#include "simulator/kv_bugs.h"
#include "simulator/world.h"

namespace cairn::sim {

// The server bugs to plant for a --planted-bug choice; all off for bugs
// planted outside the server (in Raft or the host).
server::Config::SimBugs ServerBugs(PlantedBug bug, KvBug kv_bug);
// Parses a --planted-bug name that plants a server bug (or "none").
std::optional<server::Config::SimBugs> ParseServerBug(std::string_view name);

}  // namespace cairn::sim
