// The gRPC front end's conversions (cli/cairn/grpc_convert.h): etcd's
// protobuf requests become the api::GatewayRequest the JSON gateway would
// decode (every field, txns with nested txns and compares, the depth
// bound), typed answers become etcd's protobuf responses (the header
// rules: a keyspace response's own revision, the revision-less member
// calls, the revision-only headers inside a txn), and Statuses become
// etcd's gRPC codes and messages (etcd 3.4's rpctypes/error.go). Also the
// streams' messages (watch requests and responses, lease keep-alive) and
// the Auth service's.
#include "cli/cairn/grpc_convert.h"

#include <gtest/gtest.h>

#include "core/api/request_decoder.h"
#include "core/server/request.h"

namespace cairn::node {
namespace {

namespace pb = etcdserverpb;

const api::ResponseHeader kMember{
    .cluster_id = 11, .member_id = 22, .revision = 7, .raft_term = 3};

HostAnswer AnswerOf(server::Response r) {
  return HostAnswer{.response = std::move(r), .header = kMember};
}

TEST(GrpcConvertTest, RangeRequestKeepsEveryField) {
  pb::RangeRequest in;
  in.set_key("a");
  in.set_range_end("z");
  in.set_limit(5);
  in.set_revision(9);
  in.set_sort_order(pb::RangeRequest::DESCEND);
  in.set_sort_target(pb::RangeRequest::MOD);
  in.set_serializable(true);
  in.set_keys_only(true);
  in.set_count_only(true);
  in.set_min_mod_revision(1);
  in.set_max_mod_revision(2);
  in.set_min_create_revision(3);
  in.set_max_create_revision(4);
  Result<api::GatewayRequest> got = FromProto(in);
  ASSERT_TRUE(got.ok());
  const auto& r = std::get<mvcc::RangeRequest>(got.value());
  EXPECT_EQ(r.key, "a");
  EXPECT_EQ(r.range_end, "z");
  EXPECT_EQ(r.limit, 5);
  EXPECT_EQ(r.revision, 9);
  EXPECT_EQ(r.sort_order, mvcc::SortOrder::kDescend);
  EXPECT_EQ(r.sort_target, mvcc::SortTarget::kMod);
  EXPECT_TRUE(r.serializable);
  EXPECT_TRUE(r.keys_only);
  EXPECT_TRUE(r.count_only);
  EXPECT_EQ(r.min_mod_revision, 1);
  EXPECT_EQ(r.max_mod_revision, 2);
  EXPECT_EQ(r.min_create_revision, 3);
  EXPECT_EQ(r.max_create_revision, 4);
}

TEST(GrpcConvertTest, PutAndLeaseRequests) {
  pb::PutRequest put;
  put.set_key(std::string("k\0x", 3));  // bytes, not C strings
  put.set_value("v");
  put.set_lease(42);
  put.set_prev_kv(true);
  put.set_ignore_lease(true);
  const auto p = std::get<mvcc::PutRequest>(FromProto(put).value());
  EXPECT_EQ(p.key, std::string("k\0x", 3));
  EXPECT_EQ(p.value, "v");
  EXPECT_EQ(p.lease, 42);
  EXPECT_TRUE(p.prev_kv);
  EXPECT_FALSE(p.ignore_value);
  EXPECT_TRUE(p.ignore_lease);

  pb::LeaseGrantRequest grant;
  grant.set_ttl(60);
  grant.set_id(5);
  const auto g = std::get<api::LeaseGrantRequest>(FromProto(grant).value());
  EXPECT_EQ(g.ttl, 60);
  EXPECT_EQ(g.id, 5);

  pb::LeaseTimeToLiveRequest ttl;
  ttl.set_id(5);
  ttl.set_keys(true);
  const auto t = std::get<api::LeaseTimeToLiveRequest>(FromProto(ttl).value());
  EXPECT_EQ(t.id, 5);
  EXPECT_TRUE(t.keys);
}

TEST(GrpcConvertTest, TxnWithComparesAndNestedTxn) {
  pb::TxnRequest in;
  pb::Compare* c = in.add_compare();
  c->set_result(pb::Compare::NOT_EQUAL);
  c->set_target(pb::Compare::VALUE);
  c->set_key("k");
  c->set_value("v");
  c->set_range_end("l");
  pb::Compare* c2 = in.add_compare();
  c2->set_target(pb::Compare::MOD);
  c2->set_mod_revision(12);
  in.add_success()->mutable_request_put()->set_key("p");
  pb::TxnRequest* inner = in.add_success()->mutable_request_txn();
  inner->add_failure()->mutable_request_delete_range()->set_key("d");
  in.add_failure();  // no request set
  Result<api::GatewayRequest> got = FromProto(in);
  ASSERT_TRUE(got.ok());
  const auto& txn = std::get<mvcc::TxnRequest>(got.value());
  ASSERT_EQ(txn.compare.size(), 2u);
  EXPECT_EQ(txn.compare[0].result, mvcc::Compare::Result::kNotEqual);
  EXPECT_EQ(txn.compare[0].target, mvcc::Compare::Target::kValue);
  EXPECT_EQ(txn.compare[0].value, "v");
  EXPECT_EQ(txn.compare[0].range_end, "l");
  EXPECT_EQ(txn.compare[1].target, mvcc::Compare::Target::kMod);
  EXPECT_EQ(txn.compare[1].mod_revision, 12);
  ASSERT_EQ(txn.success.size(), 2u);
  EXPECT_EQ(std::get<mvcc::PutRequest>(txn.success[0].request).key, "p");
  const auto& nested = std::get<mvcc::TxnRequest>(txn.success[1].request);
  ASSERT_EQ(nested.failure.size(), 1u);
  EXPECT_EQ(std::get<mvcc::DeleteRangeRequest>(nested.failure[0].request).key,
            "d");
  ASSERT_EQ(txn.failure.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(txn.failure[0].request));
}

TEST(GrpcConvertTest, TxnNestedTooDeepIsRefused) {
  pb::TxnRequest in;
  pb::TxnRequest* t = &in;
  for (int i = 0; i < api::kMaxTxnDepth; ++i) {
    t = t->add_success()->mutable_request_txn();
  }
  Result<api::GatewayRequest> got = FromProto(in);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(got.status().message(), "cairn: txn nested deeper than 64 levels");
}

TEST(GrpcConvertTest, RangeResponseTakesItsOwnRevision) {
  mvcc::RangeResponse r;
  r.header.revision = 5;
  r.kvs.push_back(mvcc::KeyValue{.key = "a",
                                 .create_revision = 2,
                                 .mod_revision = 3,
                                 .version = 2,
                                 .value = "x",
                                 .lease = 9});
  r.more = true;
  r.count = 4;
  pb::RangeResponse out;
  ASSERT_TRUE(ToProto(AnswerOf(r), &out).ok());
  EXPECT_EQ(out.header().cluster_id(), 11u);
  EXPECT_EQ(out.header().member_id(), 22u);
  EXPECT_EQ(out.header().revision(), 5);
  EXPECT_EQ(out.header().raft_term(), 3u);
  ASSERT_EQ(out.kvs_size(), 1);
  EXPECT_EQ(out.kvs(0).key(), "a");
  EXPECT_EQ(out.kvs(0).create_revision(), 2);
  EXPECT_EQ(out.kvs(0).mod_revision(), 3);
  EXPECT_EQ(out.kvs(0).version(), 2);
  EXPECT_EQ(out.kvs(0).value(), "x");
  EXPECT_EQ(out.kvs(0).lease(), 9);
  EXPECT_TRUE(out.more());
  EXPECT_EQ(out.count(), 4);
}

TEST(GrpcConvertTest, TxnResponseInnerHeadersHoldOnlyTheirRevision) {
  mvcc::TxnResponse t;
  t.header.revision = 8;
  t.succeeded = true;
  mvcc::PutResponse put;
  put.header.revision = 8;
  put.prev_kv = mvcc::KeyValue{.key = "k", .value = "old"};
  t.responses.push_back(mvcc::ResponseOp{put});
  t.responses.push_back(mvcc::ResponseOp{mvcc::TxnResponse{}});
  pb::TxnResponse out;
  ASSERT_TRUE(ToProto(AnswerOf(t), &out).ok());
  EXPECT_EQ(out.header().revision(), 8);
  EXPECT_EQ(out.header().member_id(), 22u);
  EXPECT_TRUE(out.succeeded());
  ASSERT_EQ(out.responses_size(), 2);
  const pb::PutResponse& p = out.responses(0).response_put();
  EXPECT_EQ(p.header().revision(), 8);
  EXPECT_EQ(p.header().member_id(), 0u);
  EXPECT_EQ(p.prev_kv().value(), "old");
  ASSERT_TRUE(out.responses(1).has_response_txn());
  EXPECT_TRUE(out.responses(1).response_txn().has_header());
  EXPECT_EQ(out.responses(1).response_txn().header().revision(), 0);
}

TEST(GrpcConvertTest, PutResponseWithoutPrevKvHasNone) {
  pb::PutResponse out;
  ASSERT_TRUE(ToProto(AnswerOf(mvcc::PutResponse{}), &out).ok());
  EXPECT_FALSE(out.has_prev_kv());
  EXPECT_EQ(out.header().revision(), 7);  // the member's
}

TEST(GrpcConvertTest, MemberResponsesHaveNoRevision) {
  api::MemberListResponse list;
  list.members.push_back(api::Member{.id = 1,
                                     .name = "m1",
                                     .peer_urls = {"http://p"},
                                     .client_urls = {"http://c"},
                                     .is_learner = true});
  pb::MemberListResponse out;
  ASSERT_TRUE(ToProto(AnswerOf(list), &out).ok());
  EXPECT_EQ(out.header().revision(), 0);
  EXPECT_EQ(out.header().raft_term(), 3u);
  ASSERT_EQ(out.members_size(), 1);
  EXPECT_EQ(out.members(0).id(), 1u);
  EXPECT_EQ(out.members(0).name(), "m1");
  EXPECT_EQ(out.members(0).peerurls(0), "http://p");
  EXPECT_EQ(out.members(0).clienturls(0), "http://c");
  EXPECT_TRUE(out.members(0).islearner());
}

TEST(GrpcConvertTest, LeaseResponses) {
  pb::LeaseTimeToLiveResponse ttl;
  ASSERT_TRUE(
      ToProto(AnswerOf(api::LeaseTimeToLiveResponse{
                  .id = 5, .ttl = 9, .granted_ttl = 10, .keys = {"a", "b"}}),
              &ttl)
          .ok());
  EXPECT_EQ(ttl.id(), 5);
  EXPECT_EQ(ttl.ttl(), 9);
  EXPECT_EQ(ttl.grantedttl(), 10);
  ASSERT_EQ(ttl.keys_size(), 2);
  EXPECT_EQ(ttl.keys(1), "b");

  pb::LeaseLeasesResponse leases;
  ASSERT_TRUE(
      ToProto(AnswerOf(api::LeaseLeasesResponse{.leases = {3, 4}}), &leases)
          .ok());
  ASSERT_EQ(leases.leases_size(), 2);
  EXPECT_EQ(leases.leases(1).id(), 4);
}

TEST(GrpcConvertTest, StatusAndHostAnswers) {
  pb::StatusResponse st;
  ASSERT_TRUE(ToProto(AnswerOf(api::StatusResponse{.version = "3.4.23",
                                                   .db_size = 100,
                                                   .leader = 22,
                                                   .raft_index = 6,
                                                   .raft_term = 3,
                                                   .raft_applied_index = 6,
                                                   .errors = {"e"},
                                                   .db_size_in_use = 50}),
                      &st)
                  .ok());
  EXPECT_EQ(st.version(), "3.4.23");
  EXPECT_EQ(st.dbsize(), 100);
  EXPECT_EQ(st.leader(), 22u);
  EXPECT_EQ(st.raftindex(), 6u);
  EXPECT_EQ(st.errors(0), "e");
  EXPECT_EQ(st.dbsizeinuse(), 50);

  pb::HashResponse hash;
  HostAnswer h{.response = api::HashResponse{.header = kMember, .hash = 77},
               .header = kMember};
  ASSERT_TRUE(ToProto(h, &hash).ok());
  EXPECT_EQ(hash.hash(), 77u);
  EXPECT_EQ(hash.header().revision(), 7);
}

TEST(GrpcConvertTest, AlarmDefragmentAndMoveLeaderHaveNoHeader) {
  pb::AlarmResponse alarm;
  ASSERT_TRUE(
      ToProto(
          AnswerOf(api::AlarmResponse{
              .alarms = {{.member_id = 9, .alarm = api::AlarmType::kNoSpace}}}),
          &alarm)
          .ok());
  EXPECT_FALSE(alarm.has_header());
  ASSERT_EQ(alarm.alarms_size(), 1);
  EXPECT_EQ(alarm.alarms(0).memberid(), 9u);
  EXPECT_EQ(alarm.alarms(0).alarm(), pb::NOSPACE);

  pb::DefragmentResponse defrag;
  HostAnswer d{.response = api::DefragmentResponse{.header = kMember},
               .header = kMember};
  ASSERT_TRUE(ToProto(d, &defrag).ok());
  EXPECT_FALSE(defrag.has_header());

  pb::MoveLeaderResponse move;
  ASSERT_TRUE(ToProto(AnswerOf(api::MoveLeaderResponse{}), &move).ok());
  EXPECT_FALSE(move.has_header());
}

TEST(GrpcConvertTest, AnswerOfAnotherTypeIsAnError) {
  pb::PutResponse out;
  Status s = ToProto(AnswerOf(mvcc::RangeResponse{}), &out);
  EXPECT_EQ(s.code(), Code::kIOError);
  EXPECT_EQ(s.message(), "cairn: the answer is not a PutResponse");
}

TEST(GrpcConvertTest, WatchRequests) {
  pb::WatchRequest in;
  pb::WatchCreateRequest* c = in.mutable_create_request();
  c->set_key("a");
  c->set_range_end("b");
  c->set_start_revision(4);
  c->set_progress_notify(true);
  c->add_filters(pb::WatchCreateRequest::NODELETE);
  c->add_filters(static_cast<pb::WatchCreateRequest::FilterType>(7));
  c->set_prev_kv(true);
  c->set_watch_id(3);
  api::WatchRequest req = FromProto(in);
  const auto& w = std::get<mvcc::WatchCreateRequest>(req);
  EXPECT_EQ(w.key, "a");
  EXPECT_EQ(w.range_end, "b");
  EXPECT_EQ(w.start_revision, 4);
  EXPECT_TRUE(w.progress_notify);
  // The unknown filter is dropped, as the gateway's decoder drops it.
  ASSERT_EQ(w.filters.size(), 1u);
  EXPECT_EQ(w.filters[0], mvcc::WatchCreateRequest::FilterType::kNoDelete);
  EXPECT_TRUE(w.prev_kv);
  EXPECT_EQ(w.watch_id, 3);

  pb::WatchRequest cancel;
  cancel.mutable_cancel_request()->set_watch_id(5);
  EXPECT_EQ(std::get<api::WatchCancelRequest>(FromProto(cancel)).watch_id, 5);
  pb::WatchRequest progress;
  progress.mutable_progress_request();
  EXPECT_TRUE(
      std::holds_alternative<api::WatchProgressRequest>(FromProto(progress)));
  EXPECT_TRUE(
      std::holds_alternative<std::monostate>(FromProto(pb::WatchRequest())));
}

TEST(GrpcConvertTest, WatchResponseTakesItsOwnRevision) {
  mvcc::WatchResponse r;
  r.header.revision = 12;
  r.watch_id = 2;
  mvcc::Event put{.type = mvcc::Event::Type::kPut,
                  .kv = {.key = "k", .mod_revision = 12, .value = "v2"},
                  .prev_kv = mvcc::KeyValue{.key = "k", .value = "v1"}};
  mvcc::Event del{.type = mvcc::Event::Type::kDelete, .kv = {.key = "j"}};
  r.events = {put, del};
  pb::WatchResponse out;
  ToProto(r, kMember, &out);
  EXPECT_EQ(out.header().cluster_id(), 11u);
  EXPECT_EQ(out.header().member_id(), 22u);
  EXPECT_EQ(out.header().revision(), 12);
  EXPECT_EQ(out.header().raft_term(), 3u);
  EXPECT_EQ(out.watch_id(), 2);
  ASSERT_EQ(out.events_size(), 2);
  EXPECT_EQ(out.events(0).type(), mvccpb::Event::PUT);
  EXPECT_EQ(out.events(0).kv().value(), "v2");
  EXPECT_EQ(out.events(0).kv().mod_revision(), 12);
  EXPECT_EQ(out.events(0).prev_kv().value(), "v1");
  EXPECT_EQ(out.events(1).type(), mvccpb::Event::DELETE);
  EXPECT_FALSE(out.events(1).has_prev_kv());

  // A compacted cancel: no revision in the header, as etcd sends it.
  mvcc::WatchResponse compacted;
  compacted.watch_id = 4;
  compacted.canceled = true;
  compacted.compact_revision = 6;
  compacted.cancel_reason =
      "etcdserver: mvcc: required revision has been "
      "compacted";
  pb::WatchResponse c;
  ToProto(compacted, kMember, &c);
  EXPECT_EQ(c.header().revision(), 0);
  EXPECT_TRUE(c.canceled());
  EXPECT_EQ(c.compact_revision(), 6);
  EXPECT_EQ(c.cancel_reason(), compacted.cancel_reason);
}

TEST(GrpcConvertTest, LeaseKeepAlive) {
  pb::LeaseKeepAliveRequest in;
  in.set_id(9);
  Result<api::GatewayRequest> req = FromProto(in);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(std::get<api::LeaseKeepAliveRequest>(req.value()).id, 9);
  pb::LeaseKeepAliveResponse out;
  ASSERT_TRUE(
      ToProto(AnswerOf(api::LeaseKeepAliveResponse{.id = 9, .ttl = 30}), &out)
          .ok());
  EXPECT_EQ(out.id(), 9);
  EXPECT_EQ(out.ttl(), 30);
  EXPECT_EQ(out.header().revision(), 7);
}

TEST(GrpcConvertTest, AuthRequests) {
  pb::AuthUserAddRequest add;
  add.set_name("u");
  add.set_password("p");
  add.mutable_options()->set_no_password(true);
  const auto u = std::get<api::AuthUserAddRequest>(FromProto(add).value());
  EXPECT_EQ(u.name, "u");
  EXPECT_EQ(u.password, "p");
  EXPECT_TRUE(u.no_password);

  pb::AuthRoleGrantPermissionRequest grant;
  grant.set_name("r");
  grant.mutable_perm()->set_permtype(authpb::Permission::READWRITE);
  grant.mutable_perm()->set_key("a");
  grant.mutable_perm()->set_range_end("b");
  const auto g =
      std::get<api::AuthRoleGrantPermissionRequest>(FromProto(grant).value());
  EXPECT_EQ(g.name, "r");
  EXPECT_TRUE(g.has_perm);
  EXPECT_EQ(g.perm.perm_type, api::Permission::Type::kReadWrite);
  EXPECT_EQ(g.perm.key, "a");
  EXPECT_EQ(g.perm.range_end, "b");
  pb::AuthRoleGrantPermissionRequest no_perm;
  EXPECT_FALSE(
      std::get<api::AuthRoleGrantPermissionRequest>(FromProto(no_perm).value())
          .has_perm);

  pb::AuthRoleRevokePermissionRequest revoke;
  revoke.set_role("r");
  revoke.set_key("a");
  revoke.set_range_end("b");
  const auto r =
      std::get<api::AuthRoleRevokePermissionRequest>(FromProto(revoke).value());
  EXPECT_EQ(r.role, "r");
  EXPECT_EQ(r.key, "a");
  EXPECT_EQ(r.range_end, "b");

  pb::AuthenticateRequest authn;
  authn.set_name("root");
  authn.set_password("x");
  const auto a = std::get<api::AuthenticateRequest>(FromProto(authn).value());
  EXPECT_EQ(a.name, "root");
  EXPECT_EQ(a.password, "x");
  EXPECT_TRUE(a.verified_hash.empty());

  pb::AuthUserGrantRoleRequest ugrant;
  ugrant.set_user("u");
  ugrant.set_role("r");
  const auto ug =
      std::get<api::AuthUserGrantRoleRequest>(FromProto(ugrant).value());
  EXPECT_EQ(ug.user, "u");
  EXPECT_EQ(ug.role, "r");
}

TEST(GrpcConvertTest, AuthResponses) {
  pb::AuthenticateResponse authn;
  ASSERT_TRUE(
      ToProto(AnswerOf(api::AuthenticateResponse{.token = "t.1"}), &authn)
          .ok());
  EXPECT_EQ(authn.token(), "t.1");
  EXPECT_EQ(authn.header().member_id(), 22u);
  EXPECT_EQ(authn.header().revision(), 7);

  api::AuthRoleGetResponse role;
  role.perm.push_back({.perm_type = api::Permission::Type::kWrite,
                       .key = "k",
                       .range_end = "l"});
  pb::AuthRoleGetResponse rout;
  ASSERT_TRUE(ToProto(AnswerOf(role), &rout).ok());
  ASSERT_EQ(rout.perm_size(), 1);
  EXPECT_EQ(rout.perm(0).permtype(), authpb::Permission::WRITE);
  EXPECT_EQ(rout.perm(0).key(), "k");
  EXPECT_EQ(rout.perm(0).range_end(), "l");

  pb::AuthUserListResponse users;
  ASSERT_TRUE(
      ToProto(AnswerOf(api::AuthUserListResponse{.users = {"a", "b"}}), &users)
          .ok());
  ASSERT_EQ(users.users_size(), 2);
  EXPECT_EQ(users.users(1), "b");

  pb::AuthEnableResponse enable;
  ASSERT_TRUE(ToProto(AnswerOf(api::AuthResponse{}), &enable).ok());
  EXPECT_EQ(enable.header().raft_term(), 3u);
  // An answer of another type is a bug, reported as such.
  pb::AuthUserGetResponse wrong;
  EXPECT_EQ(ToProto(AnswerOf(api::AuthResponse{}), &wrong).code(),
            Code::kIOError);
}

TEST(GrpcConvertTest, StatusesBecomeEtcdsGrpcErrors) {
  struct Case {
    Status status;
    grpc::StatusCode code;
    std::string message;
  };
  const Case cases[] = {
      {mvcc::ErrCompacted(), grpc::StatusCode::OUT_OF_RANGE,
       "etcdserver: mvcc: required revision has been compacted"},
      {mvcc::ErrFutureRevision(), grpc::StatusCode::OUT_OF_RANGE,
       "etcdserver: mvcc: required revision is a future revision"},
      {mvcc::ErrKeyNotFound(), grpc::StatusCode::INVALID_ARGUMENT,
       "etcdserver: key not found"},
      {mvcc::ErrEmptyKey(), grpc::StatusCode::INVALID_ARGUMENT,
       "etcdserver: key is not provided"},
      {mvcc::ErrLeaseNotFound(), grpc::StatusCode::NOT_FOUND,
       "etcdserver: requested lease not found"},
      {server::ErrNoLeader(), grpc::StatusCode::UNAVAILABLE,
       "etcdserver: no leader"},
      {server::ErrTimeout(), grpc::StatusCode::UNAVAILABLE,
       "etcdserver: request timed out"},
      {server::ErrMemberNotFound(), grpc::StatusCode::NOT_FOUND,
       "etcdserver: member not found"},
      {server::ErrNoSpace(), grpc::StatusCode::RESOURCE_EXHAUSTED,
       "etcdserver: mvcc: database space exceeded"},
  };
  for (const Case& c : cases) {
    grpc::Status g = ToGrpcStatus(c.status);
    EXPECT_EQ(g.error_code(), c.code) << c.message;
    EXPECT_EQ(g.error_message(), c.message);
  }
  EXPECT_TRUE(ToGrpcStatus(Status::Ok()).ok());
}

}  // namespace
}  // namespace cairn::node
