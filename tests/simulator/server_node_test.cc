// Tests of ServerNode (simulator/server_node.h), the simulated member that
// runs a full core/server::Server over a SimLogStore and a MemoryBackend:
// it boots and serves writes; a crash point kills the process at its
// step (nothing sent or synced after it); and a restart recovers from
// whatever mix of the two stores survived a crash, including a backend
// that kept batches whose commit index the Raft log lost (the server then
// restarted Raft with an applied index above its committed one).
#include "simulator/server_node.h"

#include "gtest/gtest.h"

namespace cairn::sim {
namespace {

ServerNodeOptions OneMember() {
  ServerNodeOptions o;
  o.config.member_id = 1;
  o.config.cluster_id = 7;
  o.config.tick_ms = 10;
  o.config.initial_members.push_back(
      api::Member{.id = 1, .name = "n1", .peer_urls = {"http://a:2380"}});
  o.seed = 42;
  return o;
}

// Elects the single member and applies one put; returns its revision.
int64_t PutOne(ServerNode& n, const std::string& key, const std::string& v) {
  server::Server& s = n.server();
  int64_t now = 0;
  while (!s.is_leader() && now < 5000) {
    now += 10;
    s.Tick(now);
    s.Process();
  }
  EXPECT_TRUE(s.is_leader());
  s.Submit(1, mvcc::PutRequest{.key = key, .value = v});
  for (int i = 0; i < 10; i++) {
    now += 10;
    s.Tick(now);
    s.Process();
  }
  std::vector<server::ClientResponse> out = s.TakeResponses();
  EXPECT_EQ(out.size(), 1u);
  if (out.empty() || !out[0].result.ok()) return 0;
  return std::get<mvcc::PutResponse>(out[0].result.value()).header.revision;
}

std::string ValueOf(const ServerNode& n, const std::string& key) {
  Result<mvcc::RangeResponse> r =
      n.server().state().Range(mvcc::RangeRequest{.key = key});
  if (!r.ok() || r.value().kvs.empty()) return "<absent>";
  return r.value().kvs.front().value;
}

TEST(ServerNodeTest, BootsAndServesAPut) {
  ServerNode n(OneMember());
  EXPECT_EQ(PutOne(n, "k", "v"), 2);
  EXPECT_EQ(ValueOf(n, "k"), "v");
}

ServerNodeOptions MemberOfTwo(uint64_t id) {
  ServerNodeOptions o;
  o.config.member_id = id;
  o.config.cluster_id = 7;
  o.config.tick_ms = 10;
  for (uint64_t i = 1; i <= 2; i++) {
    o.config.initial_members.push_back(api::Member{
        .id = i, .name = "n", .peer_urls = {"http://a" + std::to_string(i)}});
  }
  o.seed = 40 + id;
  return o;
}

// Delivers messages between the members until none is left.
void Pump(std::vector<ServerNode*> nodes) {
  for (int round = 0; round < 100; round++) {
    bool any = false;
    for (ServerNode* n : nodes) {
      n->server().Process();
      for (const raft::Message& m : n->TakeMessages()) {
        any = true;
        nodes[m.to - 1]->server().Step(m);
      }
    }
    if (!any) return;
  }
}

// A follower saves the commit index in a Save without sync (only entries
// and votes need one); the backend batch of the put it then applies may
// survive a crash that loses that Save (two files, flushed
// independently). The restart must not trust the lower commit index.
TEST(ServerNodeTest, RestartsWhenTheBackendKeptMoreThanTheLogCommitted) {
  ServerNode n1(MemberOfTwo(1));
  ServerNode n2(MemberOfTwo(2));
  n1.server().Campaign();
  Pump({&n1, &n2});
  ASSERT_TRUE(n1.server().is_leader());
  n1.server().Submit(1, mvcc::PutRequest{.key = "k", .value = "v"});
  Pump({&n1, &n2});
  n1.server().Tick(10);  // a heartbeat carries the commit to n2
  Pump({&n1, &n2});
  ASSERT_EQ(ValueOf(n2, "k"), "v");
  ASSERT_GT(n2.disk().unsynced_bytes(), 0u);
  ASSERT_GT(n2.backend().unsynced_batches(), 0u);
  const raft::Index applied = n2.server().applied_index();
  storage::MemoryBackend::CrashOptions keep_all;
  keep_all.keep_unsynced = n2.backend().unsynced_batches();
  n2.Crash(/*log_tear_bytes=*/0, keep_all);
  n2.Restart();
  EXPECT_EQ(n2.server().applied_index(), applied);
  EXPECT_EQ(ValueOf(n2, "k"), "v");
  n1.server().Submit(2, mvcc::PutRequest{.key = "k", .value = "w"});
  Pump({&n1, &n2});
  n1.server().Tick(20);
  Pump({&n1, &n2});
  EXPECT_EQ(ValueOf(n2, "k"), "w");
}

// A crash point kills the process at its step: after-write leaves the
// entry unsynced, so the crash loses it and nothing was sent or answered.
TEST(ServerNodeTest, CrashPointStopsEverythingAfterIt) {
  ServerNode n(OneMember());
  ASSERT_EQ(PutOne(n, "k", "v"), 2);
  n.ArmCrash(CrashPoint::kAfterWrite);
  n.server().Submit(2, mvcc::PutRequest{.key = "k", .value = "lost"});
  n.server().Process();
  ASSERT_TRUE(n.dead());
  EXPECT_STREQ(n.cause(), "after-write");
  EXPECT_TRUE(n.TakeMessages().empty());
  n.Crash(/*log_tear_bytes=*/0, {});
  n.Restart();
  EXPECT_EQ(PutOne(n, "k2", "x"), 3);  // re-elected, the log re-applied
  EXPECT_EQ(ValueOf(n, "k"), "v");
}

// An fsync failure is fail-stop: the member dies at once.
TEST(ServerNodeTest, FsyncFailureKillsTheProcess) {
  ServerNode n(OneMember());
  ASSERT_EQ(PutOne(n, "k", "v"), 2);
  n.disk().FailNextSync();
  n.server().Submit(2, mvcc::PutRequest{.key = "k", .value = "x"});
  n.server().Process();
  ASSERT_TRUE(n.dead());
  EXPECT_STREQ(n.cause(), "fsync-failed");
  n.Crash(/*log_tear_bytes=*/0, {});
  n.Restart();
  EXPECT_EQ(PutOne(n, "k2", "x"), 3);  // re-elected, the log re-applied
  EXPECT_EQ(ValueOf(n, "k"), "v");
}

}  // namespace
}  // namespace cairn::sim
