#include "cli/cairn/grpc_convert.h"

#include <string>
#include <type_traits>
#include <utility>

#include "core/api/gateway_error.h"
#include "core/api/request_decoder.h"

namespace cairn::node {

namespace pb = etcdserverpb;

namespace {

// ---- Requests ---------------------------------------------------------------

mvcc::RangeRequest Range(const pb::RangeRequest& in) {
  return mvcc::RangeRequest{
      .key = in.key(),
      .range_end = in.range_end(),
      .limit = in.limit(),
      .revision = in.revision(),
      .sort_order = static_cast<mvcc::SortOrder>(in.sort_order()),
      .sort_target = static_cast<mvcc::SortTarget>(in.sort_target()),
      .serializable = in.serializable(),
      .keys_only = in.keys_only(),
      .count_only = in.count_only(),
      .min_mod_revision = in.min_mod_revision(),
      .max_mod_revision = in.max_mod_revision(),
      .min_create_revision = in.min_create_revision(),
      .max_create_revision = in.max_create_revision()};
}

mvcc::PutRequest Put(const pb::PutRequest& in) {
  return mvcc::PutRequest{.key = in.key(),
                          .value = in.value(),
                          .lease = in.lease(),
                          .prev_kv = in.prev_kv(),
                          .ignore_value = in.ignore_value(),
                          .ignore_lease = in.ignore_lease()};
}

mvcc::DeleteRangeRequest DeleteRange(const pb::DeleteRangeRequest& in) {
  return mvcc::DeleteRangeRequest{
      .key = in.key(), .range_end = in.range_end(), .prev_kv = in.prev_kv()};
}

// The target_union oneof lands in the field of its member; cairn's
// Compare reads the one its target names, so a union holding another
// field compares against the default value, as etcd's compareKV does.
mvcc::Compare CompareOf(const pb::Compare& in) {
  mvcc::Compare c;
  c.result = static_cast<mvcc::Compare::Result>(in.result());
  c.target = static_cast<mvcc::Compare::Target>(in.target());
  c.key = in.key();
  c.range_end = in.range_end();
  switch (in.target_union_case()) {
    case pb::Compare::kVersion:
      c.version = in.version();
      break;
    case pb::Compare::kCreateRevision:
      c.create_revision = in.create_revision();
      break;
    case pb::Compare::kModRevision:
      c.mod_revision = in.mod_revision();
      break;
    case pb::Compare::kValue:
      c.value = in.value();
      break;
    case pb::Compare::kLease:
      c.lease = in.lease();
      break;
    case pb::Compare::TARGET_UNION_NOT_SET:
      break;
  }
  return c;
}

Result<mvcc::TxnRequest> Txn(const pb::TxnRequest& in, int depth);

// An op with no request set stays monostate: the keyspace refuses it
// with "etcdserver: key not found", as etcd does.
Result<mvcc::RequestOp> Op(const pb::RequestOp& in, int depth) {
  mvcc::RequestOp op;
  switch (in.request_case()) {
    case pb::RequestOp::kRequestRange:
      op.request = Range(in.request_range());
      break;
    case pb::RequestOp::kRequestPut:
      op.request = Put(in.request_put());
      break;
    case pb::RequestOp::kRequestDeleteRange:
      op.request = DeleteRange(in.request_delete_range());
      break;
    case pb::RequestOp::kRequestTxn: {
      if (depth + 1 > api::kMaxTxnDepth) {
        return Status::InvalidArgument("cairn: txn nested deeper than " +
                                       std::to_string(api::kMaxTxnDepth) +
                                       " levels");
      }
      Result<mvcc::TxnRequest> t = Txn(in.request_txn(), depth + 1);
      if (!t.ok()) return t.status();
      op.request = std::move(t).value();
      break;
    }
    case pb::RequestOp::REQUEST_NOT_SET:
      break;
  }
  return op;
}

Result<std::vector<mvcc::RequestOp>> Ops(
    const google::protobuf::RepeatedPtrField<pb::RequestOp>& in, int depth) {
  std::vector<mvcc::RequestOp> out;
  out.reserve(static_cast<size_t>(in.size()));
  for (const pb::RequestOp& op : in) {
    Result<mvcc::RequestOp> o = Op(op, depth);
    if (!o.ok()) return o.status();
    out.push_back(std::move(o).value());
  }
  return out;
}

Result<mvcc::TxnRequest> Txn(const pb::TxnRequest& in, int depth) {
  mvcc::TxnRequest txn;
  for (const pb::Compare& c : in.compare()) txn.compare.push_back(CompareOf(c));
  Result<std::vector<mvcc::RequestOp>> success = Ops(in.success(), depth);
  if (!success.ok()) return success.status();
  Result<std::vector<mvcc::RequestOp>> failure = Ops(in.failure(), depth);
  if (!failure.ok()) return failure.status();
  txn.success = std::move(success).value();
  txn.failure = std::move(failure).value();
  return txn;
}

std::vector<std::string> Strings(
    const google::protobuf::RepeatedPtrField<std::string>& in) {
  return std::vector<std::string>(in.begin(), in.end());
}

// ---- Responses --------------------------------------------------------------

// The alternative T of a Server response, or null.
template <typename T>
const T* Get(const HostAnswer& a) {
  if constexpr (std::is_same_v<T, api::HashResponse> ||
                std::is_same_v<T, api::DefragmentResponse>) {
    return std::get_if<T>(&a.response);
  } else {
    const auto* r = std::get_if<server::Response>(&a.response);
    return r == nullptr ? nullptr : std::get_if<T>(r);
  }
}

template <typename T>
Status Mismatch() {
  return Status::IOError(std::string("cairn: the answer is not a ") +
                         T::descriptor()->name());
}

// The top-level header: the member's, with the response's own revision
// when it has one (server::EncodeResponse's rule).
void SetHeader(const api::ResponseHeader& member, int64_t own_revision,
               pb::ResponseHeader* out) {
  out->set_cluster_id(member.cluster_id);
  out->set_member_id(member.member_id);
  out->set_revision(own_revision != 0 ? own_revision : member.revision);
  out->set_raft_term(member.raft_term);
}

void SetKv(const mvcc::KeyValue& kv, mvccpb::KeyValue* out) {
  out->set_key(kv.key);
  out->set_create_revision(kv.create_revision);
  out->set_mod_revision(kv.mod_revision);
  out->set_version(kv.version);
  out->set_value(kv.value);
  out->set_lease(kv.lease);
}

// The bodies of the keyspace responses, without their header.
void SetRange(const mvcc::RangeResponse& r, pb::RangeResponse* out) {
  for (const mvcc::KeyValue& kv : r.kvs) SetKv(kv, out->add_kvs());
  out->set_more(r.more);
  out->set_count(r.count);
}

void SetPut(const mvcc::PutResponse& r, pb::PutResponse* out) {
  if (r.prev_kv.has_value()) SetKv(*r.prev_kv, out->mutable_prev_kv());
}

void SetDeleteRange(const mvcc::DeleteRangeResponse& r,
                    pb::DeleteRangeResponse* out) {
  out->set_deleted(r.deleted);
  for (const mvcc::KeyValue& kv : r.prev_kvs) SetKv(kv, out->add_prev_kvs());
}

void SetTxn(const mvcc::TxnResponse& r, pb::TxnResponse* out);

// A response inside a txn: its header holds only its own revision.
void SetOp(const mvcc::ResponseOp& op, pb::ResponseOp* out) {
  if (const auto* r = std::get_if<mvcc::RangeResponse>(&op.response)) {
    pb::RangeResponse* o = out->mutable_response_range();
    o->mutable_header()->set_revision(r->header.revision);
    SetRange(*r, o);
  } else if (const auto* p = std::get_if<mvcc::PutResponse>(&op.response)) {
    pb::PutResponse* o = out->mutable_response_put();
    o->mutable_header()->set_revision(p->header.revision);
    SetPut(*p, o);
  } else if (const auto* d =
                 std::get_if<mvcc::DeleteRangeResponse>(&op.response)) {
    pb::DeleteRangeResponse* o = out->mutable_response_delete_range();
    o->mutable_header()->set_revision(d->header.revision);
    SetDeleteRange(*d, o);
  } else {
    const auto& t = std::get<mvcc::TxnResponse>(op.response);
    pb::TxnResponse* o = out->mutable_response_txn();
    o->mutable_header()->set_revision(t.header.revision);
    SetTxn(t, o);
  }
}

void SetTxn(const mvcc::TxnResponse& r, pb::TxnResponse* out) {
  out->set_succeeded(r.succeeded);
  for (const mvcc::ResponseOp& op : r.responses) {
    SetOp(op, out->add_responses());
  }
}

void SetMember(const api::Member& m, pb::Member* out) {
  out->set_id(m.id);
  out->set_name(m.name);
  for (const std::string& u : m.peer_urls) out->add_peerurls(u);
  for (const std::string& u : m.client_urls) out->add_clienturls(u);
  out->set_islearner(m.is_learner);
}

template <typename Out>
void SetMembers(const std::vector<api::Member>& members, Out* out) {
  for (const api::Member& m : members) SetMember(m, out->add_members());
}

// The common shape of a conversion: the answer's alternative T, its
// header, then `body` for the rest.
template <typename T, typename Out, typename Body>
Status Convert(const HostAnswer& a, Out* out, Body body) {
  const T* r = Get<T>(a);
  if (r == nullptr) return Mismatch<Out>();
  SetHeader(a.header, r->header.revision, out->mutable_header());
  body(*r, out);
  return Status::Ok();
}

constexpr auto kNoBody = [](const auto&, auto*) {};

// Alarm, Defragment and MoveLeader: etcd's maintenance server answers
// them without a header (api::EncodeAlarmResponse prints none either).
template <typename T, typename Out, typename Body>
Status ConvertHeaderless(const HostAnswer& a, Out* out, Body body) {
  const T* r = Get<T>(a);
  if (r == nullptr) return Mismatch<Out>();
  body(*r, out);
  return Status::Ok();
}

// The member calls: etcd's cluster server builds their header without a
// revision (as api::EncodeMemberListResponse prints it).
template <typename T, typename Out>
Status ConvertMembers(const HostAnswer& a, Out* out) {
  Status s = Convert<T>(a, out, [](const T& r, Out* o) {
    if constexpr (std::is_same_v<T, api::MemberAddResponse>) {
      SetMember(r.member, o->mutable_member());
    }
    SetMembers(r.members, o);
  });
  out->mutable_header()->set_revision(0);
  return s;
}

}  // namespace

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  api::GatewayError err = api::ToGatewayError(status);
  // api::GrpcCode numbers are gRPC's.
  return grpc::Status(static_cast<grpc::StatusCode>(err.grpc_code),
                      err.message);
}

