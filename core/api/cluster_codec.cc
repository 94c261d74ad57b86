#include "core/api/cluster_codec.h"

#include <array>

#include "core/api/json_reader.h"
#include "core/api/json_writer.h"

namespace cairn::api {

namespace {

constexpr std::array<std::string_view, 3> kAlarmActionNames = {
    "GET", "ACTIVATE", "DEACTIVATE"};
constexpr std::array<std::string_view, 3> kAlarmTypeNames = {"NONE", "NOSPACE",
                                                             "CORRUPT"};
const EnumDesc kAlarmAction{kAlarmActionNames,
                            "etcdserverpb.AlarmRequest_AlarmAction"};
const EnumDesc kAlarmType{kAlarmTypeNames, "etcdserverpb.AlarmType"};

// Parses `body` and runs `read` over the top-level object.
template <class T, class ReadFn>
Result<T> Decode(std::string_view body, ReadFn read) {
  Result<nlohmann::json> root = ParseBody(body);
  if (!root.ok()) return root.status();
  JsonReader r(root.value());
  T value = read(r);
  if (!r.ok()) return r.status();
  return value;
}

// A message with no fields still has to be a JSON object.
template <class T>
Result<T> DecodeEmpty(std::string_view body) {
  return Decode<T>(body, [](JsonReader&) { return T{}; });
}

// The member protos name their fields "ID", "peerURLs", "isLearner": the
// proto names and JSON names coincide, and Go's lookups are exact, so
// "peer_urls" or "id" are unknown fields and are ignored, as in etcd.
Json MemberJson(const Member& m) {
  Json j = Json::object();
  PutUint(j, "ID", m.id);
  PutString(j, "name", m.name);
  PutStrings(j, "peerURLs", m.peer_urls);
  PutStrings(j, "clientURLs", m.client_urls);
  PutBool(j, "isLearner", m.is_learner);
  return j;
}

// etcd's cluster server builds its header without a revision.
Json MemberHeaderOnly(const ResponseHeader& h) {
  return HeaderOnly(WithRevision(h, 0));
}

void PutMembers(Json& j, const std::vector<Member>& members) {
  if (members.empty()) return;
  Json arr = Json::array();
  for (const auto& m : members) arr.push_back(MemberJson(m));
  j["members"] = std::move(arr);
}

std::string MembersOnly(const ResponseHeader& h,
                        const std::vector<Member>& members) {
  Json j = MemberHeaderOnly(h);
  PutMembers(j, members);
  return Dump(j);
}

// An enum prints by name; a number that names no value prints as the
// number, as jsonpb does for open proto3 enums.
template <size_t N>
void PutEnum(Json& j, const char* name, int v,
             const std::array<std::string_view, N>& names) {
  if (v == 0) return;
  if (v > 0 && static_cast<size_t>(v) < N) {
    j[name] = std::string(names[static_cast<size_t>(v)]);
  } else {
    j[name] = v;
  }
}

}  // namespace

Result<MemberAddRequest> DecodeMemberAddRequest(std::string_view body) {
  return Decode<MemberAddRequest>(body, [](JsonReader& r) {
    MemberAddRequest req;
    req.peer_urls = r.Strings("peerURLs", "peerURLs");
    req.is_learner = r.Bool("isLearner", "isLearner");
    return req;
  });
}

Result<MemberRemoveRequest> DecodeMemberRemoveRequest(std::string_view body) {
  return Decode<MemberRemoveRequest>(body, [](JsonReader& r) {
    return MemberRemoveRequest{.id = r.Uint64("ID", "ID")};
  });
}

Result<MemberUpdateRequest> DecodeMemberUpdateRequest(std::string_view body) {
  return Decode<MemberUpdateRequest>(body, [](JsonReader& r) {
    MemberUpdateRequest req;
    req.id = r.Uint64("ID", "ID");
    req.peer_urls = r.Strings("peerURLs", "peerURLs");
    return req;
  });
}

// etcd 3.4's MemberListRequest has no fields ("linearizable" came in 3.5
// and is ignored here like any unknown field).
Result<MemberListRequest> DecodeMemberListRequest(std::string_view body) {
  return DecodeEmpty<MemberListRequest>(body);
}

Result<MemberPromoteRequest> DecodeMemberPromoteRequest(std::string_view body) {
  return Decode<MemberPromoteRequest>(body, [](JsonReader& r) {
    return MemberPromoteRequest{.id = r.Uint64("ID", "ID")};
  });
}

Result<StatusRequest> DecodeStatusRequest(std::string_view body) {
  return DecodeEmpty<StatusRequest>(body);
}

Result<HashRequest> DecodeHashRequest(std::string_view body) {
  return DecodeEmpty<HashRequest>(body);
}

Result<HashKVRequest> DecodeHashKVRequest(std::string_view body) {
  return Decode<HashKVRequest>(body, [](JsonReader& r) {
    return HashKVRequest{.revision = r.Int64("revision", "revision")};
  });
}

Result<AlarmRequest> DecodeAlarmRequest(std::string_view body) {
  return Decode<AlarmRequest>(body, [](JsonReader& r) {
    AlarmRequest req;
    req.action = static_cast<AlarmRequest::Action>(
        r.Enum("action", "action", kAlarmAction));
    req.member_id = r.Uint64("memberID", "memberID");
    req.alarm = static_cast<AlarmType>(r.Enum("alarm", "alarm", kAlarmType));
    return req;
  });
}

Result<MoveLeaderRequest> DecodeMoveLeaderRequest(std::string_view body) {
  return Decode<MoveLeaderRequest>(body, [](JsonReader& r) {
    return MoveLeaderRequest{.target_id = r.Uint64("targetID", "targetID")};
  });
}

Result<DefragmentRequest> DecodeDefragmentRequest(std::string_view body) {
  return DecodeEmpty<DefragmentRequest>(body);
}

std::string EncodeMemberAddResponse(const MemberAddResponse& resp) {
  Json j = MemberHeaderOnly(resp.header);
  j["member"] = MemberJson(resp.member);
  PutMembers(j, resp.members);
  return Dump(j);
}

std::string EncodeMemberRemoveResponse(const MemberRemoveResponse& resp) {
  return MembersOnly(resp.header, resp.members);
}

std::string EncodeMemberUpdateResponse(const MemberUpdateResponse& resp) {
  return MembersOnly(resp.header, resp.members);
}

std::string EncodeMemberListResponse(const MemberListResponse& resp) {
  return MembersOnly(resp.header, resp.members);
}

std::string EncodeMemberPromoteResponse(const MemberPromoteResponse& resp) {
  return MembersOnly(resp.header, resp.members);
}

std::string EncodeStatusResponse(const StatusResponse& resp) {
  Json j = HeaderOnly(resp.header);
  PutString(j, "version", resp.version);
  PutInt(j, "dbSize", resp.db_size);
  PutUint(j, "leader", resp.leader);
  PutUint(j, "raftIndex", resp.raft_index);
  PutUint(j, "raftTerm", resp.raft_term);
  PutUint(j, "raftAppliedIndex", resp.raft_applied_index);
  PutStrings(j, "errors", resp.errors);
  PutInt(j, "dbSizeInUse", resp.db_size_in_use);
  PutBool(j, "isLearner", resp.is_learner);
  return Dump(j);
}

std::string EncodeHashResponse(const HashResponse& resp) {
  Json j = HeaderOnly(resp.header);
  if (resp.hash != 0) j["hash"] = resp.hash;  // uint32: a JSON number
  return Dump(j);
}

std::string EncodeHashKVResponse(const mvcc::HashKVResponse& resp,
                                 const ResponseHeader& header) {
  Json j = HeaderOnly(WithRevision(header, resp.header.revision));
  if (resp.hash != 0) j["hash"] = resp.hash;
  PutInt(j, "compact_revision", resp.compact_revision);
  return Dump(j);
}

std::string EncodeAlarmResponse(const AlarmResponse& resp) {
  Json j = Json::object();
  if (!resp.alarms.empty()) {
    Json arr = Json::array();
    for (const auto& a : resp.alarms) {
      Json alarm = Json::object();
      PutUint(alarm, "memberID", a.member_id);
      PutEnum(alarm, "alarm", static_cast<int>(a.alarm), kAlarmTypeNames);
      arr.push_back(std::move(alarm));
    }
    j["alarms"] = std::move(arr);
  }
  return Dump(j);
}

std::string EncodeMoveLeaderResponse(const MoveLeaderResponse&) {
  return Dump(Json::object());
}

std::string EncodeDefragmentResponse(const DefragmentResponse&) {
  return Dump(Json::object());
}

}  // namespace cairn::api
