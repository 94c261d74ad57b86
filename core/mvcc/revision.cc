#include "core/mvcc/revision.h"

#include "core/util/strings.h"

namespace cairn::mvcc {
namespace {

void AppendBigEndian(std::string& out, int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((u >> shift) & 0xff));
  }
}

}  // namespace

std::string EncodeRevision(Revision rev, bool tombstone) {
  std::string out;
  out.reserve(kRevisionBytes + 1);
  AppendBigEndian(out, rev.main);
  out.push_back('_');
  AppendBigEndian(out, rev.sub);
  if (tombstone) out.push_back('t');
  return out;
}

std::string RevisionToString(Revision rev) {
  return StrFormat("%lld.%lld", static_cast<long long>(rev.main),
                   static_cast<long long>(rev.sub));
}

}  // namespace cairn::mvcc