// ---- Requests ---------------------------------------------------------------

Result<api::GatewayRequest> FromProto(const pb::RangeRequest& in) {
  return api::GatewayRequest(Range(in));
}
Result<api::GatewayRequest> FromProto(const pb::PutRequest& in) {
  return api::GatewayRequest(Put(in));
}
Result<api::GatewayRequest> FromProto(const pb::DeleteRangeRequest& in) {
  return api::GatewayRequest(DeleteRange(in));
}
Result<api::GatewayRequest> FromProto(const pb::TxnRequest& in) {
  Result<mvcc::TxnRequest> t = Txn(in, 1);
  if (!t.ok()) return t.status();
  return api::GatewayRequest(std::move(t).value());
}
Result<api::GatewayRequest> FromProto(const pb::CompactionRequest& in) {
  return api::GatewayRequest(mvcc::CompactionRequest{
      .revision = in.revision(), .physical = in.physical()});
}
Result<api::GatewayRequest> FromProto(const pb::LeaseGrantRequest& in) {
  return api::GatewayRequest(
      api::LeaseGrantRequest{.ttl = in.ttl(), .id = in.id()});
}
Result<api::GatewayRequest> FromProto(const pb::LeaseRevokeRequest& in) {
  return api::GatewayRequest(api::LeaseRevokeRequest{.id = in.id()});
}
Result<api::GatewayRequest> FromProto(const pb::LeaseTimeToLiveRequest& in) {
  return api::GatewayRequest(
      api::LeaseTimeToLiveRequest{.id = in.id(), .keys = in.keys()});
}
Result<api::GatewayRequest> FromProto(const pb::LeaseLeasesRequest&) {
  return api::GatewayRequest(api::LeaseLeasesRequest{});
}
Result<api::GatewayRequest> FromProto(const pb::MemberAddRequest& in) {
  return api::GatewayRequest(api::MemberAddRequest{
      .peer_urls = Strings(in.peerurls()), .is_learner = in.islearner()});
}
Result<api::GatewayRequest> FromProto(const pb::MemberRemoveRequest& in) {
  return api::GatewayRequest(api::MemberRemoveRequest{.id = in.id()});
}
Result<api::GatewayRequest> FromProto(const pb::MemberUpdateRequest& in) {
  return api::GatewayRequest(api::MemberUpdateRequest{
      .id = in.id(), .peer_urls = Strings(in.peerurls())});
}
Result<api::GatewayRequest> FromProto(const pb::MemberListRequest&) {
  return api::GatewayRequest(api::MemberListRequest{});
}
Result<api::GatewayRequest> FromProto(const pb::MemberPromoteRequest& in) {
  return api::GatewayRequest(api::MemberPromoteRequest{.id = in.id()});
}
Result<api::GatewayRequest> FromProto(const pb::AlarmRequest& in) {
  return api::GatewayRequest(api::AlarmRequest{
      .action = static_cast<api::AlarmRequest::Action>(in.action()),
      .member_id = in.memberid(),
      .alarm = static_cast<api::AlarmType>(in.alarm())});
}
Result<api::GatewayRequest> FromProto(const pb::StatusRequest&) {
  return api::GatewayRequest(api::StatusRequest{});
}
Result<api::GatewayRequest> FromProto(const pb::DefragmentRequest&) {
  return api::GatewayRequest(api::DefragmentRequest{});
}
Result<api::GatewayRequest> FromProto(const pb::HashRequest&) {
  return api::GatewayRequest(api::HashRequest{});
}
Result<api::GatewayRequest> FromProto(const pb::HashKVRequest& in) {
  return api::GatewayRequest(api::HashKVRequest{.revision = in.revision()});
}
Result<api::GatewayRequest> FromProto(const pb::MoveLeaderRequest& in) {
  return api::GatewayRequest(
      api::MoveLeaderRequest{.target_id = in.targetid()});
}

