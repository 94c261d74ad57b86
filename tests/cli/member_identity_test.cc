// Member identity: etcd's member and cluster ids (a cluster started with
// etcd's flags gets etcd's ids; the default single member is etcd's
// well-known 8e9e05c52164694d in cluster cdf818194e3a8c32), the founding
// membership from --initial-cluster, and the identity file: round trip,
// missing file, and a damaged file refused rather than guessed.
#include "cli/cairn/member_identity.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace cairn::node {
namespace {

TEST(MemberIdentityTest, EtcdDefaultIds) {
  const uint64_t id = EtcdMemberId({"http://localhost:2380"}, "etcd-cluster");
  EXPECT_EQ(id, 0x8e9e05c52164694dULL);
  EXPECT_EQ(EtcdClusterId({id}), 0xcdf818194e3a8c32ULL);
}

TEST(MemberIdentityTest, OrderDoesNotMatter) {
  EXPECT_EQ(EtcdMemberId({"http://b:1", "http://a:1"}, "t"),
            EtcdMemberId({"http://a:1", "http://b:1"}, "t"));
  EXPECT_NE(EtcdMemberId({"http://a:1"}, "t"),
            EtcdMemberId({"http://a:1"}, "u"));
  EXPECT_EQ(EtcdClusterId({1, 2, 3}), EtcdClusterId({3, 1, 2}));
}

TEST(MemberIdentityTest, FoundingMembers) {
  NodeConfig cfg;
  cfg.name = "n2";
  cfg.initial_cluster = {{"n1", {"http://127.0.0.1:1"}},
                         {"n2", {"http://127.0.0.1:2"}}};
  Result<std::vector<api::Member>> m = FoundingMembers(cfg);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m.value().size(), 2u);
  for (const api::Member& x : m.value()) {
    EXPECT_EQ(x.id, EtcdMemberId(x.peer_urls, cfg.initial_cluster_token));
    EXPECT_TRUE(x.client_urls.empty());  // each member publishes its own
  }
  EXPECT_LT(m.value()[0].id, m.value()[1].id);

  cfg.initial_cluster.push_back({"n3", {"http://127.0.0.1:2"}});
  Result<std::vector<api::Member>> dup = FoundingMembers(cfg);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().message(), "member exists with identical ID: n3");
}

class IdentityFileTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn-identity-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/identity";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_, path_;
};

TEST_F(IdentityFileTest, RoundTrip) {
  Result<std::optional<MemberIdentity>> none = ReadIdentity(path_);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().has_value());
  const MemberIdentity id{.member_id = 0x8e9e05c52164694dULL,
                          .cluster_id = 0xcdf818194e3a8c32ULL};
  ASSERT_TRUE(WriteIdentity(path_, id).ok());
  Result<std::optional<MemberIdentity>> back = ReadIdentity(path_);
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(back.value().has_value());
  EXPECT_EQ(*back.value(), id);
}

TEST_F(IdentityFileTest, DamagedFileIsRefused) {
  for (const char* text : {"", "8e9e05c52164694d\n", "zz 11\n",
                           "8e9e05c52164694d cdf818194e3a8c32 extra\n",
                           "0000000000000000 cdf818194e3a8c32\n"}) {
    std::ofstream(path_, std::ios::trunc) << text;
    Result<std::optional<MemberIdentity>> r = ReadIdentity(path_);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), Code::kCorruption) << text;
  }
}

TEST_F(IdentityFileTest, UnwritableDirectory) {
  Status s = WriteIdentity(dir_ + "/no/such/dir/identity", {.member_id = 1});
  EXPECT_EQ(s.code(), Code::kIOError);
}

}  // namespace
}  // namespace cairn::node
