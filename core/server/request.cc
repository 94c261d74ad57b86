#include "core/server/request.h"

#include <type_traits>

#include "core/util/strings.h"

namespace cairn::server {

// The texts are etcd 3.4's rpctypes errors, so that core/api's gateway
// mapping prints exactly what etcd prints.
Status ErrNotLeader() {
  return Status(Code::kNotLeader, "etcdserver: not leader");
}
Status ErrNoLeader() {
  return Status(Code::kNoLeader, "etcdserver: no leader");
}
Status ErrTimeout() {
  return Status(Code::kTimeout, "etcdserver: request timed out");
}
Status ErrLeaderChanged() {
  return Status(Code::kUnavailable, "etcdserver: leader changed");
}
Status ErrTooManyRequests() {
  return Status(Code::kTooManyRequests, "etcdserver: too many requests");
}
Status ErrMemberNotFound() {
  return Status(Code::kNotFound, "etcdserver: member not found");
}
Status ErrMemberExist() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: member ID already exist");
}
Status ErrPeerUrlExist() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: Peer URLs already exists");
}
Status ErrMemberNotLearner() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: can only promote a learner member");
}
Status ErrLearnerNotReady() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: can only promote a learner member which is in "
                "sync with leader");
}
Status ErrUnhealthy() {
  return Status(Code::kUnavailable, "etcdserver: unhealthy cluster");
}
Status ErrNoSpace() {
  return Status(Code::kResourceExhausted,
                "etcdserver: mvcc: database space exceeded");
}
Status ErrBadLeaderTransferee() {
  return Status(Code::kFailedPrecondition, "etcdserver: bad leader transferee");
}
Status ErrTimeoutLeaderTransfer() {
  return Status(Code::kTimeout,
                "etcdserver: request timed out, leader transfer took too long");
}
Status ErrStopped() {
  return Status(Code::kUnavailable, "etcdserver: server stopped");
}

bool IsAuthRequest(const Request& req) {
  return req.index() >= Request(api::AuthEnableRequest{}).index();
}

bool IsWrite(const Request& req) {
  if (const auto* a = std::get_if<api::AlarmRequest>(&req)) {
    return a->action != api::AlarmRequest::Action::kGet;
  }
  return std::holds_alternative<mvcc::PutRequest>(req) ||
         std::holds_alternative<mvcc::DeleteRangeRequest>(req) ||
         std::holds_alternative<mvcc::TxnRequest>(req) ||
         std::holds_alternative<mvcc::CompactionRequest>(req) ||
         std::holds_alternative<api::LeaseGrantRequest>(req) ||
         std::holds_alternative<api::LeaseRevokeRequest>(req) ||
         std::holds_alternative<api::MemberAddRequest>(req) ||
         std::holds_alternative<api::MemberRemoveRequest>(req) ||
         std::holds_alternative<api::MemberUpdateRequest>(req) ||
         std::holds_alternative<api::MemberPromoteRequest>(req);
}

std::string RequestName(const Request& req) {
  static constexpr const char* kNames[] = {"range",          "put",
                                           "delete-range",   "txn",
                                           "compaction",     "lease-grant",
                                           "lease-revoke",   "lease-ttl",
                                           "lease-leases",   "lease-keepalive",
                                           "member-add",     "member-remove",
                                           "member-update",  "member-list",
                                           "member-promote", "alarm",
                                           "status",         "hashkv",
                                           "move-leader",    "auth-enable",
                                           "auth-disable",   "authenticate",
                                           "user-add",       "user-get",
                                           "user-list",      "user-delete",
                                           "user-changepw",  "user-grant",
                                           "user-revoke",    "role-add",
                                           "role-get",       "role-list",
                                           "role-delete",    "role-grant",
                                           "role-revoke"};
  static_assert(std::size(kNames) == std::variant_size_v<Request>);
  return kNames[req.index()];
}

namespace {

using U = unsigned long long;
using I = long long;

std::string Kvs(const std::vector<mvcc::KeyValue>& kvs) {
  std::string out = "[";
  for (size_t i = 0; i < kvs.size(); i++) {
    if (i > 0) out += " ";
    out += mvcc::DescribeKeyValue(kvs[i]);
  }
  return out + "]";
}

std::string Members(const std::vector<api::Member>& members) {
  std::string out = "[";
  for (size_t i = 0; i < members.size(); i++) {
    const api::Member& m = members[i];
    if (i > 0) out += " ";
    out += StrFormat("%llx", U(m.id));
    if (!m.name.empty()) out += "/" + m.name;
    if (m.is_learner) out += "(learner)";
  }
  return out + "]";
}

std::string Op(const mvcc::ResponseOp& op);

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); i++) out += (i > 0 ? sep : "") + v[i];
  return out;
}