// ---- Responses --------------------------------------------------------------

Status ToProto(const HostAnswer& a, pb::RangeResponse* out) {
  return Convert<mvcc::RangeResponse>(a, out, SetRange);
}
Status ToProto(const HostAnswer& a, pb::PutResponse* out) {
  return Convert<mvcc::PutResponse>(a, out, SetPut);
}
Status ToProto(const HostAnswer& a, pb::DeleteRangeResponse* out) {
  return Convert<mvcc::DeleteRangeResponse>(a, out, SetDeleteRange);
}
Status ToProto(const HostAnswer& a, pb::TxnResponse* out) {
  return Convert<mvcc::TxnResponse>(a, out, SetTxn);
}
Status ToProto(const HostAnswer& a, pb::CompactionResponse* out) {
  return Convert<mvcc::CompactionResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::LeaseGrantResponse* out) {
  return Convert<api::LeaseGrantResponse>(
      a, out, [](const api::LeaseGrantResponse& r, pb::LeaseGrantResponse* o) {
        o->set_id(r.id);
        o->set_ttl(r.ttl);
        o->set_error(r.error);
      });
}
Status ToProto(const HostAnswer& a, pb::LeaseRevokeResponse* out) {
  return Convert<api::LeaseRevokeResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::LeaseTimeToLiveResponse* out) {
  return Convert<api::LeaseTimeToLiveResponse>(
      a, out,
      [](const api::LeaseTimeToLiveResponse& r,
         pb::LeaseTimeToLiveResponse* o) {
        o->set_id(r.id);
        o->set_ttl(r.ttl);
        o->set_grantedttl(r.granted_ttl);
        for (const std::string& k : r.keys) o->add_keys(k);
      });
}
Status ToProto(const HostAnswer& a, pb::LeaseLeasesResponse* out) {
  return Convert<api::LeaseLeasesResponse>(
      a, out,
      [](const api::LeaseLeasesResponse& r, pb::LeaseLeasesResponse* o) {
        for (int64_t id : r.leases) o->add_leases()->set_id(id);
      });
}
Status ToProto(const HostAnswer& a, pb::MemberAddResponse* out) {
  return ConvertMembers<api::MemberAddResponse>(a, out);
}
Status ToProto(const HostAnswer& a, pb::MemberRemoveResponse* out) {
  return ConvertMembers<api::MemberRemoveResponse>(a, out);
}
Status ToProto(const HostAnswer& a, pb::MemberUpdateResponse* out) {
  return ConvertMembers<api::MemberUpdateResponse>(a, out);
}
Status ToProto(const HostAnswer& a, pb::MemberListResponse* out) {
  return ConvertMembers<api::MemberListResponse>(a, out);
}
Status ToProto(const HostAnswer& a, pb::MemberPromoteResponse* out) {
  return ConvertMembers<api::MemberPromoteResponse>(a, out);
}
Status ToProto(const HostAnswer& a, pb::AlarmResponse* out) {
  return ConvertHeaderless<api::AlarmResponse>(
      a, out, [](const api::AlarmResponse& r, pb::AlarmResponse* o) {
        for (const api::AlarmMember& m : r.alarms) {
          pb::AlarmMember* am = o->add_alarms();
          am->set_memberid(m.member_id);
          am->set_alarm(static_cast<pb::AlarmType>(m.alarm));
        }
      });
}
Status ToProto(const HostAnswer& a, pb::StatusResponse* out) {
  return Convert<api::StatusResponse>(
      a, out, [](const api::StatusResponse& r, pb::StatusResponse* o) {
        o->set_version(r.version);
        o->set_dbsize(r.db_size);
        o->set_leader(r.leader);
        o->set_raftindex(r.raft_index);
        o->set_raftterm(r.raft_term);
        o->set_raftappliedindex(r.raft_applied_index);
        for (const std::string& e : r.errors) o->add_errors(e);
        o->set_dbsizeinuse(r.db_size_in_use);
        o->set_islearner(r.is_learner);
      });
}
Status ToProto(const HostAnswer& a, pb::DefragmentResponse* out) {
  return ConvertHeaderless<api::DefragmentResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::HashResponse* out) {
  return Convert<api::HashResponse>(
      a, out, [](const api::HashResponse& r, pb::HashResponse* o) {
        o->set_hash(r.hash);
      });
}
Status ToProto(const HostAnswer& a, pb::HashKVResponse* out) {
  return Convert<mvcc::HashKVResponse>(
      a, out, [](const mvcc::HashKVResponse& r, pb::HashKVResponse* o) {
        o->set_hash(r.hash);
        o->set_compact_revision(r.compact_revision);
      });
}
Status ToProto(const HostAnswer& a, pb::MoveLeaderResponse* out) {
  return ConvertHeaderless<api::MoveLeaderResponse>(a, out, kNoBody);
}

