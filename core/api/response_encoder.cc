#include "core/api/response_encoder.h"

#include "core/api/base64.h"
#include "core/api/json_writer.h"

namespace cairn::api {

namespace {

void PutKvs(Json& j, const char* name, const std::vector<mvcc::KeyValue>& kvs) {
  if (kvs.empty()) return;
  Json arr = Json::array();
  for (const auto& kv : kvs) arr.push_back(KeyValueJson(kv));
  j[name] = std::move(arr);
}

Json RangeJson(const mvcc::RangeResponse& r, const ResponseHeader& h) {
  Json j = Json::object();
  j["header"] = HeaderJson(WithRevision(h, r.header.revision));
  PutKvs(j, "kvs", r.kvs);
  PutBool(j, "more", r.more);
  PutInt(j, "count", r.count);
  return j;
}

Json PutJson(const mvcc::PutResponse& r, const ResponseHeader& h) {
  Json j = Json::object();
  j["header"] = HeaderJson(WithRevision(h, r.header.revision));
  if (r.prev_kv.has_value()) j["prev_kv"] = KeyValueJson(*r.prev_kv);
  return j;
}

Json DeleteRangeJson(const mvcc::DeleteRangeResponse& r,
                     const ResponseHeader& h) {
  Json j = Json::object();
  j["header"] = HeaderJson(WithRevision(h, r.header.revision));
  PutInt(j, "deleted", r.deleted);
  PutKvs(j, "prev_kvs", r.prev_kvs);
  return j;
}

Json TxnJson(const mvcc::TxnResponse& r, const ResponseHeader& h);

// Inside a txn, etcd's responses carry a header holding only a revision.
Json ResponseOpJson(const mvcc::ResponseOp& op) {
  Json j = Json::object();
  const ResponseHeader none;
  if (const auto* r = std::get_if<mvcc::RangeResponse>(&op.response)) {
    j["response_range"] = RangeJson(*r, none);
  } else if (const auto* p = std::get_if<mvcc::PutResponse>(&op.response)) {
    j["response_put"] = PutJson(*p, none);
  } else if (const auto* d =
                 std::get_if<mvcc::DeleteRangeResponse>(&op.response)) {
    j["response_delete_range"] = DeleteRangeJson(*d, none);
  } else {
    j["response_txn"] = TxnJson(std::get<mvcc::TxnResponse>(op.response), none);
  }
  return j;
}

Json TxnJson(const mvcc::TxnResponse& r, const ResponseHeader& h) {
  Json j = Json::object();
  j["header"] = HeaderJson(WithRevision(h, r.header.revision));
  PutBool(j, "succeeded", r.succeeded);
  if (!r.responses.empty()) {
    Json arr = Json::array();
    for (const auto& op : r.responses) arr.push_back(ResponseOpJson(op));
    j["responses"] = std::move(arr);
  }
  return j;
}

}  // namespace

std::string EncodeRangeResponse(const mvcc::RangeResponse& resp,
                                const ResponseHeader& header) {
  return Dump(RangeJson(resp, header));
}

std::string EncodePutResponse(const mvcc::PutResponse& resp,
                              const ResponseHeader& header) {
  return Dump(PutJson(resp, header));
}

std::string EncodeDeleteRangeResponse(const mvcc::DeleteRangeResponse& resp,
                                      const ResponseHeader& header) {
  return Dump(DeleteRangeJson(resp, header));
}

std::string EncodeTxnResponse(const mvcc::TxnResponse& resp,
                              const ResponseHeader& header) {
  return Dump(TxnJson(resp, header));
}

std::string EncodeCompactionResponse(const mvcc::CompactionResponse& resp,
                                     const ResponseHeader& header) {
  return Dump(HeaderOnly(WithRevision(header, resp.header.revision)));
}

std::string EncodeLeaseGrantResponse(const LeaseGrantResponse& resp) {
  Json j = HeaderOnly(resp.header);
  PutInt(j, "ID", resp.id);
  PutInt(j, "TTL", resp.ttl);
  if (!resp.error.empty()) j["error"] = resp.error;
  return Dump(j);
}

std::string EncodeLeaseRevokeResponse(const LeaseRevokeResponse& resp) {
  return Dump(HeaderOnly(resp.header));
}

std::string EncodeLeaseTimeToLiveResponse(const LeaseTimeToLiveResponse& resp) {
  Json j = HeaderOnly(resp.header);
  PutInt(j, "ID", resp.id);
  PutInt(j, "TTL", resp.ttl);
  PutInt(j, "grantedTTL", resp.granted_ttl);
  if (!resp.keys.empty()) {
    Json arr = Json::array();
    for (const auto& k : resp.keys) arr.push_back(EncodeBase64(k));
    j["keys"] = std::move(arr);
  }
  return Dump(j);
}

std::string EncodeLeaseLeasesResponse(const LeaseLeasesResponse& resp) {
  Json j = HeaderOnly(resp.header);
  if (!resp.leases.empty()) {
    Json arr = Json::array();
    for (int64_t id : resp.leases) {
      Json status = Json::object();
      PutInt(status, "ID", id);
      arr.push_back(std::move(status));
    }
    j["leases"] = std::move(arr);
  }
  return Dump(j);
}

std::string EncodeLeaseKeepAliveResponse(const LeaseKeepAliveResponse& resp) {
  Json inner = HeaderOnly(resp.header);
  PutInt(inner, "ID", resp.id);
  PutInt(inner, "TTL", resp.ttl);
  Json j = Json::object();
  j["result"] = std::move(inner);
  return Dump(j) + "\n";
}

std::string EncodeKeyValue(const mvcc::KeyValue& kv) {
  return Dump(KeyValueJson(kv));
}

}  // namespace cairn::api
