// GatewayError: how etcd 3.4's JSON gateway reports a failed call, and the
// mapping from cairn's Status codes onto it. Pure core: stateless functions,
// no threads or I/O.
//
// The gateway answers {"error": MSG, "message": MSG, "code": N} where N is
// the gRPC code and the HTTP status follows from N as grpc-gateway v1's
// HTTPStatusFromCode maps it.
#pragma once

#include <cstddef>
#include <string>

#include "core/util/status.h"

namespace cairn::api {

// gRPC status codes (google.golang.org/grpc/codes).
enum class GrpcCode {
  kOk = 0,
  kCanceled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

struct GatewayError {
  int http_status = 200;
  GrpcCode grpc_code = GrpcCode::kOk;
  std::string message;
};

// grpc-gateway v1's HTTPStatusFromCode.
int HttpStatusFromGrpcCode(GrpcCode code);

// Maps a Status to what etcd's gateway would answer. The message is the
// Status message, with "etcdserver: " put before the mvcc package's
// "mvcc: ..." texts as etcd's gRPC layer does (e.g. "etcdserver: mvcc:
// required revision has been compacted"). kOk maps to 200/kOk/"".
GatewayError ToGatewayError(const Status& status);

// The inverse, for an error another member answered (a forwarded
// request): a Status that ToGatewayError maps back to the same gRPC code
// and message. Codes cairn never produces come back as kIOError (gRPC
// Unknown).
Status StatusFromGatewayError(GrpcCode code, std::string message);

// The error for a body that failed to decode on a streaming path
// (/v3/lease/keepalive, /v3/watch): grpc-gateway reports stream decode
// errors as Unknown (code 2, HTTP 500) with the decoder's message, where
// unary paths give InvalidArgument (observed on etcd 3.4.23).
GatewayError ToStreamDecodeError(const Status& decode_status);

// The JSON body for `err`: {"error":MSG,"message":MSG,"code":N}, in the
// field order etcd 3.4 prints.
std::string EncodeGatewayError(const GatewayError& err);

// The edge's request size check (etcd --max-request-bytes). Errors:
// kInvalidArgument "etcdserver: request is too large" when body_bytes is
// larger than max_bytes (etcd's ErrGRPCRequestTooLarge, InvalidArgument).
Status CheckRequestSize(size_t body_bytes, size_t max_bytes);

}  // namespace cairn::api
