// Request and response value types of the keyspace, mirroring the field
// names of etcd's etcdserverpb (RangeRequest, PutRequest, TxnRequest, ...)
// and mvccpb (KeyValue, Event) messages, plus the etcd error texts the
// keyspace returns. Pure core: plain values, no threads or I/O. The server
// layer (core/api) adapts these to the JSON gateway; fields keep proto3's
// defaults (0, "", false, the first enum value).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/util/status.h"

namespace cairn::mvcc {

// mvccpb.KeyValue. A key that never existed reads as all defaults.
struct KeyValue {
  std::string key;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  std::string value;
  int64_t lease = 0;

  bool operator==(const KeyValue&) const = default;
};

// mvccpb.Event. For a DELETE, kv holds only the key and the mod_revision of
// the deletion (as etcd's watchable store fills it). prev_kv is the key's
// state just before the change's main revision, or nullopt if it had none.
struct Event {
  enum class Type { kPut = 0, kDelete = 1 };
  Type type = Type::kPut;
  KeyValue kv;
  std::optional<KeyValue> prev_kv;

  bool operator==(const Event&) const = default;
};

struct ResponseHeader {
  int64_t revision = 0;
};

enum class SortOrder { kNone = 0, kAscend = 1, kDescend = 2 };
enum class SortTarget {
  kKey = 0,
  kVersion = 1,
  kCreate = 2,
  kMod = 3,
  kValue = 4
};

// etcdserverpb.RangeRequest. range_end: empty = the single key `key`;
// "\0" = every key >= key; otherwise the half-open [key, range_end).
struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t limit = 0;
  int64_t revision = 0;  // <= 0: the current revision
  SortOrder sort_order = SortOrder::kNone;
  SortTarget sort_target = SortTarget::kKey;
  bool serializable = false;  // meaningful to the server layer only
  bool keys_only = false;
  bool count_only = false;
  int64_t min_mod_revision = 0;
  int64_t max_mod_revision = 0;
  int64_t min_create_revision = 0;
  int64_t max_create_revision = 0;
};

struct RangeResponse {
  ResponseHeader header;
  std::vector<KeyValue> kvs;
  bool more = false;
  int64_t count = 0;
};

struct PutRequest {
  std::string key;
  std::string value;
  int64_t lease = 0;
  bool prev_kv = false;
  bool ignore_value = false;
  bool ignore_lease = false;
};

struct PutResponse {
  ResponseHeader header;
  std::optional<KeyValue> prev_kv;
};

struct DeleteRangeRequest {
  std::string key;
  std::string range_end;  // as in RangeRequest
  bool prev_kv = false;
};

struct DeleteRangeResponse {
  ResponseHeader header;
  int64_t deleted = 0;
  std::vector<KeyValue> prev_kvs;
};

// etcdserverpb.Compare. The target_union of etcd is spelled out as one
// field per target; only the field named by `target` is read.
struct Compare {
  enum class Result { kEqual = 0, kGreater = 1, kLess = 2, kNotEqual = 3 };
  enum class Target {
    kVersion = 0,
    kCreate = 1,
    kMod = 2,
    kValue = 3,
    kLease = 4
  };
  Result result = Result::kEqual;
  Target target = Target::kVersion;
  std::string key;
  int64_t version = 0;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  std::string value;
  int64_t lease = 0;
  std::string range_end;  // as in RangeRequest
};

struct RequestOp;
struct ResponseOp;

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<RequestOp> success;
  std::vector<RequestOp> failure;
};

// One operation of a txn. monostate is an op with no request set, which
// etcd rejects with "etcdserver: key not found".
struct RequestOp {
  std::variant<std::monostate, RangeRequest, PutRequest, DeleteRangeRequest,
               TxnRequest>
      request;
};

struct TxnResponse {
  ResponseHeader header;
  bool succeeded = false;
  std::vector<ResponseOp> responses;
};

struct ResponseOp {
  std::variant<RangeResponse, PutResponse, DeleteRangeResponse, TxnResponse>
      response;
};

struct CompactionRequest {
  int64_t revision = 0;
  bool physical = false;  // compaction is always complete on return here
};

struct CompactionResponse {
  ResponseHeader header;
};

struct HashKVResponse {
  ResponseHeader header;
  uint32_t hash = 0;
  int64_t compact_revision = 0;
};

// A write's response together with every event it made, in (main, sub)
// order, for the watch hub.
struct PutResult {
  PutResponse response;
  std::vector<Event> events;
};
struct DeleteRangeResult {
  DeleteRangeResponse response;
  std::vector<Event> events;
};
struct TxnResult {
  TxnResponse response;
  std::vector<Event> events;
};

// etcd's error values, with etcd's texts. mvcc errors keep the "mvcc: "
// text of etcd's mvcc package; the server layer prefixes "etcdserver: "
// as etcd's gRPC layer does.
Status ErrCompacted();       // "mvcc: required revision has been compacted"
Status ErrFutureRevision();  // "mvcc: required revision is a future revision"
Status ErrEmptyKey();        // "etcdserver: key is not provided"
Status ErrKeyNotFound();     // "etcdserver: key not found"
Status ErrValueProvided();   // "etcdserver: value is provided"
Status ErrLeaseProvided();   // "etcdserver: lease is provided"
Status ErrTooManyOps();      // "etcdserver: too many operations in txn request"
Status ErrDuplicateKey();    // "etcdserver: duplicate key given in txn request"
Status ErrLeaseNotFound();   // "etcdserver: requested lease not found"

// Deterministic renderings for transcripts and logs (STYLE.md T3).
std::string DescribeKeyValue(const KeyValue& kv);
std::string DescribeEvent(const Event& ev);

}  // namespace cairn::mvcc
