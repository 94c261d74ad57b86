#include "core/api/request_decoder.h"

#include <array>
#include <string>

#include "core/api/auth_codec.h"
#include "core/api/cluster_codec.h"
#include "core/api/json_reader.h"

namespace cairn::api {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 3> kSortOrderNames = {"NONE", "ASCEND",
                                                             "DESCEND"};
constexpr std::array<std::string_view, 5> kSortTargetNames = {
    "KEY", "VERSION", "CREATE", "MOD", "VALUE"};
constexpr std::array<std::string_view, 4> kCompareResultNames = {
    "EQUAL", "GREATER", "LESS", "NOT_EQUAL"};
constexpr std::array<std::string_view, 5> kCompareTargetNames = {
    "VERSION", "CREATE", "MOD", "VALUE", "LEASE"};

const EnumDesc kSortOrder{kSortOrderNames,
                          "etcdserverpb.RangeRequest_SortOrder"};
const EnumDesc kSortTarget{kSortTargetNames,
                           "etcdserverpb.RangeRequest_SortTarget"};
const EnumDesc kCompareResult{kCompareResultNames,
                              "etcdserverpb.Compare_CompareResult"};
const EnumDesc kCompareTarget{kCompareTargetNames,
                              "etcdserverpb.Compare_CompareTarget"};

// Each reader below reads the fields in proto field order, so that the
// first error is the one jsonpb (which walks the Go struct) reports.
mvcc::RangeRequest ReadRange(JsonReader& r) {
  mvcc::RangeRequest req;
  req.key = r.Bytes("key", "key");
  req.range_end = r.Bytes("range_end", "rangeEnd");
  req.limit = r.Int64("limit", "limit");
  req.revision = r.Int64("revision", "revision");
  req.sort_order = static_cast<mvcc::SortOrder>(
      r.Enum("sort_order", "sortOrder", kSortOrder));
  req.sort_target = static_cast<mvcc::SortTarget>(
      r.Enum("sort_target", "sortTarget", kSortTarget));
  req.serializable = r.Bool("serializable", "serializable");
  req.keys_only = r.Bool("keys_only", "keysOnly");
  req.count_only = r.Bool("count_only", "countOnly");
  req.min_mod_revision = r.Int64("min_mod_revision", "minModRevision");
  req.max_mod_revision = r.Int64("max_mod_revision", "maxModRevision");
  req.min_create_revision = r.Int64("min_create_revision", "minCreateRevision");
  req.max_create_revision = r.Int64("max_create_revision", "maxCreateRevision");
  return req;
}

mvcc::PutRequest ReadPut(JsonReader& r) {
  mvcc::PutRequest req;
  req.key = r.Bytes("key", "key");
  req.value = r.Bytes("value", "value");
  req.lease = r.Int64("lease", "lease");
  req.prev_kv = r.Bool("prev_kv", "prevKv");
  req.ignore_value = r.Bool("ignore_value", "ignoreValue");
  req.ignore_lease = r.Bool("ignore_lease", "ignoreLease");
  return req;
}

mvcc::DeleteRangeRequest ReadDeleteRange(JsonReader& r) {
  mvcc::DeleteRangeRequest req;
  req.key = r.Bytes("key", "key");
  req.range_end = r.Bytes("range_end", "rangeEnd");
  req.prev_kv = r.Bool("prev_kv", "prevKv");
  return req;
}

// jsonpb reads a message's plain fields first and its oneof members after
// them, so range_end precedes the target_union members here.
mvcc::Compare ReadCompare(JsonReader& r) {
  mvcc::Compare c;
  c.result = static_cast<mvcc::Compare::Result>(
      r.Enum("result", "result", kCompareResult));
  c.target = static_cast<mvcc::Compare::Target>(
      r.Enum("target", "target", kCompareTarget));
  c.key = r.Bytes("key", "key");
  c.range_end = r.Bytes("range_end", "rangeEnd");
  c.version = r.Int64("version", "version");
  c.create_revision = r.Int64("create_revision", "createRevision");
  c.mod_revision = r.Int64("mod_revision", "modRevision");
  c.value = r.Bytes("value", "value");
  c.lease = r.Int64("lease", "lease");
  return c;
}

mvcc::TxnRequest ReadTxn(JsonReader& r, int depth);

// Reads a sub-message field with its own reader; errors go to `r`.
template <class T, class ReadFn>
bool ReadSub(JsonReader& r, std::string_view name, std::string_view json_name,
             ReadFn read, mvcc::RequestOp& op) {
  const json* sub = r.Message(name, json_name);
  if (sub == nullptr) return false;
  JsonReader sr(*sub);
  T value = read(sr);
  if (!sr.ok()) {
    r.Fail(sr.status());
    return false;
  }
  op.request = std::move(value);
  return true;
}

// A RequestOp is a oneof: a later member overwrites an earlier one, as each
// jsonpb assignment to the Go oneof field does.
mvcc::RequestOp ReadRequestOp(JsonReader& r, int depth) {
  mvcc::RequestOp op;
  ReadSub<mvcc::RangeRequest>(r, "request_range", "requestRange", ReadRange,
                              op);
  ReadSub<mvcc::PutRequest>(r, "request_put", "requestPut", ReadPut, op);
  ReadSub<mvcc::DeleteRangeRequest>(r, "request_delete_range",
                                    "requestDeleteRange", ReadDeleteRange, op);
  if (r.Has("request_txn", "requestTxn") && depth + 1 > kMaxTxnDepth) {
    r.Fail(Status::InvalidArgument("cairn: txn nested deeper than " +
                                   std::to_string(kMaxTxnDepth) + " levels"));
    return op;
  }
  ReadSub<mvcc::TxnRequest>(
      r, "request_txn", "requestTxn",
      [depth](JsonReader& sr) { return ReadTxn(sr, depth + 1); }, op);
  return op;
}

// Reads each element of a repeated message field with `read`.
template <class T, class ReadFn>
std::vector<T> ReadList(JsonReader& r, std::string_view name,
                        std::string_view json_name, ReadFn read) {
  std::vector<T> out;
  const json* arr = r.Array(name, json_name);
  if (arr == nullptr) return out;
  for (const json& elem : *arr) {
    JsonReader er(elem);
    T value = read(er);
    if (!er.ok()) {
      r.Fail(er.status());
      return {};
    }
    out.push_back(std::move(value));
  }
  return out;
}

mvcc::TxnRequest ReadTxn(JsonReader& r, int depth) {
  mvcc::TxnRequest txn;
  txn.compare = ReadList<mvcc::Compare>(r, "compare", "compare", ReadCompare);
  auto read_op = [depth](JsonReader& er) { return ReadRequestOp(er, depth); };
  txn.success = ReadList<mvcc::RequestOp>(r, "success", "success", read_op);
  txn.failure = ReadList<mvcc::RequestOp>(r, "failure", "failure", read_op);
  return txn;
}

// Parses `body` and runs `read` over the top-level object.
template <class T, class ReadFn>
Result<T> Decode(std::string_view body, ReadFn read) {
  Result<json> root = ParseBody(body);
  if (!root.ok()) return root.status();
  JsonReader r(root.value());
  T value = read(r);
  if (!r.ok()) return r.status();
  return value;
}

}  // namespace

