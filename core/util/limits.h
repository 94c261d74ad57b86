// Named limits (STYLE.md A9): every bound in cairn lives here or in a
// Config, so that hitting one is an explicit, documented error. Pure core.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cairn::limits {

// etcd's default --max-request-bytes (1.5 MiB); larger requests get
// "etcdserver: request is too large".
inline constexpr size_t kMaxRequestBytesDefault = 1536 * 1024;

// etcd's default --max-txn-ops.
inline constexpr size_t kMaxTxnOpsDefault = 128;

// The largest key etcd accepts is bounded only by the request size; we do
// the same but name it so that tests and the edge can refer to it.
inline constexpr size_t kMaxKeyBytes = kMaxRequestBytesDefault;

// The most leases a lessor holds at once (etcd has no such bound). Grants
// beyond it fail with kResourceExhausted; lease::Config can lower it.
inline constexpr size_t kMaxLeasesDefault = 1'000'000;

}  // namespace cairn::limits
