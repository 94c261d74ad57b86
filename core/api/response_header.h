// etcdserverpb.ResponseHeader as a client sees it, shared by every gateway
// response type. Pure core: a plain value, no threads or I/O.
#pragma once

#include <cstdint>

namespace cairn::api {

struct ResponseHeader {
  uint64_t cluster_id = 0;
  uint64_t member_id = 0;
  int64_t revision = 0;
  uint64_t raft_term = 0;
};

}  // namespace cairn::api
