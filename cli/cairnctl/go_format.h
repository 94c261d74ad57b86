// Go's fmt verbs that etcdctl's output depends on, so that cairnctl prints
// byte-for-byte what etcdctl 3.4 prints. Edge code; stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::ctl {

// Go's %q of a string: double-quoted, with Go's escapes (\a \b \f \n \r
// \t \v \\ \", \xNN for invalid UTF-8 and other non-printable bytes,
// \uNNNN / \UNNNNNNNN for non-printable runes); printable UTF-8 is kept.
std::string GoQuote(std::string_view s);

// etcdctl's --hex rendering: every byte as "\xNN" (lower-case hex).
std::string HexEscape(std::string_view bytes);

// Go's %016x of a lease id (two's complement for negative ids).
std::string LeaseHex(int64_t id);

// Go's %16x (space padded) and %x of a member id.
std::string MemberHex16(uint64_t id);
std::string MemberHex(uint64_t id);

// Go's %v of a []string: "[a b c]".
std::string GoStringSlice(const std::vector<std::string>& items);

// Go's %v of a time.Duration, e.g. "1.234567ms", "12.5µs", "2s".
std::string GoDuration(int64_t nanos);

// Go's humanize.Bytes (as etcdctl's endpoint status prints dbSize):
// "20 kB", "1.2 MB".
std::string HumanizeBytes(uint64_t bytes);

}  // namespace cairn::ctl
