#include "cli/cairn/host_answer.h"

#include <type_traits>
#include <variant>
#include <vector>

#include "core/api/cluster_codec.h"
#include "core/server/gateway.h"

namespace cairn::node {

std::string EncodeGatewayJson(const HostAnswer& answer) {
  if (const auto* r = std::get_if<server::Response>(&answer.response)) {
    return server::EncodeResponse(*r, answer.header);
  }
  // The host's own answers carry the header they were made with.
  if (const auto* h = std::get_if<api::HashResponse>(&answer.response)) {
    return api::EncodeHashResponse(*h);
  }
  return api::EncodeDefragmentResponse(
      std::get<api::DefragmentResponse>(answer.response));
}

namespace {

// A key-value's other fields and the JSON around it cost about as much
// to encode as 64 bytes of key or value.
size_t Bytes(const mvcc::KeyValue& kv) {
  return kv.key.size() + kv.value.size() + 64;
}

size_t Bytes(const std::vector<mvcc::KeyValue>& kvs) {
  size_t n = 0;
  for (const mvcc::KeyValue& kv : kvs) n += Bytes(kv);
  return n;
}

size_t Bytes(const mvcc::TxnResponse& txn) {
  size_t n = 0;
  for (const mvcc::ResponseOp& op : txn.responses) {
    n += std::visit(
        [](const auto& r) -> size_t {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, mvcc::RangeResponse>) {
            return Bytes(r.kvs);
          } else if constexpr (std::is_same_v<T, mvcc::PutResponse>) {
            return r.prev_kv ? Bytes(*r.prev_kv) : 0;
          } else if constexpr (std::is_same_v<T, mvcc::DeleteRangeResponse>) {
            return Bytes(r.prev_kvs);
          } else {
            return Bytes(r);
          }
        },
        op.response);
  }
  return n;
}

}  // namespace

size_t KeyValueBytes(const HostAnswer& answer) {
  const auto* r = std::get_if<server::Response>(&answer.response);
  if (r == nullptr) return 0;
  if (const auto* range = std::get_if<mvcc::RangeResponse>(r)) {
    return Bytes(range->kvs);
  }
  if (const auto* put = std::get_if<mvcc::PutResponse>(r)) {
    return put->prev_kv ? Bytes(*put->prev_kv) : 0;
  }
  if (const auto* del = std::get_if<mvcc::DeleteRangeResponse>(r)) {
    return Bytes(del->prev_kvs);
  }
  if (const auto* txn = std::get_if<mvcc::TxnResponse>(r)) return Bytes(*txn);
  return 0;
}

}  // namespace cairn::node
