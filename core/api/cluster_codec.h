// Decoding of etcd v3 JSON-gateway bodies for the cluster and maintenance
// services (/v3/cluster/member/*, /v3/maintenance/*) and encoding of their
// responses as etcd 3.4's gateway prints them. Pure core: stateless
// functions, no threads or I/O, never throw.
//
// Decoding follows the conventions of request_decoder.h (jsonpb semantics,
// Go's error texts, every error kInvalidArgument). Encoding follows
// response_encoder.h (proto field names, defaults left out, 64-bit integers
// as strings), with these etcd 3.4 details, each observed on etcd 3.4.23:
//   - member responses print a header without a revision (etcd's cluster
//     server never sets one), so the encoders drop header.revision;
//   - Alarm, MoveLeader and Defragment responses carry no header at all
//     (etcd returns them without one), so their encoders take none;
//   - HashResponse.hash is a uint32 and prints as a JSON number.
#pragma once

#include <string>
#include <string_view>

#include "core/api/cluster_types.h"
#include "core/mvcc/types.h"
#include "core/util/result.h"

namespace cairn::api {

Result<MemberAddRequest> DecodeMemberAddRequest(std::string_view body);
Result<MemberRemoveRequest> DecodeMemberRemoveRequest(std::string_view body);
Result<MemberUpdateRequest> DecodeMemberUpdateRequest(std::string_view body);
Result<MemberListRequest> DecodeMemberListRequest(std::string_view body);
Result<MemberPromoteRequest> DecodeMemberPromoteRequest(std::string_view body);
Result<StatusRequest> DecodeStatusRequest(std::string_view body);
Result<HashRequest> DecodeHashRequest(std::string_view body);
Result<HashKVRequest> DecodeHashKVRequest(std::string_view body);
Result<AlarmRequest> DecodeAlarmRequest(std::string_view body);
Result<MoveLeaderRequest> DecodeMoveLeaderRequest(std::string_view body);
Result<DefragmentRequest> DecodeDefragmentRequest(std::string_view body);

std::string EncodeMemberAddResponse(const MemberAddResponse& resp);
std::string EncodeMemberRemoveResponse(const MemberRemoveResponse& resp);
std::string EncodeMemberUpdateResponse(const MemberUpdateResponse& resp);
std::string EncodeMemberListResponse(const MemberListResponse& resp);
std::string EncodeMemberPromoteResponse(const MemberPromoteResponse& resp);
std::string EncodeStatusResponse(const StatusResponse& resp);
std::string EncodeHashResponse(const HashResponse& resp);
// The keyspace's HashKV answer; its header.revision is the revision hashed
// and replaces header.revision, as for the keyspace responses.
std::string EncodeHashKVResponse(const mvcc::HashKVResponse& resp,
                                 const ResponseHeader& header);
std::string EncodeAlarmResponse(const AlarmResponse& resp);
std::string EncodeMoveLeaderResponse(const MoveLeaderResponse& resp);
std::string EncodeDefragmentResponse(const DefragmentResponse& resp);

}  // namespace cairn::api
