// Deterministic one-line renderings of decoded gateway requests, for
// transcripts and logs (STYLE.md T3). Pure core: stateless, no I/O.
//
// Only fields that differ from their proto3 default are shown, in proto
// field order; bytes print through EscapeBytes, enums by their etcd name
// (or their number when it names no value).
#pragma once

#include <string>

#include "core/api/requests.h"

namespace cairn::api {

// e.g. `put key="foo" value="bar" prev_kv`.
std::string DescribeRequest(const GatewayRequest& req);

}  // namespace cairn::api
