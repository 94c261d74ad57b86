#include "core/util/check.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

namespace cairn::internal {

// Writing to stderr here is the one exception to the core's no-I/O rule:
// the process is about to abort and this text is the bug report.
void CheckFailed(const char* file, int line, const char* cond, const char* fmt,
                 ...) {
  std::fprintf(stderr, "%s:%d: CHECK failed: %s: ", file, line, cond);
  va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace cairn::internal