// ---- Lease keep-alive (a stream of unary exchanges) -------------------------

Result<api::GatewayRequest> FromProto(const pb::LeaseKeepAliveRequest& in) {
  return api::GatewayRequest(api::LeaseKeepAliveRequest{.id = in.id()});
}
Status ToProto(const HostAnswer& a, pb::LeaseKeepAliveResponse* out) {
  return Convert<api::LeaseKeepAliveResponse>(
      a, out,
      [](const api::LeaseKeepAliveResponse& r, pb::LeaseKeepAliveResponse* o) {
        o->set_id(r.id);
        o->set_ttl(r.ttl);
      });
}

// ---- Watch ------------------------------------------------------------------

api::WatchRequest FromProto(const pb::WatchRequest& in) {
  switch (in.request_union_case()) {
    case pb::WatchRequest::kCreateRequest: {
      const pb::WatchCreateRequest& c = in.create_request();
      mvcc::WatchCreateRequest req{.key = c.key(),
                                   .range_end = c.range_end(),
                                   .start_revision = c.start_revision(),
                                   .progress_notify = c.progress_notify(),
                                   .filters = {},
                                   .prev_kv = c.prev_kv(),
                                   .watch_id = c.watch_id()};
      // proto3 enums are open: a number naming no filter is dropped, as
      // the gateway's decoder drops it (etcd's filters ignore it).
      for (int f : c.filters()) {
        if (f == pb::WatchCreateRequest::NOPUT ||
            f == pb::WatchCreateRequest::NODELETE) {
          req.filters.push_back(
              static_cast<mvcc::WatchCreateRequest::FilterType>(f));
        }
      }
      return req;
    }
    case pb::WatchRequest::kCancelRequest:
      return api::WatchCancelRequest{.watch_id =
                                         in.cancel_request().watch_id()};
    case pb::WatchRequest::kProgressRequest:
      return api::WatchProgressRequest{};
    case pb::WatchRequest::REQUEST_UNION_NOT_SET:
      break;
  }
  return std::monostate{};
}

