// Status: the outcome of an operation that can fail in an expected way
// (STYLE.md E1/E2). Pure core; a value type with no threads or I/O.
//
// A Status is a code plus a human-readable message. The codes follow etcd's
// vocabulary so that the edges can map each one onto etcd's gRPC code and
// HTTP status exactly once. Programmer errors are not Statuses: they crash
// through CAIRN_CHECK.
#pragma once

#include <string>
#include <string_view>

namespace cairn {

enum class Code {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kCompacted,
  kFutureRevision,
  kLeaseNotFound,
  kNotLeader,
  kNoLeader,
  kTimeout,
  kUnavailable,
  kPermissionDenied,
  kAuthFailed,
  kUnauthenticated,  // gRPC Unauthenticated, e.g. "invalid auth token"
  kTooManyRequests,
  kFailedPrecondition,
  kResourceExhausted,
  kOutOfRange,  // gRPC OutOfRange, e.g. "etcdserver: too large lease TTL"
  kIOError,
  kCorruption,
};

// Returns a stable lower-case name for `code`, e.g. "invalid-argument".
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  // The default Status is OK.
  Status() = default;
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status NotFound(std::string msg) {
    return Status(Code::kNotFound, std::move(msg));
  }
  static Status Corruption(std::string msg) {
    return Status(Code::kCorruption, std::move(msg));
  }
  static Status IOError(std::string msg) {
    return Status(Code::kIOError, std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "OK", or "<code name>: <message>".
  std::string ToString() const;

  bool operator==(const Status& other) const = default;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace cairn