Result<mvcc::RangeRequest> DecodeRangeRequest(std::string_view body) {
  return Decode<mvcc::RangeRequest>(body, ReadRange);
}

Result<mvcc::PutRequest> DecodePutRequest(std::string_view body) {
  return Decode<mvcc::PutRequest>(body, ReadPut);
}

Result<mvcc::DeleteRangeRequest> DecodeDeleteRangeRequest(
    std::string_view body) {
  return Decode<mvcc::DeleteRangeRequest>(body, ReadDeleteRange);
}

Result<mvcc::TxnRequest> DecodeTxnRequest(std::string_view body) {
  return Decode<mvcc::TxnRequest>(
      body, [](JsonReader& r) { return ReadTxn(r, /*depth=*/1); });
}

Result<mvcc::CompactionRequest> DecodeCompactionRequest(std::string_view body) {
  return Decode<mvcc::CompactionRequest>(body, [](JsonReader& r) {
    mvcc::CompactionRequest req;
    req.revision = r.Int64("revision", "revision");
    req.physical = r.Bool("physical", "physical");
    return req;
  });
}

// The lease messages' proto names are upper case ("TTL", "ID"); their JSON
// names are the same, and Go's lookups are case-sensitive here, so "ttl" is
// an unknown field and is ignored, as etcd does.
Result<LeaseGrantRequest> DecodeLeaseGrantRequest(std::string_view body) {
  return Decode<LeaseGrantRequest>(body, [](JsonReader& r) {
    LeaseGrantRequest req;
    req.ttl = r.Int64("TTL", "TTL");
    req.id = r.Int64("ID", "ID");
    return req;
  });
}

Result<LeaseRevokeRequest> DecodeLeaseRevokeRequest(std::string_view body) {
  return Decode<LeaseRevokeRequest>(body, [](JsonReader& r) {
    return LeaseRevokeRequest{.id = r.Int64("ID", "ID")};
  });
}