void ToProto(const mvcc::WatchResponse& resp, const api::ResponseHeader& header,
             pb::WatchResponse* out) {
  pb::ResponseHeader* h = out->mutable_header();
  h->set_cluster_id(header.cluster_id);
  h->set_member_id(header.member_id);
  h->set_revision(resp.header.revision);
  h->set_raft_term(header.raft_term);
  out->set_watch_id(resp.watch_id);
  out->set_created(resp.created);
  out->set_canceled(resp.canceled);
  out->set_compact_revision(resp.compact_revision);
  out->set_cancel_reason(resp.cancel_reason);
  for (const mvcc::Event& ev : resp.events) {
    mvccpb::Event* e = out->add_events();
    e->set_type(ev.type == mvcc::Event::Type::kDelete ? mvccpb::Event::DELETE
                                                      : mvccpb::Event::PUT);
    SetKv(ev.kv, e->mutable_kv());
    if (ev.prev_kv.has_value()) SetKv(*ev.prev_kv, e->mutable_prev_kv());
  }
}

// ---- Auth -------------------------------------------------------------------

Result<api::GatewayRequest> FromProto(const pb::AuthEnableRequest&) {
  return api::GatewayRequest(api::AuthEnableRequest{});
}
Result<api::GatewayRequest> FromProto(const pb::AuthDisableRequest&) {
  return api::GatewayRequest(api::AuthDisableRequest{});
}
Result<api::GatewayRequest> FromProto(const pb::AuthenticateRequest& in) {
  return api::GatewayRequest(
      api::AuthenticateRequest{.name = in.name(), .password = in.password()});
}
Result<api::GatewayRequest> FromProto(const pb::AuthUserAddRequest& in) {
  return api::GatewayRequest(
      api::AuthUserAddRequest{.name = in.name(),
                              .password = in.password(),
                              .no_password = in.options().no_password()});
}
Result<api::GatewayRequest> FromProto(const pb::AuthUserGetRequest& in) {
  return api::GatewayRequest(api::AuthUserGetRequest{.name = in.name()});
}
Result<api::GatewayRequest> FromProto(const pb::AuthUserListRequest&) {
  return api::GatewayRequest(api::AuthUserListRequest{});
}
Result<api::GatewayRequest> FromProto(const pb::AuthUserDeleteRequest& in) {
  return api::GatewayRequest(api::AuthUserDeleteRequest{.name = in.name()});
}
Result<api::GatewayRequest> FromProto(
    const pb::AuthUserChangePasswordRequest& in) {
  return api::GatewayRequest(api::AuthUserChangePasswordRequest{
      .name = in.name(), .password = in.password()});
}
Result<api::GatewayRequest> FromProto(const pb::AuthUserGrantRoleRequest& in) {
  return api::GatewayRequest(
      api::AuthUserGrantRoleRequest{.user = in.user(), .role = in.role()});
}
Result<api::GatewayRequest> FromProto(const pb::AuthUserRevokeRoleRequest& in) {
  return api::GatewayRequest(
      api::AuthUserRevokeRoleRequest{.name = in.name(), .role = in.role()});
}
Result<api::GatewayRequest> FromProto(const pb::AuthRoleAddRequest& in) {
  return api::GatewayRequest(api::AuthRoleAddRequest{.name = in.name()});
}
Result<api::GatewayRequest> FromProto(const pb::AuthRoleGetRequest& in) {
  return api::GatewayRequest(api::AuthRoleGetRequest{.role = in.role()});
}
Result<api::GatewayRequest> FromProto(const pb::AuthRoleListRequest&) {
  return api::GatewayRequest(api::AuthRoleListRequest{});
}
Result<api::GatewayRequest> FromProto(const pb::AuthRoleDeleteRequest& in) {
  return api::GatewayRequest(api::AuthRoleDeleteRequest{.role = in.role()});
}
Result<api::GatewayRequest> FromProto(
    const pb::AuthRoleGrantPermissionRequest& in) {
  // perm_type passes any number through, as the gateway's decoder does.
  return api::GatewayRequest(api::AuthRoleGrantPermissionRequest{
      .name = in.name(),
      .perm = {.perm_type =
                   static_cast<api::Permission::Type>(in.perm().permtype()),
               .key = in.perm().key(),
               .range_end = in.perm().range_end()},
      .has_perm = in.has_perm()});
}
Result<api::GatewayRequest> FromProto(
    const pb::AuthRoleRevokePermissionRequest& in) {
  return api::GatewayRequest(api::AuthRoleRevokePermissionRequest{
      .role = in.role(), .key = in.key(), .range_end = in.range_end()});
}

