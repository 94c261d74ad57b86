#include "core/lease/lease.h"

#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::lease {

int64_t MinTtlSeconds(int64_t election_ticks, int64_t heartbeat_ms) {
  CAIRN_CHECK(election_ticks >= 1, "election_ticks=%lld",
              static_cast<long long>(election_ticks));
  CAIRN_CHECK(heartbeat_ms >= 1, "heartbeat_ms=%lld",
              static_cast<long long>(heartbeat_ms));
  // etcd: time.Duration((3*cfg.ElectionTicks)/2) * heartbeat, then
  // math.Ceil of the seconds. The tick product is an integer division.
  const int64_t min_ms = ((3 * election_ticks) / 2) * heartbeat_ms;
  return (min_ms + 999) / 1000;
}

std::string DescribeMs(int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  // Negate through unsigned arithmetic so that INT64_MIN cannot overflow.
  const uint64_t abs_ms =
      ms < 0 ? uint64_t{0} - static_cast<uint64_t>(ms) : uint64_t(ms);
  return StrFormat("%s%llu.%03llus", sign,
                   static_cast<unsigned long long>(abs_ms / 1000),
                   static_cast<unsigned long long>(abs_ms % 1000));
}

std::string DescribeLease(const Lease& lease, int64_t now_ms) {
  std::string out =
      StrFormat("lease %lld ttl=%llds", static_cast<long long>(lease.id),
                static_cast<long long>(lease.ttl_s));
  if (lease.expiry_ms == kForeverMs) {
    out += " remaining=forever";
  } else {
    out += " remaining=" + DescribeMs(lease.expiry_ms - now_ms);
  }
  if (lease.remaining_ttl_s != 0) {
    out += StrFormat(" checkpoint=%llds",
                     static_cast<long long>(lease.remaining_ttl_s));
  }
  out += " keys=[";
  bool first = true;
  for (const std::string& key : lease.keys) {
    if (!first) out += " ";
    first = false;
    out += EscapeBytes(key);
  }
  out += "]";
  return out;
}

}  // namespace cairn::lease
