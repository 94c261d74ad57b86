// HostAnswer: a unary call's answer as the node's host loop gives it,
// typed, before a front end encodes it: the JSON gateway (client_api.h)
// prints it as etcd's gateway does (EncodeGatewayJson), the gRPC front end
// (grpc_server.h) converts it to etcd's protobuf messages. Edge code:
// plain values, no threads.
#pragma once

#include <cstddef>
#include <string>
#include <variant>

#include "core/api/cluster_types.h"
#include "core/api/response_header.h"
#include "core/server/request.h"
#include "core/util/result.h"

namespace cairn::node {

// A Server response, or one of the two maintenance answers the host gives
// from its own storage (Hash of the whole backend, Defragment).
using HostResponse =
    std::variant<server::Response, api::HashResponse, api::DefragmentResponse>;

struct HostAnswer {
  HostResponse response;
  // The answering member's cluster id, member id, Raft term and current
  // revision when it answered; a response that knows its own revision
  // (server::EncodeResponse) shows that one instead.
  api::ResponseHeader header;
};

// A unary answer: the typed answer or the error, or, for a leader-only
// request on a follower, the leader's client URL to forward it to. The
// front end that asked encodes it.
struct UnaryAnswer {
  Result<HostAnswer> answer = HostAnswer();
  std::string forward_url;
};

// The JSON gateway's body for `answer`, as etcd 3.4's gateway prints it.
std::string EncodeGatewayJson(const HostAnswer& answer);

// The bytes of the keys and values `answer` carries (ranges, previous
// values, nested in txns), plus 64 for each key-value: what its
// encoding's cost grows with.
size_t KeyValueBytes(const HostAnswer& answer);

// The largest KeyValueBytes of an answer the host loop encodes and sends
// itself; a larger one is left to a front end's thread.
inline constexpr size_t kCheapAnswerBytes = 16 << 10;

}  // namespace cairn::node
