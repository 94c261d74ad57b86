// Request checks that etcd makes before a request reaches the keyspace
// (etcdserver/api/v3rpc/key.go): empty keys, conflicting put flags, the
// txn op limit, and the rule against writing one key twice in a txn.
// Pure core: functions of the request alone, deterministic.
#pragma once

#include <cstddef>

#include "core/mvcc/types.h"
#include "core/util/status.h"

namespace cairn::mvcc {

// ErrEmptyKey when key is empty.
Status CheckRangeRequest(const RangeRequest& req);
Status CheckDeleteRequest(const DeleteRangeRequest& req);
// ErrEmptyKey; ErrValueProvided when ignore_value with a value;
// ErrLeaseProvided when ignore_lease with a lease.
Status CheckPutRequest(const PutRequest& req);

// etcd's checkTxnRequest followed by checkIntervals on both branches:
// ErrTooManyOps when the compares or either branch exceed max_ops (at every
// nesting level); ErrEmptyKey for a compare or op without a key;
// ErrKeyNotFound for an op with no request; the put checks above; and
// ErrDuplicateKey when a branch puts one key twice or puts a key that a
// delete of the same branch covers. A nested txn's success and failure
// branches may put the same key (only one runs). As in etcd 3.4, a delete
// with range_end "\0" (every key from `key` on) is not seen as covering
// any put: etcd's interval for it is [key, "\0"), which is empty.
Status CheckTxnRequest(const TxnRequest& req, size_t max_ops);

}  // namespace cairn::mvcc
