// JsonReader: reads the fields of one JSON object the way etcd 3.4's gateway
// (grpc-gateway v1 with golang/protobuf jsonpb) does, and reports the first
// problem with the text Go would give. Pure core: no threads or I/O; never
// throws (the JSON value is only inspected through non-throwing accessors).
//
// Matching jsonpb: a field is found under its proto name ("prev_kv") or its
// JSON name ("prevKv"); null reads as absent; unknown fields are ignored;
// 64-bit integers are accepted as numbers or as quoted numbers; enums as
// names or numbers; bytes as padded standard base64. Callers read fields in
// proto field order, so the first error reported is the one jsonpb reports.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.h"
#include "core/util/status.h"

namespace cairn::api {

// Parses `body` as etcd's gateway does: an empty (or all-blank) body or
// "null" is an empty object; only the first JSON value is read, so text
// after it is ignored (Go's json.Decoder.Decode). Numbers that are not
// integers are kept as binary values holding their literal text, so error
// texts can quote them as Go does. Nesting deeper than Go's 10000 levels is
// rejected. Errors: kInvalidArgument with Go's texts for syntax errors
// ("unexpected EOF", "invalid character 'x' looking for beginning of value").
Result<nlohmann::json> ParseBody(std::string_view body);

// Names of an enum's values, indexed by number, plus its Go type name.
struct EnumDesc {
  std::span<const std::string_view> names;
  std::string_view go_type;  // e.g. "etcdserverpb.RangeRequest_SortOrder"
};

class JsonReader {
 public:
  // `obj` must outlive the reader. A non-object `obj` is reported as an error
  // by the first read; null reads as an empty object.
  explicit JsonReader(const nlohmann::json& obj);

  // Each getter returns the field's value, or the proto3 default when it is
  // absent, null, or when an error has been recorded (then status() says so).
  std::string Bytes(std::string_view name, std::string_view json_name);
  // A string field (not base64: proto `string`).
  std::string String(std::string_view name, std::string_view json_name);
  int64_t Int64(std::string_view name, std::string_view json_name);
  uint64_t Uint64(std::string_view name, std::string_view json_name);
  bool Bool(std::string_view name, std::string_view json_name);
  // A repeated string field (e.g. "peerURLs"); a non-array value or a
  // non-string element is an error.
  std::vector<std::string> Strings(std::string_view name,
                                   std::string_view json_name);
  int32_t Enum(std::string_view name, std::string_view json_name,
               const EnumDesc& desc);
  // A repeated enum field: each element read as Enum reads a value.
  std::vector<int32_t> Enums(std::string_view name, std::string_view json_name,
                             const EnumDesc& desc);
  // A nested message: nullptr when absent or null. A non-object value is an
  // error. The pointer lives as long as `obj`.
  const nlohmann::json* Message(std::string_view name,
                                std::string_view json_name);
  // A repeated field: nullptr when absent or null; a non-array is an error.
  const nlohmann::json* Array(std::string_view name,
                              std::string_view json_name);
  // True when the field is present and not null.
  bool Has(std::string_view name, std::string_view json_name) const;

  // The first error recorded, or OK.
  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  // Records `s` unless an error is recorded already (first error wins).
  void Fail(Status s);

 private:
  const nlohmann::json* Find(std::string_view name,
                             std::string_view json_name) const;
  // A bytes field given as an array of numbers, as Go decodes one.
  std::string ByteArray(const nlohmann::json& array);

  const nlohmann::json& obj_;
  Status status_;
};

// Go's encoding/json name for the JSON type of `v` ("string", "number",
// "bool", "array", "object").
std::string_view GoJsonType(const nlohmann::json& v);

// Checks that `v` is an object (or null) as jsonpb requires of a message.
// Errors: "json: cannot unmarshal array into Go value of type
// map[string]json.RawMessage" and the like.
Status CheckObject(const nlohmann::json& v);

}  // namespace cairn::api
