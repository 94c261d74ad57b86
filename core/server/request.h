// The requests a Server accepts and the responses it gives: one variant
// over the keyspace (core/mvcc), lease (core/api/requests.h) and cluster
// (core/api/cluster_types.h) messages, plus the internal write requests
// that only the server itself proposes (lease checkpoints, revokes of
// expired leases), and etcd 3.4's error texts for the failures the server
// layer adds (not leader, timeouts, membership, alarms).
//
// Pure core: plain values and stateless functions; no threads or I/O.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/api/auth_types.h"
#include "core/api/cluster_types.h"
#include "core/api/requests.h"
#include "core/lease/lessor.h"
#include "core/mvcc/types.h"
#include "core/mvcc/watch_hub.h"
#include "core/util/result.h"
#include "core/util/status.h"

namespace cairn::server {

// A batch of remaining-TTL checkpoints (etcd's LeaseCheckpointRequest).
// Proposed by the leader only.
struct LeaseCheckpointRequest {
  std::vector<lease::Checkpoint> checkpoints;
};

// A member's own attributes (etcd's publish of memberAttributes: the name
// and client URLs it serves), proposed by that member until applied.
struct MemberAttributesRequest {
  uint64_t id = 0;
  std::string name;
  std::vector<std::string> client_urls;
};

// An authentication as it travels through the log: the password hash the
// edge verified (the entry fails if the user's hash changed meanwhile)
// and the random prefix of the token the entry's index completes. The
// password itself never travels.
struct AuthenticateOp {
  std::string name;
  std::string verified_hash;
  std::string token_prefix;
};

// Every auth call goes through the log, as in etcd (queries too, so that
// they see every change committed before them). A user add or password
// change carries the hash, never the password.
using AuthOp = std::variant<
    api::AuthEnableRequest, api::AuthDisableRequest, AuthenticateOp,
    api::AuthUserAddRequest, api::AuthUserGetRequest, api::AuthUserListRequest,
    api::AuthUserDeleteRequest, api::AuthUserChangePasswordRequest,
    api::AuthUserGrantRoleRequest, api::AuthUserRevokeRoleRequest,
    api::AuthRoleAddRequest, api::AuthRoleGetRequest, api::AuthRoleListRequest,
    api::AuthRoleDeleteRequest, api::AuthRoleGrantPermissionRequest,
    api::AuthRoleRevokePermissionRequest>;

struct AuthWriteRequest {
  AuthOp op;
};

// Everything a client may submit.
using Request = std::variant<
    mvcc::RangeRequest, mvcc::PutRequest, mvcc::DeleteRangeRequest,
    mvcc::TxnRequest, mvcc::CompactionRequest, api::LeaseGrantRequest,
    api::LeaseRevokeRequest, api::LeaseTimeToLiveRequest,
    api::LeaseLeasesRequest, api::LeaseKeepAliveRequest, api::MemberAddRequest,
    api::MemberRemoveRequest, api::MemberUpdateRequest, api::MemberListRequest,
    api::MemberPromoteRequest, api::AlarmRequest, api::StatusRequest,
    api::HashKVRequest, api::MoveLeaderRequest, api::AuthEnableRequest,
    api::AuthDisableRequest, api::AuthenticateRequest, api::AuthUserAddRequest,
    api::AuthUserGetRequest, api::AuthUserListRequest,
    api::AuthUserDeleteRequest, api::AuthUserChangePasswordRequest,
    api::AuthUserGrantRoleRequest, api::AuthUserRevokeRoleRequest,
    api::AuthRoleAddRequest, api::AuthRoleGetRequest, api::AuthRoleListRequest,
    api::AuthRoleDeleteRequest, api::AuthRoleGrantPermissionRequest,
    api::AuthRoleRevokePermissionRequest>;

// The answer to a Request, one alternative per request type (a
// LeaseKeepAliveRequest gets a LeaseKeepAliveResponse, and so on).
using Response = std::variant<
    mvcc::RangeResponse, mvcc::PutResponse, mvcc::DeleteRangeResponse,
    mvcc::TxnResponse, mvcc::CompactionResponse, api::LeaseGrantResponse,
    api::LeaseRevokeResponse, api::LeaseTimeToLiveResponse,
    api::LeaseLeasesResponse, api::LeaseKeepAliveResponse,
    api::MemberAddResponse, api::MemberRemoveResponse,
    api::MemberUpdateResponse, api::MemberListResponse,
    api::MemberPromoteResponse, api::AlarmResponse, api::StatusResponse,
    mvcc::HashKVResponse, api::MoveLeaderResponse, api::AuthResponse,
    api::AuthenticateResponse, api::AuthUserGetResponse,
    api::AuthUserListResponse, api::AuthRoleGetResponse,
    api::AuthRoleListResponse>;

// The requests that travel through the Raft log as normal entries. Member
// add/remove/promote travel as conf changes instead (entry_codec.h).
using WriteRequest =
    std::variant<mvcc::PutRequest, mvcc::DeleteRangeRequest, mvcc::TxnRequest,
                 mvcc::CompactionRequest, api::LeaseGrantRequest,
                 api::LeaseRevokeRequest, LeaseCheckpointRequest,
                 api::AlarmRequest, api::MemberUpdateRequest,
                 MemberAttributesRequest, AuthWriteRequest>;

// One answer for the host: the token it gave with Submit and the result.
struct ClientResponse {
  uint64_t client_token = 0;
  Result<Response> result;
};

// One watch response for the host, with the watch id of the client stream
// (not the hub's global id).
struct StreamWatchResponse {
  uint64_t stream_id = 0;
  mvcc::WatchResponse response;
};

// etcd 3.4's server errors (etcdserver/api/v3rpc/rpctypes/error.go), with
// the Status code that maps to etcd's gRPC code in core/api.
Status ErrNotLeader();         // kNotLeader "etcdserver: not leader"
Status ErrNoLeader();          // kNoLeader "etcdserver: no leader"
Status ErrTimeout();           // kTimeout "etcdserver: request timed out"
Status ErrLeaderChanged();     // kUnavailable "etcdserver: leader changed"
Status ErrTooManyRequests();   // kTooManyRequests "...: too many requests"
Status ErrMemberNotFound();    // kNotFound "etcdserver: member not found"
Status ErrMemberExist();       // "etcdserver: member ID already exist"
Status ErrPeerUrlExist();      // "etcdserver: Peer URLs already exists"
Status ErrMemberNotLearner();  // "...: can only promote a learner member"
Status ErrLearnerNotReady();   // "... which is in sync with leader"
Status ErrUnhealthy();         // kUnavailable "etcdserver: unhealthy cluster"
Status ErrNoSpace();           // "etcdserver: mvcc: database space exceeded"
Status ErrBadLeaderTransferee();    // "etcdserver: bad leader transferee"
Status ErrTimeoutLeaderTransfer();  // "...leader transfer took too long"
Status ErrStopped();                // kUnavailable "etcdserver: server stopped"

// True for the /v3/auth/* calls (they go through Raft, queries too).
bool IsAuthRequest(const Request& req);

// True for the requests that change replicated state (they go through
// Raft); MemberList/Status/HashKV/Alarm-get/reads/keep-alives do not.
bool IsWrite(const Request& req);

// A one-line rendering for transcripts and logs (STYLE.md T3).
std::string DescribeResponse(const Response& resp);
// The name of the request's type, e.g. "put", "lease-grant".
std::string RequestName(const Request& req);

}  // namespace cairn::server
