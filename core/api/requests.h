// The lease request and response messages of etcd's etcdserverpb (the
// keyspace's own live in core/mvcc/types.h, the cluster and maintenance ones
// in cluster_types.h), and GatewayRequest, the variant over every unary
// request the gateway decodes. Pure core: plain values, no threads or I/O.
// Field names are etcd's; fields keep proto3's defaults.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/api/auth_types.h"
#include "core/api/cluster_types.h"
#include "core/api/response_header.h"
#include "core/mvcc/types.h"

namespace cairn::api {

struct LeaseGrantRequest {
  int64_t ttl = 0;  // TTL, seconds
  int64_t id = 0;   // ID; 0 lets the server choose
};
struct LeaseRevokeRequest {
  int64_t id = 0;
};
struct LeaseTimeToLiveRequest {
  int64_t id = 0;
  bool keys = false;
};
struct LeaseLeasesRequest {};
struct LeaseKeepAliveRequest {
  int64_t id = 0;
};

struct LeaseGrantResponse {
  ResponseHeader header;
  int64_t id = 0;
  int64_t ttl = 0;
  std::string error;
};
struct LeaseRevokeResponse {
  ResponseHeader header;
};
struct LeaseTimeToLiveResponse {
  ResponseHeader header;
  int64_t id = 0;
  int64_t ttl = 0;  // -1 for a lease that does not exist
  int64_t granted_ttl = 0;
  std::vector<std::string> keys;
};
struct LeaseLeasesResponse {
  ResponseHeader header;
  std::vector<int64_t> leases;
};
struct LeaseKeepAliveResponse {
  ResponseHeader header;
  int64_t id = 0;
  int64_t ttl = 0;
};

// Any request the decoder understands, for dispatch on the URL path.
using GatewayRequest = std::variant<
    mvcc::RangeRequest, mvcc::PutRequest, mvcc::DeleteRangeRequest,
    mvcc::TxnRequest, mvcc::CompactionRequest, LeaseGrantRequest,
    LeaseRevokeRequest, LeaseTimeToLiveRequest, LeaseLeasesRequest,
    LeaseKeepAliveRequest, MemberAddRequest, MemberRemoveRequest,
    MemberUpdateRequest, MemberListRequest, MemberPromoteRequest, StatusRequest,
    HashRequest, HashKVRequest, AlarmRequest, MoveLeaderRequest,
    DefragmentRequest, AuthEnableRequest, AuthDisableRequest,
    AuthenticateRequest, AuthUserAddRequest, AuthUserGetRequest,
    AuthUserListRequest, AuthUserDeleteRequest, AuthUserChangePasswordRequest,
    AuthUserGrantRoleRequest, AuthUserRevokeRoleRequest, AuthRoleAddRequest,
    AuthRoleGetRequest, AuthRoleListRequest, AuthRoleDeleteRequest,
    AuthRoleGrantPermissionRequest, AuthRoleRevokePermissionRequest>;

}  // namespace cairn::api
