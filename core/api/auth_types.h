// The auth service's request and response messages of etcd's etcdserverpb
// and authpb (Permission), as the JSON gateway carries them under
// /v3/auth/*. Pure core: plain values, no threads or I/O. Field names are
// etcd's; fields keep proto3's defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/api/response_header.h"

namespace cairn::api {

// authpb.Permission. range_end as in a range request: empty for the key
// alone, "\0" for every key from `key` on. perm_type may hold any int32
// (jsonpb accepts unknown enum numbers, and etcd stores them); such a
// permission grants nothing.
struct Permission {
  enum class Type : int32_t { kRead = 0, kWrite = 1, kReadWrite = 2 };
  Type perm_type = Type::kRead;
  std::string key;
  std::string range_end;
  bool operator==(const Permission&) const = default;
};

struct AuthEnableRequest {};
struct AuthDisableRequest {};
struct AuthenticateRequest {
  std::string name;
  std::string password;
  // Filled by an edge that checked the password itself (off the server's
  // thread): the hash it matched. Never read from a client.
  std::string verified_hash;
};
struct AuthUserAddRequest {
  std::string name;
  std::string password;
  bool no_password = false;  // options.no_password
  // Filled by the edge before the request reaches the server: the hash of
  // `password` (which is then cleared). Never read from a client.
  std::string hashed_password;
};
struct AuthUserGetRequest {
  std::string name;
};
struct AuthUserListRequest {};
struct AuthUserDeleteRequest {
  std::string name;
};
struct AuthUserChangePasswordRequest {
  std::string name;
  std::string password;
  std::string hashed_password;  // as in AuthUserAddRequest
};
struct AuthUserGrantRoleRequest {
  std::string user;
  std::string role;
};
struct AuthUserRevokeRoleRequest {
  std::string name;
  std::string role;
};
struct AuthRoleAddRequest {
  std::string name;
};
struct AuthRoleGetRequest {
  std::string role;
};
struct AuthRoleListRequest {};
struct AuthRoleDeleteRequest {
  std::string role;
};
struct AuthRoleGrantPermissionRequest {
  std::string name;
  Permission perm;
  bool has_perm = false;  // etcd 3.4 crashes without one; cairn refuses it
};
struct AuthRoleRevokePermissionRequest {
  std::string role;
  std::string key;
  std::string range_end;
};

// Every auth call but these four answers with a header only.
struct AuthResponse {
  ResponseHeader header;
};
struct AuthenticateResponse {
  ResponseHeader header;
  std::string token;
};
struct AuthUserGetResponse {
  ResponseHeader header;
  std::vector<std::string> roles;
};
struct AuthUserListResponse {
  ResponseHeader header;
  std::vector<std::string> users;
};
struct AuthRoleGetResponse {
  ResponseHeader header;
  std::vector<Permission> perm;
};
struct AuthRoleListResponse {
  ResponseHeader header;
  std::vector<std::string> roles;
};

}  // namespace cairn::api
