// Decoding of etcd v3 JSON-gateway request bodies into request values, with
// the error texts etcd 3.4's gateway gives for malformed bodies. Pure core:
// stateless functions, no threads or I/O, never throw.
//
// Every decode error is kInvalidArgument (gRPC InvalidArgument, HTTP 400 in
// etcd). Semantic checks (empty key, too many txn ops, ...) are not done
// here; they belong to the keyspace and lessor, as in etcd.
#pragma once

#include <string_view>

#include "core/api/requests.h"
#include "core/mvcc/types.h"
#include "core/util/result.h"

namespace cairn::api {

// Txn requests nested deeper than this are refused while decoding, so that
// decoding (which recurses once per level) has a bounded stack. etcd 3.4 has
// no such bound; docs/api.md lists it as a difference.
inline constexpr int kMaxTxnDepth = 64;

Result<mvcc::RangeRequest> DecodeRangeRequest(std::string_view body);
Result<mvcc::PutRequest> DecodePutRequest(std::string_view body);
Result<mvcc::DeleteRangeRequest> DecodeDeleteRangeRequest(
    std::string_view body);
Result<mvcc::TxnRequest> DecodeTxnRequest(std::string_view body);
Result<mvcc::CompactionRequest> DecodeCompactionRequest(std::string_view body);
Result<LeaseGrantRequest> DecodeLeaseGrantRequest(std::string_view body);
Result<LeaseRevokeRequest> DecodeLeaseRevokeRequest(std::string_view body);
Result<LeaseTimeToLiveRequest> DecodeLeaseTimeToLiveRequest(
    std::string_view body);
Result<LeaseLeasesRequest> DecodeLeaseLeasesRequest(std::string_view body);
Result<LeaseKeepAliveRequest> DecodeLeaseKeepAliveRequest(
    std::string_view body);

// Decodes `body` for the gateway path `path` ("/v3/kv/put", ...,
// "/v3/cluster/member/add", "/v3/maintenance/status", ...; see
// cluster_codec.h for the cluster and maintenance services).
// Errors: kNotFound "Not Found" for a path that is not one of the above
// (the gateway's 404 text); otherwise as the per-type decoders.
Result<GatewayRequest> DecodeRequest(std::string_view path,
                                     std::string_view body);

}  // namespace cairn::api
