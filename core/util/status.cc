#include "core/util/status.h"

namespace cairn {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid-argument";
    case Code::kNotFound:
      return "not-found";
    case Code::kCompacted:
      return "compacted";
    case Code::kFutureRevision:
      return "future-revision";
    case Code::kLeaseNotFound:
      return "lease-not-found";
    case Code::kNotLeader:
      return "not-leader";
    case Code::kNoLeader:
      return "no-leader";
    case Code::kTimeout:
      return "timeout";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kPermissionDenied:
      return "permission-denied";
    case Code::kAuthFailed:
      return "auth-failed";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kTooManyRequests:
      return "too-many-requests";
    case Code::kFailedPrecondition:
      return "failed-precondition";
    case Code::kResourceExhausted:
      return "resource-exhausted";
    case Code::kOutOfRange:
      return "out-of-range";
    case Code::kIOError:
      return "io-error";
    case Code::kCorruption:
      return "corruption";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace cairn
