// The JSON gateway's side of the Server: which Server request a decoded
// gateway request is, and how a Server response prints as etcd 3.4's
// gateway prints it. The node's client API and any other front end are
// thin adapters over these two functions.
//
// Pure core: stateless functions, no threads or I/O.
#pragma once

#include <optional>
#include <string>

#include "core/api/requests.h"
#include "core/api/response_header.h"
#include "core/server/request.h"

namespace cairn::server {

// The Server request for `req`, or nullopt for the two maintenance
// requests a host serves from its own storage (Hash of the whole backend,
// Defragment).
std::optional<Request> ToServerRequest(const api::GatewayRequest& req);

// The gateway's JSON body for `resp`. `header` carries the cluster id,
// member id and Raft term of the answering member and its current
// revision; a response that knows its own revision (every keyspace
// response, HashKV, lease revoke) prints that one instead.
std::string EncodeResponse(const Response& resp,
                           const api::ResponseHeader& header);

}  // namespace cairn::server
