// Server bugs of the kv workload that joined after the first three
// (PlantedBug in world.h holds those): planted in core/server through
// server::Config::SimBugs to prove that the kv checks catch them
// (docs/simulator.md). Simulator host code; plain values.
//
// They live apart from PlantedBug only so that world.cc (whose name
// tables list PlantedBug) need not change with them; cairnsim's
// --planted-bug accepts the names of both.
#pragma once

#include <optional>
#include <string_view>

namespace cairn::sim {

enum class KvBug {
  kNone,
  // A lease revoke (client or expiry) leaves the last of its keys in the
  // keyspace, attached to the lease that is gone.
  kLeaseRevokeKeepsKeys,
};

// "lease-revoke-keeps-keys" (and "none").
const char* KvBugName(KvBug bug);
// The bug named `name`, if any.
std::optional<KvBug> ParseKvBug(std::string_view name);

}  // namespace cairn::sim
