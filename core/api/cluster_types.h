// The cluster and maintenance request and response messages of etcd's
// etcdserverpb (MemberAdd/Remove/Update/List/Promote, Status, Hash, HashKV,
// Alarm, MoveLeader, Defragment). Pure core: plain
// values, no threads or I/O. Field names are etcd 3.4's (its proto field
// names are what the JSON gateway prints: "peerURLs", "isLearner", "ID");
// fields keep proto3's defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/api/response_header.h"

namespace cairn::api {

// etcdserverpb.Member. A member added but not yet started has an empty
// name and no client URLs, as in etcd.
struct Member {
  uint64_t id = 0;  // "ID"
  std::string name;
  std::vector<std::string> peer_urls;    // "peerURLs"
  std::vector<std::string> client_urls;  // "clientURLs"
  bool is_learner = false;               // "isLearner"

  bool operator==(const Member&) const = default;
};

struct MemberAddRequest {
  std::vector<std::string> peer_urls;
  bool is_learner = false;
};
struct MemberAddResponse {
  ResponseHeader header;
  Member member;
  std::vector<Member> members;
};
struct MemberRemoveRequest {
  uint64_t id = 0;
};
struct MemberRemoveResponse {
  ResponseHeader header;
  std::vector<Member> members;
};
struct MemberUpdateRequest {
  uint64_t id = 0;
  std::vector<std::string> peer_urls;
};
struct MemberUpdateResponse {
  ResponseHeader header;
  std::vector<Member> members;
};
struct MemberListRequest {};
struct MemberListResponse {
  ResponseHeader header;
  std::vector<Member> members;
};
struct MemberPromoteRequest {
  uint64_t id = 0;
};
struct MemberPromoteResponse {
  ResponseHeader header;
  std::vector<Member> members;
};

struct StatusRequest {};
struct StatusResponse {
  ResponseHeader header;
  std::string version;
  int64_t db_size = 0;  // "dbSize"
  uint64_t leader = 0;
  uint64_t raft_index = 0;          // "raftIndex"
  uint64_t raft_term = 0;           // "raftTerm"
  uint64_t raft_applied_index = 0;  // "raftAppliedIndex"
  std::vector<std::string> errors;
  int64_t db_size_in_use = 0;  // "dbSizeInUse"
  bool is_learner = false;     // "isLearner"
};

struct HashRequest {};
struct HashResponse {
  ResponseHeader header;
  uint32_t hash = 0;
};
struct HashKVRequest {
  int64_t revision = 0;
};
// The response is mvcc::HashKVResponse (the keyspace computes it).

enum class AlarmType { kNone = 0, kNoSpace = 1, kCorrupt = 2 };
struct AlarmMember {
  uint64_t member_id = 0;  // "memberID"
  AlarmType alarm = AlarmType::kNone;

  bool operator==(const AlarmMember&) const = default;
};
struct AlarmRequest {
  enum class Action { kGet = 0, kActivate = 1, kDeactivate = 2 };
  Action action = Action::kGet;
  uint64_t member_id = 0;  // "memberID"
  AlarmType alarm = AlarmType::kNone;
};
struct AlarmResponse {
  ResponseHeader header;
  std::vector<AlarmMember> alarms;
};

struct MoveLeaderRequest {
  uint64_t target_id = 0;  // "targetID"
};
struct MoveLeaderResponse {
  ResponseHeader header;
};
struct DefragmentRequest {};
struct DefragmentResponse {
  ResponseHeader header;
};

}  // namespace cairn::api
