#include "simulator/server_bugs.h"

namespace cairn::sim {

server::Config::SimBugs ServerBugs(PlantedBug bug, KvBug kv_bug) {
  server::Config::SimBugs b;
  b.follower_local_read = bug == PlantedBug::kFollowerLocalRead;
  b.skip_watch_event = bug == PlantedBug::kSkipWatchEvent;
  b.applied_index_apart = bug == PlantedBug::kAppliedIndexApart;
  b.lease_revoke_keeps_keys = kv_bug == KvBug::kLeaseRevokeKeepsKeys;
  return b;
}

std::optional<server::Config::SimBugs> ParseServerBug(std::string_view name) {
  const std::optional<PlantedBug> bug = ParsePlantedBug(name);
  const std::optional<KvBug> kv_bug = ParseKvBug(name);
  if (!bug.has_value() && !kv_bug.has_value()) return std::nullopt;
  const server::Config::SimBugs b = ServerBugs(bug.value_or(PlantedBug::kNone),
                                               kv_bug.value_or(KvBug::kNone));
  const bool any = b.follower_local_read || b.skip_watch_event ||
                   b.applied_index_apart || b.lease_revoke_keeps_keys;
  if (!any && name != "none") return std::nullopt;
  return b;
}

}  // namespace cairn::sim
