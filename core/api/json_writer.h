// Building blocks of the gateway's response encoding, shared by the
// keyspace, lease, watch and cluster encoders: proto3's JSON mapping with
// proto field names, fields at their default left out, 64-bit integers as
// strings, bytes as padded standard base64. Pure core: stateless, no
// threads or I/O, never throw.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/api/response_header.h"
#include "core/mvcc/types.h"

namespace cairn::api {

// ordered_json keeps insertion order, which the encoders make proto field
// order.
using Json = nlohmann::ordered_json;

// proto3 JSON: 64-bit integers are strings; a zero is left out.
void PutInt(Json& j, const char* name, int64_t v);
void PutUint(Json& j, const char* name, uint64_t v);
void PutBool(Json& j, const char* name, bool v);
void PutBytes(Json& j, const char* name, const std::string& v);
void PutString(Json& j, const char* name, const std::string& v);
// A repeated string field; left out when empty.
void PutStrings(Json& j, const char* name, const std::vector<std::string>& v);

// The header as a message field: printed whenever set, even when empty.
Json HeaderJson(const ResponseHeader& h);
// {"header": HeaderJson(h)}.
Json HeaderOnly(const ResponseHeader& h);
ResponseHeader WithRevision(ResponseHeader h, int64_t revision);
Json KeyValueJson(const mvcc::KeyValue& kv);

// Compact text of `j`; never throws (invalid UTF-8 is replaced).
std::string Dump(const Json& j);

}  // namespace cairn::api