Status ToProto(const HostAnswer& a, pb::AuthEnableResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::AuthDisableResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::AuthenticateResponse* out) {
  return Convert<api::AuthenticateResponse>(
      a, out,
      [](const api::AuthenticateResponse& r, pb::AuthenticateResponse* o) {
        o->set_token(r.token);
      });
}
Status ToProto(const HostAnswer& a, pb::AuthUserAddResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::AuthUserGetResponse* out) {
  return Convert<api::AuthUserGetResponse>(
      a, out,
      [](const api::AuthUserGetResponse& r, pb::AuthUserGetResponse* o) {
        for (const std::string& role : r.roles) o->add_roles(role);
      });
}
Status ToProto(const HostAnswer& a, pb::AuthUserListResponse* out) {
  return Convert<api::AuthUserListResponse>(
      a, out,
      [](const api::AuthUserListResponse& r, pb::AuthUserListResponse* o) {
        for (const std::string& u : r.users) o->add_users(u);
      });
}
Status ToProto(const HostAnswer& a, pb::AuthUserDeleteResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::AuthUserChangePasswordResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::AuthUserGrantRoleResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::AuthUserRevokeRoleResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::AuthRoleAddResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::AuthRoleGetResponse* out) {
  return Convert<api::AuthRoleGetResponse>(
      a, out,
      [](const api::AuthRoleGetResponse& r, pb::AuthRoleGetResponse* o) {
        for (const api::Permission& p : r.perm) {
          authpb::Permission* q = o->add_perm();
          q->set_permtype(static_cast<authpb::Permission::Type>(p.perm_type));
          q->set_key(p.key);
          q->set_range_end(p.range_end);
        }
      });
}
Status ToProto(const HostAnswer& a, pb::AuthRoleListResponse* out) {
  return Convert<api::AuthRoleListResponse>(
      a, out,
      [](const api::AuthRoleListResponse& r, pb::AuthRoleListResponse* o) {
        for (const std::string& role : r.roles) o->add_roles(role);
      });
}
Status ToProto(const HostAnswer& a, pb::AuthRoleDeleteResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::AuthRoleGrantPermissionResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}
Status ToProto(const HostAnswer& a, pb::AuthRoleRevokePermissionResponse* out) {
  return Convert<api::AuthResponse>(a, out, kNoBody);
}

}  // namespace cairn::node
