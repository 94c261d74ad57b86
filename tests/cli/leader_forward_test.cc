// DecodeForwardedAnswer (cli/cairn/leader_forward.h): the leader's JSON
// answers to the leader-only requests a follower forwards, as etcd 3.4's
// gateway prints them, become the typed answers the gRPC front end
// converts; a body that is not the expected answer is an error, never a
// crash.
#include "cli/cairn/leader_forward.h"

#include <gtest/gtest.h>

namespace cairn::node {
namespace {

TEST(LeaderForwardTest, TimeToLive) {
  Result<HostAnswer> a = DecodeForwardedAnswer(
      api::LeaseTimeToLiveRequest{.id = 7, .keys = true},
      R"({"header":{"cluster_id":"11","member_id":"22","revision":"5",)"
      R"("raft_term":"3"},"ID":"7","TTL":"58","grantedTTL":"60",)"
      R"("keys":["Zm9v"]})");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a.value().header.cluster_id, 11u);
  EXPECT_EQ(a.value().header.member_id, 22u);
  EXPECT_EQ(a.value().header.revision, 5);
  EXPECT_EQ(a.value().header.raft_term, 3u);
  const auto& r = std::get<api::LeaseTimeToLiveResponse>(
      std::get<server::Response>(a.value().response));
  EXPECT_EQ(r.id, 7);
  EXPECT_EQ(r.ttl, 58);
  EXPECT_EQ(r.granted_ttl, 60);
  ASSERT_EQ(r.keys.size(), 1u);
  EXPECT_EQ(r.keys[0], "foo");
}

TEST(LeaderForwardTest, KeepAliveIsUnwrapped) {
  Result<HostAnswer> a =
      DecodeForwardedAnswer(api::LeaseKeepAliveRequest{.id = 7},
                            R"({"result":{"header":{"raft_term":"2"},)"
                            R"("ID":"7","TTL":"60"}})"
                            "\n");
  ASSERT_TRUE(a.ok());
  const auto& r = std::get<api::LeaseKeepAliveResponse>(
      std::get<server::Response>(a.value().response));
  EXPECT_EQ(r.id, 7);
  EXPECT_EQ(r.ttl, 60);
  EXPECT_EQ(a.value().header.raft_term, 2u);
}

TEST(LeaderForwardTest, PromoteListsMembers) {
  Result<HostAnswer> a = DecodeForwardedAnswer(
      api::MemberPromoteRequest{.id = 1},
      R"({"header":{},"members":[{"ID":"1","name":"m1",)"
      R"("peerURLs":["http://p"],"clientURLs":["http://c"]}]})");
  ASSERT_TRUE(a.ok());
  const auto& r = std::get<api::MemberPromoteResponse>(
      std::get<server::Response>(a.value().response));
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].id, 1u);
  EXPECT_EQ(r.members[0].name, "m1");
  EXPECT_EQ(r.members[0].client_urls[0], "http://c");
  EXPECT_FALSE(r.members[0].is_learner);
}

TEST(LeaderForwardTest, BadBodiesAreErrors) {
  const api::GatewayRequest ttl = api::LeaseTimeToLiveRequest{.id = 7};
  for (const char* body : {"", "[]", "not json", R"({"keys":["%%%"]})"}) {
    Result<HostAnswer> a = DecodeForwardedAnswer(ttl, body);
    ASSERT_FALSE(a.ok()) << body;
    EXPECT_EQ(a.status().code(), Code::kUnavailable);
  }
  Result<HostAnswer> a =
      DecodeForwardedAnswer(api::LeaseKeepAliveRequest{.id = 7}, R"({"x":1})");
  EXPECT_FALSE(a.ok());
  // Not a leader-only request.
  EXPECT_FALSE(DecodeForwardedAnswer(api::MemberListRequest{}, "{}").ok());
}

}  // namespace
}  // namespace cairn::node
