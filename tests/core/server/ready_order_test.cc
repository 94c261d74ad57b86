// The order of a Ready's steps on the leader and on a follower: a leader
// that was already leading sends its appends before it writes them (its
// followers write theirs meanwhile, dissertation 10.2.1); a follower
// writes before it acknowledges; a lone voter, whose commit covers the
// entries it is writing, writes first. Entries committed before a Ready's
// writes are applied and answered before them.
#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "core/server/server.h"
#include "core/storage/memory_backend.h"
#include "tests/core/server/cluster_env.h"

namespace cairn::server {
namespace {

// Notes, for every save that writes entries, how many messages the
// member had already handed to its transport.
class OrderLogStore : public MemoryLogStore {
 public:
  explicit OrderLogStore(const QueueTransport& t) : transport_(t) {}
  Status Save(const raft::HardState* hs,
              const std::vector<raft::Entry>& entries,
              const raft::Snapshot* snap, bool must_sync) override {
    if (!entries.empty()) sent_before_save.push_back(transport_.out.size());
    return MemoryLogStore::Save(hs, entries, snap, must_sync);
  }
  std::vector<size_t> sent_before_save;

 private:
  const QueueTransport& transport_;
};

struct Member {
  explicit Member(uint64_t member_id) : id(member_id), log(transport) {}
  uint64_t id;
  QueueTransport transport;
  OrderLogStore log;
  storage::MemoryBackend backend;
  NullLogger logger;
  Random random{id * 31};
  std::unique_ptr<Server> server;
};

std::vector<std::unique_ptr<Member>> StartCluster(int n) {
  Config c;
  for (int i = 1; i <= n; i++) {
    c.initial_members.push_back(
        {.id = static_cast<uint64_t>(i),
         .peer_urls = {"http://m" + std::to_string(i)}});
  }
  std::vector<std::unique_ptr<Member>> members;
  for (int i = 1; i <= n; i++) {
    auto m = std::make_unique<Member>(i);
    c.member_id = m->id;
    m->server = std::make_unique<Server>(c, m->log, m->backend, m->transport,
                                         m->logger, m->random);
    members.push_back(std::move(m));
  }
  return members;
}

// Delivers every queued message until none is left.
void Settle(std::vector<std::unique_ptr<Member>>& ms) {
  for (int round = 0; round < 50; round++) {
    bool any = false;
    for (auto& m : ms) {
      m->server->Process();
      std::vector<raft::Message> out = std::move(m->transport.out);
      m->transport.out.clear();
      for (raft::Message& msg : out) {
        any = true;
        ms[msg.to - 1]->server->Step(msg);
      }
    }
    if (!any) return;
  }
}

TEST(ReadyOrderTest, LeaderSendsBeforeItWritesFollowersWriteBeforeTheyAck) {
  auto ms = StartCluster(3);
  ms[0]->server->Campaign();
  Settle(ms);
  ASSERT_TRUE(ms[0]->server->is_leader());
  for (auto& m : ms) m->log.sent_before_save.clear();

  ms[0]->server->Submit(1, mvcc::PutRequest{.key = "k", .value = "v"});
  ms[0]->server->Process();
  // The appends to both followers were out before the leader's save.
  ASSERT_EQ(ms[0]->log.sent_before_save.size(), 1u);
  EXPECT_EQ(ms[0]->log.sent_before_save[0], 2u);
  Settle(ms);
  for (int f : {1, 2}) {
    ASSERT_FALSE(ms[f]->log.sent_before_save.empty());
    EXPECT_EQ(ms[f]->log.sent_before_save[0], 0u) << "member " << f + 1;
  }
  bool answered = false;
  for (const ClientResponse& r : ms[0]->server->TakeResponses()) {
    answered = answered || (r.client_token == 1 && r.result.ok());
  }
  EXPECT_TRUE(answered);
}

TEST(ReadyOrderTest, NewLeaderAndLoneVoterWriteFirst) {
  // The Ready in which a member becomes leader is written first.
  auto ms = StartCluster(3);
  ms[0]->server->Campaign();
  // Votes go out and come back; the Process that sees them makes the
  // leader and writes its empty entry.
  for (int i = 0; i < 3 && !ms[0]->server->is_leader(); i++) {
    ms[0]->server->Process();
    std::vector<raft::Message> out = std::move(ms[0]->transport.out);
    ms[0]->transport.out.clear();
    for (raft::Message& msg : out) {
      ms[msg.to - 1]->server->Step(msg);
      ms[msg.to - 1]->server->Process();
      for (raft::Message& back : ms[msg.to - 1]->transport.out) {
        ms[0]->server->Step(back);
      }
      ms[msg.to - 1]->transport.out.clear();
    }
  }
  ASSERT_TRUE(ms[0]->server->is_leader());
  ASSERT_EQ(ms[0]->log.sent_before_save.size(), 1u);
  EXPECT_EQ(ms[0]->log.sent_before_save[0], 0u);

  // A lone voter commits its entries as it appends them.
  auto one = StartCluster(1);
  one[0]->server->Campaign();
  Settle(one);
  ASSERT_TRUE(one[0]->server->is_leader());
  one[0]->log.sent_before_save.clear();
  one[0]->server->Submit(1, mvcc::PutRequest{.key = "k", .value = "v"});
  one[0]->server->Process();
  ASSERT_FALSE(one[0]->log.sent_before_save.empty());
  EXPECT_EQ(one[0]->log.sent_before_save[0], 0u);
}

// The leader's Ready holds the commit of put 1 (written by an earlier
// Ready) and the new entry of put 2: put 1 is answered (through the hook)
// before put 2 is written, so its client does not wait for that sync.
TEST(ReadyOrderTest, AnswersOfDurableEntriesGoOutBeforeTheNextWrite) {
  auto ms = StartCluster(3);
  ms[0]->server->Campaign();
  Settle(ms);
  ASSERT_TRUE(ms[0]->server->is_leader());
  Member& leader = *ms[0];
  std::vector<std::pair<uint64_t, size_t>> answered;  // token, saves before
  leader.server->SetAnswersReadyHook([&] {
    for (const ClientResponse& r : leader.server->TakeResponses()) {
      answered.emplace_back(r.client_token, leader.log.sent_before_save.size());
    }
  });
  leader.log.sent_before_save.clear();
  leader.server->Submit(1, mvcc::PutRequest{.key = "k1", .value = "v"});
  leader.server->Process();
  ASSERT_EQ(leader.log.sent_before_save.size(), 1u);
  // The followers write put 1 and acknowledge it.
  std::vector<raft::Message> acks;
  for (raft::Message& msg : std::exchange(leader.transport.out, {})) {
    Member& f = *ms[msg.to - 1];
    f.server->Step(msg);
    f.server->Process();
    for (raft::Message& back : std::exchange(f.transport.out, {})) {
      acks.push_back(std::move(back));
    }
  }
  ASSERT_FALSE(acks.empty());
  for (const raft::Message& a : acks) leader.server->Step(a);
  leader.server->Submit(2, mvcc::PutRequest{.key = "k2", .value = "v"});
  leader.server->Process();
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].first, 1u);
  EXPECT_EQ(answered[0].second, 1u);  // before put 2's write
  EXPECT_EQ(leader.log.sent_before_save.size(), 2u);
  EXPECT_TRUE(leader.server->TakeResponses().empty());

  // A lone voter commits what it writes: no answer comes before the write.
  auto one = StartCluster(1);
  one[0]->server->Campaign();
  Settle(one);
  bool early = false;
  one[0]->server->SetAnswersReadyHook([&] { early = true; });
  one[0]->server->Submit(1, mvcc::PutRequest{.key = "k", .value = "v"});
  one[0]->server->Process();
  EXPECT_FALSE(early);
  ASSERT_EQ(one[0]->server->TakeResponses().size(), 1u);
}

}  // namespace
}  // namespace cairn::server
