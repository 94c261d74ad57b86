#include "core/mvcc/types.h"

#include "core/util/strings.h"

namespace cairn::mvcc {

Status ErrCompacted() {
  return Status(Code::kCompacted, "mvcc: required revision has been compacted");
}
Status ErrFutureRevision() {
  return Status(Code::kFutureRevision,
                "mvcc: required revision is a future revision");
}
Status ErrEmptyKey() {
  return Status::InvalidArgument("etcdserver: key is not provided");
}
Status ErrKeyNotFound() {
  return Status::InvalidArgument("etcdserver: key not found");
}
Status ErrValueProvided() {
  return Status::InvalidArgument("etcdserver: value is provided");
}
Status ErrLeaseProvided() {
  return Status::InvalidArgument("etcdserver: lease is provided");
}
Status ErrTooManyOps() {
  return Status::InvalidArgument(
      "etcdserver: too many operations in txn request");
}
Status ErrDuplicateKey() {
  return Status::InvalidArgument(
      "etcdserver: duplicate key given in txn request");
}

Status ErrLeaseNotFound() {
  return Status(Code::kLeaseNotFound, "etcdserver: requested lease not found");
}

std::string DescribeKeyValue(const KeyValue& kv) {
  std::string out =
      StrFormat("%s create=%lld mod=%lld ver=%lld", EscapeBytes(kv.key).c_str(),
                static_cast<long long>(kv.create_revision),
                static_cast<long long>(kv.mod_revision),
                static_cast<long long>(kv.version));
  if (kv.lease != 0) {
    out += StrFormat(" lease=%lld", static_cast<long long>(kv.lease));
  }
  out += " value=" + EscapeBytes(kv.value);
  return out;
}

std::string DescribeEvent(const Event& ev) {
  std::string out;
  if (ev.type == Event::Type::kPut) {
    out = "PUT " + DescribeKeyValue(ev.kv);
  } else {
    // A DELETE's kv carries only the key and the deleting revision.
    out = StrFormat("DELETE %s mod=%lld", EscapeBytes(ev.kv.key).c_str(),
                    static_cast<long long>(ev.kv.mod_revision));
  }
  if (ev.prev_kv.has_value()) {
    out += " prev=(" + DescribeKeyValue(*ev.prev_kv) + ")";
  }
  return out;
}

}  // namespace cairn::mvcc
