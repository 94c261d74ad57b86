#include "core/api/auth_codec.h"

#include <array>

#include "core/api/json_reader.h"
#include "core/api/json_writer.h"

namespace cairn::api {

namespace {

constexpr std::array<std::string_view, 3> kPermTypeNames = {"READ", "WRITE",
                                                            "READWRITE"};
const EnumDesc kPermType{kPermTypeNames, "authpb.Permission_Type"};

template <class T, class ReadFn>
Result<GatewayRequest> Decode(std::string_view body, ReadFn read) {
  Result<nlohmann::json> root = ParseBody(body);
  if (!root.ok()) return root.status();
  JsonReader r(root.value());
  T value = read(r);
  if (!r.ok()) return r.status();
  return GatewayRequest(std::move(value));
}

template <class T>
Result<GatewayRequest> DecodeEmpty(std::string_view body) {
  return Decode<T>(body, [](JsonReader&) { return T{}; });
}

// A nested message read with its own reader; errors go to `r`.
template <class ReadFn>
bool ReadSub(JsonReader& r, std::string_view name, std::string_view json_name,
             ReadFn read) {
  const nlohmann::json* sub = r.Message(name, json_name);
  if (sub == nullptr) return false;
  JsonReader sr(*sub);
  read(sr);
  if (!sr.ok()) r.Fail(sr.status());
  return sr.ok();
}

}  // namespace

bool IsAuthPath(std::string_view path) { return path.starts_with("/v3/auth/"); }

Result<GatewayRequest> DecodeAuthRequest(std::string_view path,
                                         std::string_view body) {
  if (path == "/v3/auth/enable") return DecodeEmpty<AuthEnableRequest>(body);
  if (path == "/v3/auth/disable") return DecodeEmpty<AuthDisableRequest>(body);
  if (path == "/v3/auth/authenticate") {
    return Decode<AuthenticateRequest>(body, [](JsonReader& r) {
      AuthenticateRequest q;
      q.name = r.String("name", "name");
      q.password = r.String("password", "password");
      return q;
    });
  }
  if (path == "/v3/auth/user/add") {
    return Decode<AuthUserAddRequest>(body, [](JsonReader& r) {
      AuthUserAddRequest q;
      q.name = r.String("name", "name");
      q.password = r.String("password", "password");
      ReadSub(r, "options", "options", [&q](JsonReader& o) {
        q.no_password = o.Bool("no_password", "noPassword");
      });
      return q;
    });
  }
  if (path == "/v3/auth/user/get") {
    return Decode<AuthUserGetRequest>(body, [](JsonReader& r) {
      return AuthUserGetRequest{.name = r.String("name", "name")};
    });
  }
  if (path == "/v3/auth/user/list") {
    return DecodeEmpty<AuthUserListRequest>(body);
  }
  if (path == "/v3/auth/user/delete") {
    return Decode<AuthUserDeleteRequest>(body, [](JsonReader& r) {
      return AuthUserDeleteRequest{.name = r.String("name", "name")};
    });
  }
  if (path == "/v3/auth/user/changepw") {
    return Decode<AuthUserChangePasswordRequest>(body, [](JsonReader& r) {
      AuthUserChangePasswordRequest q;
      q.name = r.String("name", "name");
      q.password = r.String("password", "password");
      return q;
    });
  }
  if (path == "/v3/auth/user/grant") {
    return Decode<AuthUserGrantRoleRequest>(body, [](JsonReader& r) {
      AuthUserGrantRoleRequest q;
      q.user = r.String("user", "user");
      q.role = r.String("role", "role");
      return q;
    });
  }
  if (path == "/v3/auth/user/revoke") {
    return Decode<AuthUserRevokeRoleRequest>(body, [](JsonReader& r) {
      AuthUserRevokeRoleRequest q;
      q.name = r.String("name", "name");
      q.role = r.String("role", "role");
      return q;
    });
  }
  if (path == "/v3/auth/role/add") {
    return Decode<AuthRoleAddRequest>(body, [](JsonReader& r) {
      return AuthRoleAddRequest{.name = r.String("name", "name")};
    });
  }
  if (path == "/v3/auth/role/get") {
    return Decode<AuthRoleGetRequest>(body, [](JsonReader& r) {
      return AuthRoleGetRequest{.role = r.String("role", "role")};
    });
  }
  if (path == "/v3/auth/role/list") {
    return DecodeEmpty<AuthRoleListRequest>(body);
  }
  if (path == "/v3/auth/role/delete") {
    return Decode<AuthRoleDeleteRequest>(body, [](JsonReader& r) {
      return AuthRoleDeleteRequest{.role = r.String("role", "role")};
    });
  }
  if (path == "/v3/auth/role/grant") {
    return Decode<AuthRoleGrantPermissionRequest>(body, [](JsonReader& r) {
      AuthRoleGrantPermissionRequest q;
      q.name = r.String("name", "name");
      q.has_perm = ReadSub(r, "perm", "perm", [&q](JsonReader& p) {
        q.perm.perm_type = static_cast<Permission::Type>(
            p.Enum("permType", "permType", kPermType));
        q.perm.key = p.Bytes("key", "key");
        q.perm.range_end = p.Bytes("range_end", "rangeEnd");
      });
      return q;
    });
  }
  if (path == "/v3/auth/role/revoke") {
    return Decode<AuthRoleRevokePermissionRequest>(body, [](JsonReader& r) {
      AuthRoleRevokePermissionRequest q;
      q.role = r.String("role", "role");
      q.key = r.Bytes("key", "key");
      q.range_end = r.Bytes("range_end", "rangeEnd");
      return q;
    });
  }
  return Status::NotFound("Not Found");
}

std::string EncodeAuthResponse(const AuthResponse& resp) {
  return Dump(HeaderOnly(resp.header));
}

std::string EncodeAuthenticateResponse(const AuthenticateResponse& resp) {
  Json j = HeaderOnly(resp.header);
  PutString(j, "token", resp.token);
  return Dump(j);
}

std::string EncodeAuthUserGetResponse(const AuthUserGetResponse& resp) {
  Json j = HeaderOnly(resp.header);
  PutStrings(j, "roles", resp.roles);
  return Dump(j);
}

std::string EncodeAuthUserListResponse(const AuthUserListResponse& resp) {
  Json j = HeaderOnly(resp.header);
  PutStrings(j, "users", resp.users);
  return Dump(j);
}

std::string EncodeAuthRoleGetResponse(const AuthRoleGetResponse& resp) {
  Json j = HeaderOnly(resp.header);
  if (!resp.perm.empty()) {
    Json arr = Json::array();
    for (const Permission& p : resp.perm) {
      Json pj = Json::object();
      const int32_t t = static_cast<int32_t>(p.perm_type);
      if (t > 0 && t < static_cast<int32_t>(kPermTypeNames.size())) {
        pj["permType"] = std::string(kPermTypeNames[t]);
      } else if (t != 0) {
        pj["permType"] = t;  // an unknown value prints as its number
      }
      PutBytes(pj, "key", p.key);
      PutBytes(pj, "range_end", p.range_end);
      arr.push_back(std::move(pj));
    }
    j["perm"] = std::move(arr);
  }
  return Dump(j);
}

std::string EncodeAuthRoleListResponse(const AuthRoleListResponse& resp) {
  Json j = HeaderOnly(resp.header);
  PutStrings(j, "roles", resp.roles);
  return Dump(j);
}

}  // namespace cairn::api
