#include "core/api/gateway_error.h"

#include <nlohmann/json.hpp>
#include <string_view>

namespace cairn::api {

int HttpStatusFromGrpcCode(GrpcCode code) {
  switch (code) {
    case GrpcCode::kOk:
      return 200;
    case GrpcCode::kCanceled:
      return 408;
    case GrpcCode::kUnknown:
      return 500;
    case GrpcCode::kInvalidArgument:
      return 400;
    case GrpcCode::kDeadlineExceeded:
      return 504;
    case GrpcCode::kNotFound:
      return 404;
    case GrpcCode::kAlreadyExists:
      return 409;
    case GrpcCode::kPermissionDenied:
      return 403;
    case GrpcCode::kResourceExhausted:
      return 429;
    case GrpcCode::kFailedPrecondition:
      return 412;
    case GrpcCode::kAborted:
      return 409;
    case GrpcCode::kOutOfRange:
      return 400;
    case GrpcCode::kUnimplemented:
      return 501;
    case GrpcCode::kInternal:
      return 500;
    case GrpcCode::kUnavailable:
      return 503;
    case GrpcCode::kDataLoss:
      return 500;
    case GrpcCode::kUnauthenticated:
      return 401;
  }
  return 500;
}

namespace {

// The gRPC code etcd's rpctypes gives each error class: compaction and
// future-revision errors are OutOfRange, a missing lease NotFound, leader
// trouble and timeouts Unavailable, bad credentials InvalidArgument
// (ErrGRPCAuthFailed), "too many requests" ResourceExhausted.
GrpcCode GrpcCodeOf(Code code) {
  switch (code) {
    case Code::kOk:
      return GrpcCode::kOk;
    case Code::kInvalidArgument:
    case Code::kAuthFailed:
      return GrpcCode::kInvalidArgument;
    case Code::kNotFound:
    case Code::kLeaseNotFound:
      return GrpcCode::kNotFound;
    case Code::kCompacted:
    case Code::kFutureRevision:
    case Code::kOutOfRange:
      return GrpcCode::kOutOfRange;
    case Code::kNotLeader:
    case Code::kNoLeader:
    case Code::kTimeout:
    case Code::kUnavailable:
      return GrpcCode::kUnavailable;
    case Code::kPermissionDenied:
      return GrpcCode::kPermissionDenied;
    case Code::kUnauthenticated:
      return GrpcCode::kUnauthenticated;
    case Code::kTooManyRequests:
    case Code::kResourceExhausted:
      return GrpcCode::kResourceExhausted;
    case Code::kFailedPrecondition:
      return GrpcCode::kFailedPrecondition;
    case Code::kIOError:
      return GrpcCode::kUnknown;
    case Code::kCorruption:
      return GrpcCode::kDataLoss;
  }
  return GrpcCode::kUnknown;
}

}  // namespace

GatewayError ToGatewayError(const Status& status) {
  GatewayError err;
  err.grpc_code = GrpcCodeOf(status.code());
  err.http_status = HttpStatusFromGrpcCode(err.grpc_code);
  std::string_view msg = status.message();
  // etcd's mvcc errors reach clients through rpctypes, whose texts carry
  // the "etcdserver: " prefix in front of the mvcc package's own text.
  if (msg.substr(0, 6) == "mvcc: ") {
    err.message = "etcdserver: " + std::string(msg);
  } else {
    err.message = std::string(msg);
  }
  return err;
}

Status StatusFromGatewayError(GrpcCode code, std::string message) {
  switch (code) {
    case GrpcCode::kOk:
      return Status::Ok();
    case GrpcCode::kInvalidArgument:
      return Status(Code::kInvalidArgument, std::move(message));
    case GrpcCode::kNotFound:
      return Status(Code::kNotFound, std::move(message));
    case GrpcCode::kOutOfRange:
      return Status(Code::kOutOfRange, std::move(message));
    case GrpcCode::kUnavailable:
      return Status(Code::kUnavailable, std::move(message));
    case GrpcCode::kPermissionDenied:
      return Status(Code::kPermissionDenied, std::move(message));
    case GrpcCode::kResourceExhausted:
      return Status(Code::kResourceExhausted, std::move(message));
    case GrpcCode::kFailedPrecondition:
      return Status(Code::kFailedPrecondition, std::move(message));
    case GrpcCode::kDataLoss:
      return Status(Code::kCorruption, std::move(message));
    case GrpcCode::kUnauthenticated:
      return Status(Code::kUnauthenticated, std::move(message));
    default:
      return Status(Code::kIOError, std::move(message));
  }
}

GatewayError ToStreamDecodeError(const Status& decode_status) {
  return GatewayError{.http_status = HttpStatusFromGrpcCode(GrpcCode::kUnknown),
                      .grpc_code = GrpcCode::kUnknown,
                      .message = decode_status.message()};
}

std::string EncodeGatewayError(const GatewayError& err) {
  nlohmann::ordered_json j;
  j["error"] = err.message;
  j["message"] = err.message;
  j["code"] = static_cast<int>(err.grpc_code);
  // Replace rather than throw on invalid UTF-8 (STYLE.md E4).
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status CheckRequestSize(size_t body_bytes, size_t max_bytes) {
  if (body_bytes <= max_bytes) return Status::Ok();
  return Status::InvalidArgument("etcdserver: request is too large");
}

}  // namespace cairn::api
