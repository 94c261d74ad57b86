#include "core/api/json_writer.h"

#include "core/api/base64.h"

namespace cairn::api {

void PutInt(Json& j, const char* name, int64_t v) {
  if (v != 0) j[name] = std::to_string(v);
}

void PutUint(Json& j, const char* name, uint64_t v) {
  if (v != 0) j[name] = std::to_string(v);
}

void PutBool(Json& j, const char* name, bool v) {
  if (v) j[name] = true;
}

void PutBytes(Json& j, const char* name, const std::string& v) {
  if (!v.empty()) j[name] = EncodeBase64(v);
}

void PutString(Json& j, const char* name, const std::string& v) {
  if (!v.empty()) j[name] = v;
}

void PutStrings(Json& j, const char* name, const std::vector<std::string>& v) {
  if (v.empty()) return;
  Json arr = Json::array();
  for (const auto& s : v) arr.push_back(s);
  j[name] = std::move(arr);
}

Json HeaderJson(const ResponseHeader& h) {
  Json j = Json::object();
  PutUint(j, "cluster_id", h.cluster_id);
  PutUint(j, "member_id", h.member_id);
  PutInt(j, "revision", h.revision);
  PutUint(j, "raft_term", h.raft_term);
  return j;
}

Json HeaderOnly(const ResponseHeader& h) {
  Json j = Json::object();
  j["header"] = HeaderJson(h);
  return j;
}

ResponseHeader WithRevision(ResponseHeader h, int64_t revision) {
  h.revision = revision;
  return h;
}

Json KeyValueJson(const mvcc::KeyValue& kv) {
  Json j = Json::object();
  PutBytes(j, "key", kv.key);
  PutInt(j, "create_revision", kv.create_revision);
  PutInt(j, "mod_revision", kv.mod_revision);
  PutInt(j, "version", kv.version);
  PutBytes(j, "value", kv.value);
  PutInt(j, "lease", kv.lease);
  return j;
}

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cairn::api