std::string Describe(const mvcc::RangeResponse& r) {
  return StrFormat("range rev=%lld count=%lld%s kvs=", I(r.header.revision),
                   I(r.count), r.more ? " more" : "") +
         Kvs(r.kvs);
}
std::string Describe(const mvcc::PutResponse& r) {
  std::string out = StrFormat("put rev=%lld", I(r.header.revision));
  if (r.prev_kv) out += " prev=" + mvcc::DescribeKeyValue(*r.prev_kv);
  return out;
}
std::string Describe(const mvcc::DeleteRangeResponse& r) {
  return StrFormat("delete rev=%lld deleted=%lld", I(r.header.revision),
                   I(r.deleted));
}
std::string Describe(const mvcc::TxnResponse& r) {
  std::string out = StrFormat("txn rev=%lld succeeded=%d [",
                              I(r.header.revision), r.succeeded ? 1 : 0);
  for (size_t i = 0; i < r.responses.size(); i++) {
    if (i > 0) out += ", ";
    out += Op(r.responses[i]);
  }
  return out + "]";
}
std::string Describe(const mvcc::CompactionResponse& r) {
  return StrFormat("compaction rev=%lld", I(r.header.revision));
}
std::string Describe(const api::LeaseGrantResponse& r) {
  return StrFormat("lease-grant id=%lld ttl=%lld", I(r.id), I(r.ttl));
}
std::string Describe(const api::LeaseRevokeResponse& r) {
  return StrFormat("lease-revoke rev=%lld", I(r.header.revision));
}
std::string Describe(const api::LeaseTimeToLiveResponse& r) {
  std::string out = StrFormat("lease-ttl id=%lld ttl=%lld granted=%lld",
                              I(r.id), I(r.ttl), I(r.granted_ttl));
  if (!r.keys.empty()) out += " keys=" + lease::DescribeKeys(r.keys);
  return out;
}
std::string Describe(const api::LeaseLeasesResponse& r) {
  std::string out = "lease-leases [";
  for (size_t i = 0; i < r.leases.size(); i++) {
    out += StrFormat("%s%lld", i > 0 ? " " : "", I(r.leases[i]));
  }
  return out + "]";
}
std::string Describe(const api::LeaseKeepAliveResponse& r) {
  return StrFormat("lease-keepalive id=%lld ttl=%lld", I(r.id), I(r.ttl));
}
std::string Describe(const api::MemberAddResponse& r) {
  return StrFormat("member-add id=%llx%s members=", U(r.member.id),
                   r.member.is_learner ? " learner" : "") +
         Members(r.members);
}
std::string Describe(const api::MemberRemoveResponse& r) {
  return "member-remove members=" + Members(r.members);
}
std::string Describe(const api::MemberUpdateResponse& r) {
  return "member-update members=" + Members(r.members);
}
std::string Describe(const api::MemberListResponse& r) {
  // The list also shows what members published: their client URLs.
  std::string out = "member-list members=" + Members(r.members);
  for (const api::Member& m : r.members) {
    for (const std::string& u : m.client_urls) {
      out += StrFormat(" %s=%s", m.name.c_str(), u.c_str());
    }
  }
  return out;
}
std::string Describe(const api::MemberPromoteResponse& r) {
  return "member-promote members=" + Members(r.members);
}
std::string Describe(const api::AlarmResponse& r) {
  std::string out = "alarm [";
  for (size_t i = 0; i < r.alarms.size(); i++) {
    const char* name = r.alarms[i].alarm == api::AlarmType::kNoSpace ? "NOSPACE"
                       : r.alarms[i].alarm == api::AlarmType::kCorrupt
                           ? "CORRUPT"
                           : "NONE";
    out += StrFormat("%s%llx:%s", i > 0 ? " " : "", U(r.alarms[i].member_id),
                     name);
  }
  return out + "]";
}
std::string Describe(const api::StatusResponse& r) {
  std::string out = StrFormat(
      "status leader=%llx raft_index=%llu raft_term=%llu applied=%llu%s",
      U(r.leader), U(r.raft_index), U(r.raft_term), U(r.raft_applied_index),
      r.is_learner ? " learner" : "");
  for (const std::string& e : r.errors) out += " error=" + e;
  return out;
}
std::string Describe(const mvcc::HashKVResponse& r) {
  return StrFormat("hashkv rev=%lld hash=%08x compact=%lld",
                   I(r.header.revision), r.hash, I(r.compact_revision));
}
std::string Describe(const api::MoveLeaderResponse&) { return "move-leader"; }
std::string Describe(const api::AuthResponse&) { return "auth ok"; }
std::string Describe(const api::AuthenticateResponse& r) {
  return "authenticate token=" + r.token;
}
std::string Describe(const api::AuthUserGetResponse& r) {
  return "user-get roles=" + Join(r.roles, ",");
}
std::string Describe(const api::AuthUserListResponse& r) {
  return "user-list users=" + Join(r.users, ",");
}
std::string Describe(const api::AuthRoleGetResponse& r) {
  std::string out = "role-get perms=[";
  for (size_t i = 0; i < r.perm.size(); i++) {
    const api::Permission& p = r.perm[i];
    out += StrFormat("%s%d:%s", i > 0 ? " " : "", int(p.perm_type),
                     EscapeBytes(p.key).c_str());
    if (!p.range_end.empty()) out += "-" + EscapeBytes(p.range_end);
  }
  return out + "]";
}
std::string Describe(const api::AuthRoleListResponse& r) {
  return "role-list roles=" + Join(r.roles, ",");
}

std::string Op(const mvcc::ResponseOp& op) {
  return std::visit([](const auto& r) { return Describe(r); }, op.response);
}

}  // namespace

std::string DescribeResponse(const Response& resp) {
  return std::visit([](const auto& r) { return Describe(r); }, resp);
}

}  // namespace cairn::server
