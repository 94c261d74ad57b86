// Tests the mapping of cairn Status codes onto etcd 3.4's gateway errors:
// the gRPC code, the HTTP status grpc-gateway v1 derives from it, the
// "etcdserver: " prefix of mvcc texts, the body's field order, and the
// request-size check. The pairs marked "seen" were observed on etcd 3.4.23.
#include "core/api/gateway_error.h"

#include <gtest/gtest.h>

#include "core/lease/lessor.h"
#include "core/mvcc/types.h"

namespace cairn::api {
namespace {

TEST(GatewayErrorTest, MvccErrorsGetTheEtcdserverPrefix) {
  GatewayError e = ToGatewayError(mvcc::ErrCompacted());  // seen
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.grpc_code, GrpcCode::kOutOfRange);
  EXPECT_EQ(e.message,
            "etcdserver: mvcc: required revision has been compacted");
  e = ToGatewayError(mvcc::ErrFutureRevision());  // seen
  EXPECT_EQ(EncodeGatewayError(e),
            "{\"error\":\"etcdserver: mvcc: required revision is a future "
            "revision\",\"message\":\"etcdserver: mvcc: required revision is "
            "a future revision\",\"code\":11}");
}

TEST(GatewayErrorTest, KeyspaceAndLeaseErrors) {
  GatewayError e = ToGatewayError(mvcc::ErrKeyNotFound());  // seen
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.grpc_code, GrpcCode::kInvalidArgument);
  EXPECT_EQ(e.message, "etcdserver: key not found");
  e = ToGatewayError(mvcc::ErrLeaseNotFound());  // seen
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(e.grpc_code, GrpcCode::kNotFound);
  e = ToGatewayError(
      Status(Code::kOutOfRange, "etcdserver: too large lease TTL"));
  EXPECT_EQ(e.http_status, 400);  // seen
  EXPECT_EQ(e.grpc_code, GrpcCode::kOutOfRange);
  EXPECT_EQ(e.message, "etcdserver: too large lease TTL");
}

TEST(GatewayErrorTest, EveryCodeMapsToGrpcGatewayStatus) {
  struct Case {
    Code code;
    GrpcCode grpc;
    int http;
  };
  const Case cases[] = {
      {Code::kOk, GrpcCode::kOk, 200},
      {Code::kInvalidArgument, GrpcCode::kInvalidArgument, 400},
      {Code::kNotFound, GrpcCode::kNotFound, 404},
      {Code::kCompacted, GrpcCode::kOutOfRange, 400},
      {Code::kFutureRevision, GrpcCode::kOutOfRange, 400},
      {Code::kLeaseNotFound, GrpcCode::kNotFound, 404},
      {Code::kNotLeader, GrpcCode::kUnavailable, 503},
      {Code::kNoLeader, GrpcCode::kUnavailable, 503},
      {Code::kTimeout, GrpcCode::kUnavailable, 503},
      {Code::kUnavailable, GrpcCode::kUnavailable, 503},
      {Code::kPermissionDenied, GrpcCode::kPermissionDenied, 403},
      {Code::kAuthFailed, GrpcCode::kInvalidArgument, 400},
      {Code::kTooManyRequests, GrpcCode::kResourceExhausted, 429},
      {Code::kFailedPrecondition, GrpcCode::kFailedPrecondition, 412},
      {Code::kResourceExhausted, GrpcCode::kResourceExhausted, 429},
      {Code::kOutOfRange, GrpcCode::kOutOfRange, 400},
      {Code::kIOError, GrpcCode::kUnknown, 500},
      {Code::kCorruption, GrpcCode::kDataLoss, 500},
  };
  for (const Case& c : cases) {
    GatewayError e = ToGatewayError(Status(c.code, "x"));
    EXPECT_EQ(e.grpc_code, c.grpc) << CodeName(c.code);
    EXPECT_EQ(e.http_status, c.http) << CodeName(c.code);
    // What another member answered maps back to the same error.
    if (c.code == Code::kOk) continue;
    GatewayError back =
        ToGatewayError(StatusFromGatewayError(e.grpc_code, "x"));
    EXPECT_EQ(back.grpc_code, e.grpc_code) << CodeName(c.code);
    EXPECT_EQ(back.http_status, e.http_status) << CodeName(c.code);
    EXPECT_EQ(back.message, "x");
  }
  EXPECT_TRUE(StatusFromGatewayError(GrpcCode::kOk, "").ok());
  EXPECT_EQ(StatusFromGatewayError(GrpcCode::kAborted, "m").code(),
            Code::kIOError);
  EXPECT_EQ(HttpStatusFromGrpcCode(GrpcCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFromGrpcCode(GrpcCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusFromGrpcCode(GrpcCode::kDeadlineExceeded), 504);
}

TEST(GatewayErrorTest, RequestSizeCheck) {
  EXPECT_TRUE(CheckRequestSize(10, 10).ok());
  Status s = CheckRequestSize(11, 10);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "etcdserver: request is too large");
  EXPECT_EQ(ToGatewayError(s).http_status, 400);
}

TEST(GatewayErrorTest, InvalidUtf8NeverThrows) {
  GatewayError e{.http_status = 400,
                 .grpc_code = GrpcCode::kInvalidArgument,
                 .message = "bad \xff byte"};
  std::string body = EncodeGatewayError(e);
  EXPECT_NE(body.find("\"code\":3"), std::string::npos);
}

}  // namespace
}  // namespace cairn::api
