// CAIRN_CHECK and CAIRN_DCHECK: assertions for programmer errors
// (STYLE.md E3). A failed check prints file:line, the condition and a
// printf-style message to stderr, then aborts. CAIRN_CHECK stays on in
// release builds; CAIRN_DCHECK (for expensive checks such as full-log scans)
// is compiled out only when NDEBUG is set and CAIRN_FORCE_DCHECK is not.
// Pure core: the failure path is the only place the core writes anything.
#pragma once

namespace cairn::internal {

[[noreturn]] void CheckFailed(const char* file, int line, const char* cond,
                              const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));

}  // namespace cairn::internal

#define CAIRN_CHECK(cond, ...)                                                \
  do {                                                                        \
    if (!(cond)) [[unlikely]] {                                               \
      ::cairn::internal::CheckFailed(__FILE__, __LINE__, #cond, __VA_ARGS__); \
    }                                                                         \
  } while (0)

#if !defined(NDEBUG) || defined(CAIRN_FORCE_DCHECK)
#define CAIRN_DCHECK(cond, ...) CAIRN_CHECK(cond, __VA_ARGS__)
#else
#define CAIRN_DCHECK(cond, ...) \
  do {                          \
  } while (false && (cond))
#endif
