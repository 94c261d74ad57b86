#include "simulator/kv_bugs.h"

namespace cairn::sim {

const char* KvBugName(KvBug bug) {
  switch (bug) {
    case KvBug::kNone:
      return "none";
    case KvBug::kLeaseRevokeKeepsKeys:
      return "lease-revoke-keeps-keys";
  }
  return "?";
}

std::optional<KvBug> ParseKvBug(std::string_view name) {
  for (KvBug b : {KvBug::kNone, KvBug::kLeaseRevokeKeepsKeys}) {
    if (name == KvBugName(b)) return b;
  }
  return std::nullopt;
}

}  // namespace cairn::sim
