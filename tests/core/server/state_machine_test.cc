// StateMachine: applying writes gives etcd's answers (lease checks,
// revoke in one revision, NOSPACE refusals, membership validation), and
// its backend layout round-trips: the state written batch by batch with
// WriteChanges and loaded back with Load has the same keyspace hash,
// leases (with their keys), members, removed ids, alarms and applied
// index. Damaged server records load as kCorruption.
#include "core/server/state_machine.h"

#include <gtest/gtest.h>

#include "core/server/backend_layout.h"
#include "core/storage/memory_backend.h"

namespace cairn::server {
namespace {

StateMachineOptions Options() {
  StateMachineOptions o;
  o.lessor.min_ttl_s = 2;
  return o;
}

void Commit(StateMachine& sm, storage::Backend& backend) {
  storage::WriteBatch batch;
  sm.WriteChanges(batch);
  ASSERT_TRUE(backend.Commit(batch, /*sync=*/true).ok());
}

uint32_t Hash(const StateMachine& sm) { return sm.kv().HashKV(0).value().hash; }

TEST(StateMachineTest, AppliesWritesLikeEtcd) {
  StateMachine sm(Options());
  ASSERT_TRUE(
      sm.ApplyWrite(api::LeaseGrantRequest{.ttl = 10, .id = 5}, 0).ok());
  EXPECT_EQ(sm.ApplyWrite(mvcc::PutRequest{.key = "x", .lease = 6}, 0)
                .status()
                .code(),
            Code::kLeaseNotFound);
  ASSERT_TRUE(sm.ApplyWrite(mvcc::PutRequest{.key = "a", .lease = 5}, 0).ok());
  ASSERT_TRUE(sm.ApplyWrite(mvcc::PutRequest{.key = "b", .lease = 5}, 0).ok());
  const int64_t before = sm.kv().rev();
  ASSERT_TRUE(sm.ApplyWrite(api::LeaseRevokeRequest{.id = 5}, 0).ok());
  EXPECT_EQ(sm.kv().rev(), before + 1);  // both keys in one revision
  EXPECT_EQ(
      sm.Range(mvcc::RangeRequest{.key = "a", .range_end = "c"}).value().count,
      0);
  api::AlarmRequest alarm;
  alarm.action = api::AlarmRequest::Action::kActivate;
  alarm.member_id = 1;
  alarm.alarm = api::AlarmType::kNoSpace;
  ASSERT_TRUE(sm.ApplyWrite(alarm, 0).ok());
  EXPECT_EQ(sm.ApplyWrite(mvcc::PutRequest{.key = "c"}, 0).status(),
            ErrNoSpace());
  EXPECT_TRUE(sm.ApplyWrite(mvcc::DeleteRangeRequest{.key = "c"}, 0).ok());
}

TEST(StateMachineTest, ValidatesMemberChanges) {
  StateMachine sm(Options());
  sm.AddInitialMember({.id = 1, .peer_urls = {"http://a"}});
  MemberChange add{.kind = MemberChange::Kind::kAdd,
                   .member = {.id = 2, .peer_urls = {"http://a"}}};
  EXPECT_EQ(sm.CheckMemberChange(add), ErrPeerUrlExist());
  add.member.peer_urls = {"http://b"};
  add.member.is_learner = true;
  ASSERT_TRUE(sm.CheckMemberChange(add).ok());
  sm.ApplyMemberChange(add);
  EXPECT_EQ(sm.CheckMemberChange(add), ErrMemberExist());
  MemberChange promote{.kind = MemberChange::Kind::kPromote,
                       .member = {.id = 1}};
  EXPECT_EQ(sm.CheckMemberChange(promote), ErrMemberNotLearner());
  MemberChange remove{.kind = MemberChange::Kind::kRemove, .member = {.id = 1}};
  EXPECT_EQ(sm.CheckMemberChange(remove), ErrUnhealthy());  // last voter
  remove.member.id = 2;
  ASSERT_TRUE(sm.CheckMemberChange(remove).ok());
  sm.ApplyMemberChange(remove);
  add.member.peer_urls = {"http://c"};
  EXPECT_EQ(sm.CheckMemberChange(add), ErrMemberExist());  // id removed
  EXPECT_EQ(sm.ConfState().voters, std::vector<uint64_t>{1});
}

TEST(StateMachineTest, BackendRoundTrip) {
  storage::MemoryBackend backend;
  StateMachine sm(Options());
  sm.AddInitialMember({.id = 1, .name = "one", .peer_urls = {"http://a"}});
  sm.AddInitialMember({.id = 2, .name = "two", .peer_urls = {"http://b"}});
  sm.SetApplied(1, 1);
  Commit(sm, backend);
  ASSERT_TRUE(
      sm.ApplyWrite(api::LeaseGrantRequest{.ttl = 30, .id = 9}, 0).ok());
  ASSERT_TRUE(sm.ApplyWrite(mvcc::PutRequest{.key = "k", .lease = 9}, 0).ok());
  ASSERT_TRUE(
      sm.ApplyWrite(mvcc::PutRequest{.key = "k2", .value = "v"}, 0).ok());
  ASSERT_TRUE(
      sm.ApplyWrite(mvcc::PutRequest{.key = "k2", .value = "w"}, 0).ok());
  ASSERT_TRUE(sm.ApplyWrite(mvcc::CompactionRequest{.revision = 3}, 0).ok());
  api::AlarmRequest alarm;
  alarm.action = api::AlarmRequest::Action::kActivate;
  alarm.member_id = 2;
  alarm.alarm = api::AlarmType::kNoSpace;
  ASSERT_TRUE(sm.ApplyWrite(alarm, 0).ok());
  sm.ApplyMemberChange(
      {.kind = MemberChange::Kind::kRemove, .member = {.id = 2}});
  sm.SetApplied(7, 2);
  Commit(sm, backend);

  Result<std::unique_ptr<StateMachine>> loaded =
      StateMachine::Load(Options(), backend);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const StateMachine& l = *loaded.value();
  EXPECT_EQ(l.applied_index(), 7u);
  EXPECT_EQ(l.applied_term(), 2u);
  EXPECT_EQ(Hash(l), Hash(sm));
  EXPECT_EQ(l.kv().rev(), sm.kv().rev());
  EXPECT_EQ(l.kv().compact_rev(), 3);
  EXPECT_EQ(l.Members(), sm.Members());
  EXPECT_TRUE(l.WasRemoved(2));
  EXPECT_TRUE(l.NoSpace());
  ASSERT_NE(l.lessor().Find(9), nullptr);
  EXPECT_EQ(l.lessor().LeaseOf("k"), 9);
}

TEST(StateMachineTest, DamagedServerRecordsAreCorruption) {
  storage::MemoryBackend backend;
  storage::WriteBatch batch;
  batch.Put(MemberKey(3), "not a member");
  ASSERT_TRUE(backend.Commit(batch, true).ok());
  EXPECT_EQ(StateMachine::Load(Options(), backend).status().code(),
            Code::kCorruption);
  storage::MemoryBackend backend2;
  storage::WriteBatch batch2;
  batch2.Put(std::string(kAppliedKey), "short");
  ASSERT_TRUE(backend2.Commit(batch2, true).ok());
  EXPECT_EQ(StateMachine::Load(Options(), backend2).status().code(),
            Code::kCorruption);
}

}  // namespace
}  // namespace cairn::server
