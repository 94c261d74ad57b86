// The auth service over etcd 3.4's JSON gateway (/v3/auth/*): request
// decoding with etcd's field names, and responses printed as etcd prints
// them. Pure core: stateless functions, no threads or I/O, never throw.
#pragma once

#include <string>
#include <string_view>

#include "core/api/auth_types.h"
#include "core/api/requests.h"
#include "core/util/result.h"

namespace cairn::api {

// True for a path under /v3/auth/.
bool IsAuthPath(std::string_view path);
// Decodes the body of /v3/auth/<path>. Errors: kNotFound "Not Found" for
// an unknown auth path; kInvalidArgument for a malformed body (jsonpb's
// texts, as request_decoder.h).
Result<GatewayRequest> DecodeAuthRequest(std::string_view path,
                                         std::string_view body);

std::string EncodeAuthResponse(const AuthResponse& resp);
std::string EncodeAuthenticateResponse(const AuthenticateResponse& resp);
std::string EncodeAuthUserGetResponse(const AuthUserGetResponse& resp);
std::string EncodeAuthUserListResponse(const AuthUserListResponse& resp);
std::string EncodeAuthRoleGetResponse(const AuthRoleGetResponse& resp);
std::string EncodeAuthRoleListResponse(const AuthRoleListResponse& resp);

}  // namespace cairn::api
