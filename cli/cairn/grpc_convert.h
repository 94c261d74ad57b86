// Conversions between etcd's protobuf messages (cli/cairn/grpc/proto) and
// cairn's request and response values (core/mvcc, core/api): the whole of
// what the gRPC front end adds to the path the JSON gateway takes. Edge
// code: stateless functions, no threads or I/O, never throw.
//
// Requests: FromProto gives the api::GatewayRequest NodeHost::Call
// serves; enum fields pass any number through, as the gateway's decoder
// does (the core treats unknown ones as etcd does). Errors: a txn nested
// deeper than api::kMaxTxnDepth is kInvalidArgument, with the gateway's
// text.
//
// Responses: ToProto fills `out` from a HostAnswer. The top-level header
// is the answering member's, with the revision a keyspace response (or a
// lease revoke) carries itself, as server::EncodeResponse prints it; the
// responses inside a txn carry only their own revision, as in etcd; the
// member calls' header has no revision, and Alarm, Defragment and
// MoveLeader answers have no header (etcd 3.4's cluster and maintenance
// servers build them so).
// Errors: kIOError when the answer is not the response type `out` asks
// for (a bug: the host answers each request with its own type).
//
// Errors: ToGrpcStatus gives etcd's gRPC status for a Status, the code
// and message the JSON gateway reports (api::ToGatewayError), e.g.
// OUT_OF_RANGE "etcdserver: mvcc: required revision has been compacted".
#pragma once

#include <grpcpp/support/status.h>

#include "cli/cairn/host_answer.h"
#include "core/api/requests.h"
#include "core/api/watch_codec.h"
#include "core/util/result.h"
#include "etcdserverpb/rpc.pb.h"

namespace cairn::node {

grpc::Status ToGrpcStatus(const Status& status);

Result<api::GatewayRequest> FromProto(const etcdserverpb::RangeRequest& in);
Result<api::GatewayRequest> FromProto(const etcdserverpb::PutRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::DeleteRangeRequest& in);
Result<api::GatewayRequest> FromProto(const etcdserverpb::TxnRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::CompactionRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::LeaseGrantRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::LeaseRevokeRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::LeaseTimeToLiveRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::LeaseLeasesRequest& in);
Result<api::GatewayRequest> FromProto(const etcdserverpb::MemberAddRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::MemberRemoveRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::MemberUpdateRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::MemberListRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::MemberPromoteRequest& in);
Result<api::GatewayRequest> FromProto(const etcdserverpb::AlarmRequest& in);
Result<api::GatewayRequest> FromProto(const etcdserverpb::StatusRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::DefragmentRequest& in);
Result<api::GatewayRequest> FromProto(const etcdserverpb::HashRequest& in);
Result<api::GatewayRequest> FromProto(const etcdserverpb::HashKVRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::MoveLeaderRequest& in);

Status ToProto(const HostAnswer& a, etcdserverpb::RangeResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::PutResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::DeleteRangeResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::TxnResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::CompactionResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::LeaseGrantResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::LeaseRevokeResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::LeaseTimeToLiveResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::LeaseLeasesResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::MemberAddResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::MemberRemoveResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::MemberUpdateResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::MemberListResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::MemberPromoteResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AlarmResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::StatusResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::DefragmentResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::HashResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::HashKVResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::MoveLeaderResponse* out);

// Lease keep-alive: each request of the stream is served as the gateway's
// unary /v3/lease/keepalive.
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::LeaseKeepAliveRequest& in);
Status ToProto(const HostAnswer& a, etcdserverpb::LeaseKeepAliveResponse* out);

// Watch: a stream's request as the gateway's decoder gives it (monostate
// when no member of the oneof is set: ignored, as etcd ignores it; unknown
// filter numbers are dropped), and a watch response with the answering
// member's header (cluster, member, term) and the response's own revision
// (0 on a compacted cancel), as api::EncodeWatchResponse prints them.
api::WatchRequest FromProto(const etcdserverpb::WatchRequest& in);
void ToProto(const mvcc::WatchResponse& resp, const api::ResponseHeader& header,
             etcdserverpb::WatchResponse* out);

// Auth: etcd 3.4's Auth service (there is no AuthStatus in 3.4). Every
// answer carries the member's header.
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthEnableRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthDisableRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthenticateRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthUserAddRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthUserGetRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthUserListRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthUserDeleteRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthUserChangePasswordRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthUserGrantRoleRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthUserRevokeRoleRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthRoleAddRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthRoleGetRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthRoleListRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthRoleDeleteRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthRoleGrantPermissionRequest& in);
Result<api::GatewayRequest> FromProto(
    const etcdserverpb::AuthRoleRevokePermissionRequest& in);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthEnableResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthDisableResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthenticateResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthUserAddResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthUserGetResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthUserListResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthUserDeleteResponse* out);
Status ToProto(const HostAnswer& a,
               etcdserverpb::AuthUserChangePasswordResponse* out);
Status ToProto(const HostAnswer& a,
               etcdserverpb::AuthUserGrantRoleResponse* out);
Status ToProto(const HostAnswer& a,
               etcdserverpb::AuthUserRevokeRoleResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthRoleAddResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthRoleGetResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthRoleListResponse* out);
Status ToProto(const HostAnswer& a, etcdserverpb::AuthRoleDeleteResponse* out);
Status ToProto(const HostAnswer& a,
               etcdserverpb::AuthRoleGrantPermissionResponse* out);
Status ToProto(const HostAnswer& a,
               etcdserverpb::AuthRoleRevokePermissionResponse* out);

}  // namespace cairn::node
