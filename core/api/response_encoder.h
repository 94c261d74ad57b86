// Encoding of responses as etcd 3.4's JSON gateway prints them: proto3's
// JSON mapping with proto field names, fields at their default value left
// out, 64-bit integers as strings, bytes as padded standard base64, fields
// in proto order. Pure core: stateless functions, no threads or I/O, never
// throw.
//
// Top-level responses print the full ResponseHeader `header` (the keyspace
// response's own revision replaces header.revision). The responses inside a
// txn print only the revision their keyspace response carries, as etcd does
// (a nested txn's header prints as {}).
#pragma once

#include <string>

#include "core/api/requests.h"
#include "core/mvcc/types.h"

namespace cairn::api {

std::string EncodeRangeResponse(const mvcc::RangeResponse& resp,
                                const ResponseHeader& header);
std::string EncodePutResponse(const mvcc::PutResponse& resp,
                              const ResponseHeader& header);
std::string EncodeDeleteRangeResponse(const mvcc::DeleteRangeResponse& resp,
                                      const ResponseHeader& header);
std::string EncodeTxnResponse(const mvcc::TxnResponse& resp,
                              const ResponseHeader& header);
std::string EncodeCompactionResponse(const mvcc::CompactionResponse& resp,
                                     const ResponseHeader& header);

std::string EncodeLeaseGrantResponse(const LeaseGrantResponse& resp);
std::string EncodeLeaseRevokeResponse(const LeaseRevokeResponse& resp);
std::string EncodeLeaseTimeToLiveResponse(const LeaseTimeToLiveResponse& resp);
std::string EncodeLeaseLeasesResponse(const LeaseLeasesResponse& resp);
// The keep-alive answer is a stream message: etcd prints it wrapped as
// {"result":{...}} followed by a newline.
std::string EncodeLeaseKeepAliveResponse(const LeaseKeepAliveResponse& resp);

// One KeyValue object, e.g. {"key":"Zm9v","create_revision":"2",...}.
std::string EncodeKeyValue(const mvcc::KeyValue& kv);

}  // namespace cairn::api
