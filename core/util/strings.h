// String helpers for the core: printf-style formatting (g++ 12 has no
// <format>) and the escaping used by Describe/ToString renderers. Pure core.
#pragma once

#include <cstdarg>
#include <string>
#include <string_view>

namespace cairn {

// printf-style formatting into a std::string.
std::string StrFormat(const char* fmt, ...)
    __attribute__((format(printf, 1, 2)));
// The same over a va_list (for printf-like wrappers); `args` is consumed.
std::string StrFormatV(const char* fmt, va_list args)
    __attribute__((format(printf, 1, 0)));

// Renders bytes for humans and transcripts: printable ASCII as is, anything
// else as \xNN, so that a rendering never contains raw control bytes.
std::string EscapeBytes(std::string_view bytes);

}  // namespace cairn
