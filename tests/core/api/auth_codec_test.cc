// The /v3/auth gateway codec: etcd's field names (name/user/role, perm with
// permType/key/range_end, options.no_password), jsonpb's errors, and the
// responses as etcd 3.4.23 prints them (texts observed on etcd; the same
// calls are compared live by tests/cli/gateway_auth_compat.sh).
#include "core/api/auth_codec.h"

#include <gtest/gtest.h>

#include "core/api/gateway_error.h"
#include "core/api/request_decoder.h"

namespace cairn::api {
namespace {

TEST(AuthCodecTest, DecodesEveryPath) {
  Result<GatewayRequest> r = DecodeRequest(
      "/v3/auth/user/add",
      R"({"name":"u","password":"p","options":{"no_password":true}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& add = std::get<AuthUserAddRequest>(r.value());
  EXPECT_EQ(add.name, "u");
  EXPECT_EQ(add.password, "p");
  EXPECT_TRUE(add.no_password);
  EXPECT_TRUE(add.hashed_password.empty());  // never from a client

  r = DecodeRequest("/v3/auth/user/grant", R"({"user":"u","role":"r"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<AuthUserGrantRoleRequest>(r.value()).user, "u");
  r = DecodeRequest("/v3/auth/user/revoke", R"({"name":"u","role":"r"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<AuthUserRevokeRoleRequest>(r.value()).name, "u");

  r = DecodeRequest(
      "/v3/auth/role/grant",
      R"({"name":"r","perm":{"permType":"READWRITE","key":"YQ==","range_end":"AA=="}})");
  ASSERT_TRUE(r.ok());
  const auto& g = std::get<AuthRoleGrantPermissionRequest>(r.value());
  EXPECT_TRUE(g.has_perm);
  EXPECT_EQ(g.perm.perm_type, Permission::Type::kReadWrite);
  EXPECT_EQ(g.perm.key, "a");
  EXPECT_EQ(g.perm.range_end, std::string("\0", 1));
  r = DecodeRequest("/v3/auth/role/grant", R"({"name":"r"})");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(std::get<AuthRoleGrantPermissionRequest>(r.value()).has_perm);

  r = DecodeRequest("/v3/auth/role/revoke",
                    R"({"role":"r","key":"YQ==","range_end":"Yg=="})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<AuthRoleRevokePermissionRequest>(r.value()).range_end,
            "b");
  for (const char* path :
       {"/v3/auth/enable", "/v3/auth/disable", "/v3/auth/user/list",
        "/v3/auth/role/list", "/v3/auth/user/get", "/v3/auth/user/delete",
        "/v3/auth/user/changepw", "/v3/auth/role/add", "/v3/auth/role/get",
        "/v3/auth/role/delete", "/v3/auth/authenticate"}) {
    EXPECT_TRUE(DecodeRequest(path, "{}").ok()) << path;
  }
  EXPECT_EQ(DecodeRequest("/v3/auth/bogus", "{}").status(),
            Status::NotFound("Not Found"));
}

TEST(AuthCodecTest, MalformedBodiesGetJsonpbTexts) {
  auto err = [](const char* path, const char* body) {
    Result<GatewayRequest> r = DecodeRequest(path, body);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << body;
    return r.status().message();
  };
  EXPECT_EQ(err("/v3/auth/authenticate", R"({"name":["a"]})"),
            "json: cannot unmarshal array into Go value of type string");
  EXPECT_EQ(
      err("/v3/auth/role/grant", R"({"name":"r","perm":{"permType":"BAD"}})"),
      "unknown value \"BAD\" for enum authpb.Permission_Type");
  EXPECT_EQ(err("/v3/auth/role/grant", R"({"name":"r","perm":{"key":"!!"}})"),
            "illegal base64 data at input byte 0");
  EXPECT_EQ(err("/v3/auth/user/get", "[]"),
            "json: cannot unmarshal array into Go value of type "
            "map[string]json.RawMessage");
}

TEST(AuthCodecTest, EncodesAsEtcd) {
  const ResponseHeader h{
      .cluster_id = 1, .member_id = 2, .revision = 3, .raft_term = 4};
  const std::string hdr =
      R"("header":{"cluster_id":"1","member_id":"2","revision":"3","raft_term":"4"})";
  EXPECT_EQ(EncodeAuthResponse({.header = h}), "{" + hdr + "}");
  EXPECT_EQ(EncodeAuthenticateResponse({.header = h, .token = "abc.7"}),
            "{" + hdr + R"(,"token":"abc.7"})");
  EXPECT_EQ(EncodeAuthUserGetResponse({.header = h, .roles = {"r", "s"}}),
            "{" + hdr + R"(,"roles":["r","s"]})");
  EXPECT_EQ(EncodeAuthUserGetResponse({.header = h}), "{" + hdr + "}");
  EXPECT_EQ(EncodeAuthUserListResponse({.header = h, .users = {"root"}}),
            "{" + hdr + R"(,"users":["root"]})");
  EXPECT_EQ(EncodeAuthRoleListResponse({.header = h, .roles = {"x"}}),
            "{" + hdr + R"(,"roles":["x"]})");
  AuthRoleGetResponse rg{.header = h};
  rg.perm = {{.perm_type = Permission::Type::kRead,
              .key = "/foo",
              .range_end = "/fop"},
             {.perm_type = Permission::Type::kWrite, .key = "a"},
             {.perm_type = Permission::Type::kReadWrite,
              .range_end = std::string("\0", 1)},
             {.perm_type = static_cast<Permission::Type>(7), .key = "q"}};
  EXPECT_EQ(EncodeAuthRoleGetResponse(rg),
            "{" + hdr +
                R"(,"perm":[{"key":"L2Zvbw==","range_end":"L2ZvcA=="},)"
                R"({"permType":"WRITE","key":"YQ=="},)"
                R"({"permType":"READWRITE","range_end":"AA=="},)"
                R"({"permType":7,"key":"cQ=="}]})");
}

TEST(AuthCodecTest, AuthErrorsMapToEtcdCodes) {
  EXPECT_EQ(ToGatewayError(Status(Code::kUnauthenticated, "x")).http_status,
            401);
  EXPECT_EQ(static_cast<int>(
                ToGatewayError(Status(Code::kUnauthenticated, "x")).grpc_code),
            16);
  EXPECT_EQ(StatusFromGatewayError(GrpcCode::kUnauthenticated, "x").code(),
            Code::kUnauthenticated);
}

}  // namespace
}  // namespace cairn::api
