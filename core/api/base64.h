// Standard base64 (RFC 4648 section 4, with padding) as the etcd v3 JSON
// gateway uses it for every bytes field. Pure core: stateless functions, no
// threads or I/O, safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/util/result.h"

namespace cairn::api {

// Returns the padded standard base64 encoding of `bytes`.
std::string EncodeBase64(std::string_view bytes);

// Decodes `text` exactly as Go's base64.StdEncoding.Decode does (which is
// what etcd's gateway runs for a bytes field): '\r' and '\n' are skipped,
// padding is required, and trailing bits need not be zero.
// Errors: kInvalidArgument "illegal base64 data at input byte N" with Go's
// byte offset N for the first problem found.
Result<std::string> DecodeBase64(std::string_view text);

}  // namespace cairn::api