Result<LeaseTimeToLiveRequest> DecodeLeaseTimeToLiveRequest(
    std::string_view body) {
  return Decode<LeaseTimeToLiveRequest>(body, [](JsonReader& r) {
    LeaseTimeToLiveRequest req;
    req.id = r.Int64("ID", "ID");
    req.keys = r.Bool("keys", "keys");
    return req;
  });
}

Result<LeaseLeasesRequest> DecodeLeaseLeasesRequest(std::string_view body) {
  return Decode<LeaseLeasesRequest>(
      body, [](JsonReader&) { return LeaseLeasesRequest{}; });
}

Result<LeaseKeepAliveRequest> DecodeLeaseKeepAliveRequest(
    std::string_view body) {
  return Decode<LeaseKeepAliveRequest>(body, [](JsonReader& r) {
    return LeaseKeepAliveRequest{.id = r.Int64("ID", "ID")};
  });
}

namespace {

template <class T>
Result<GatewayRequest> Widen(Result<T> r) {
  if (!r.ok()) return r.status();
  return GatewayRequest(std::move(r).value());
}

// The cluster and maintenance services. etcd 3.4 maps HashKV onto
// /v3/maintenance/hash too, where Hash shadows it, so HashKV is unreachable
// over its gateway; cairn serves it at /v3/maintenance/hashkv, as etcd 3.5
// does. /v3/maintenance/snapshot is a stream and is not decoded here.
Result<GatewayRequest> DecodeClusterRequest(std::string_view path,
                                            std::string_view body) {
  if (path == "/v3/cluster/member/add") {
    return Widen(DecodeMemberAddRequest(body));
  }
  if (path == "/v3/cluster/member/remove") {
    return Widen(DecodeMemberRemoveRequest(body));
  }
  if (path == "/v3/cluster/member/update") {
    return Widen(DecodeMemberUpdateRequest(body));
  }
  if (path == "/v3/cluster/member/list") {
    return Widen(DecodeMemberListRequest(body));
  }
  if (path == "/v3/cluster/member/promote") {
    return Widen(DecodeMemberPromoteRequest(body));
  }
  if (path == "/v3/maintenance/status") return Widen(DecodeStatusRequest(body));
  if (path == "/v3/maintenance/hash") return Widen(DecodeHashRequest(body));
  if (path == "/v3/maintenance/hashkv") return Widen(DecodeHashKVRequest(body));
  if (path == "/v3/maintenance/alarm") return Widen(DecodeAlarmRequest(body));
  if (path == "/v3/maintenance/defragment") {
    return Widen(DecodeDefragmentRequest(body));
  }
  if (path == "/v3/maintenance/transfer-leadership") {
    return Widen(DecodeMoveLeaderRequest(body));
  }
  return Status::NotFound("Not Found");
}

}  // namespace

Result<GatewayRequest> DecodeRequest(std::string_view path,
                                     std::string_view body) {
  if (path == "/v3/kv/range") return Widen(DecodeRangeRequest(body));
  if (path == "/v3/kv/put") return Widen(DecodePutRequest(body));
  if (path == "/v3/kv/deleterange") {
    return Widen(DecodeDeleteRangeRequest(body));
  }
  if (path == "/v3/kv/txn") return Widen(DecodeTxnRequest(body));
  if (path == "/v3/kv/compaction") return Widen(DecodeCompactionRequest(body));
  if (path == "/v3/lease/grant") return Widen(DecodeLeaseGrantRequest(body));
  // etcd 3.4 serves revoke, timetolive and leases under /v3/kv/lease/ too.
  if (path == "/v3/lease/revoke" || path == "/v3/kv/lease/revoke") {
    return Widen(DecodeLeaseRevokeRequest(body));
  }
  if (path == "/v3/lease/timetolive" || path == "/v3/kv/lease/timetolive") {
    return Widen(DecodeLeaseTimeToLiveRequest(body));
  }
  if (path == "/v3/lease/leases" || path == "/v3/kv/lease/leases") {
    return Widen(DecodeLeaseLeasesRequest(body));
  }
  if (path == "/v3/lease/keepalive") {
    return Widen(DecodeLeaseKeepAliveRequest(body));
  }
  if (IsAuthPath(path)) return DecodeAuthRequest(path, body);
  if (path.starts_with("/v3/cluster/") ||
      path.starts_with("/v3/maintenance/")) {
    return DecodeClusterRequest(path, body);
  }
  return Status::NotFound("Not Found");
}

}  // namespace cairn::api
