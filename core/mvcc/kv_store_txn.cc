// KvStore's txn: compares, the checks on the branch taken, and applying it
// (etcd's etcdserver/apply.go Txn, compareToPath, checkRequests, applyTxn).
#include <algorithm>
#include <utility>

#include "core/mvcc/kv_store.h"
#include "core/mvcc/request_check.h"
#include "core/util/check.h"

namespace cairn::mvcc {

// Which branch each txn takes: this txn's, then one entry per nested txn
// of the taken branch, in order (etcd's flat txnPath, as a tree).
struct KvStore::TxnPath {
  bool succeeded = false;
  std::vector<TxnPath> nested;
};

namespace {

int CompareInt(int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

// etcd's compareKV.
bool CompareKv(const Compare& cmp, const KeyValue& kv) {
  int result = 0;
  switch (cmp.target) {
    case Compare::Target::kValue:
      result = kv.value.compare(cmp.value);
      break;
    case Compare::Target::kCreate:
      result = CompareInt(kv.create_revision, cmp.create_revision);
      break;
    case Compare::Target::kMod:
      result = CompareInt(kv.mod_revision, cmp.mod_revision);
      break;
    case Compare::Target::kVersion:
      result = CompareInt(kv.version, cmp.version);
      break;
    case Compare::Target::kLease:
      result = CompareInt(kv.lease, cmp.lease);
      break;
  }
  switch (cmp.result) {
    case Compare::Result::kEqual:
      return result == 0;
    case Compare::Result::kNotEqual:
      return result != 0;
    case Compare::Result::kGreater:
      return result > 0;
    case Compare::Result::kLess:
      return result < 0;
  }
  return false;
}

const std::vector<RequestOp>& TakenOps(const TxnRequest& req, bool succeeded) {
  return succeeded ? req.success : req.failure;
}

}  // namespace

// etcd's applyCompare: every key in the range must satisfy the compare. A
// missing key compares as a KeyValue of zeros, except that a VALUE compare
// on no key at all fails (gRPC cannot tell a missing value from "").
bool KvStore::CompareHolds(const Compare& cmp) const {
  RawRange raw =
      RangeKeys(MakeRange(cmp.key, cmp.range_end), current_rev_, 0, false);
  if (raw.kvs.empty()) {
    if (cmp.target == Compare::Target::kValue) return false;
    return CompareKv(cmp, KeyValue{});
  }
  return std::all_of(raw.kvs.begin(), raw.kvs.end(),
                     [&cmp](const KeyValue& kv) { return CompareKv(cmp, kv); });
}

// All compares, nested ones included, read the state before the txn.
KvStore::TxnPath KvStore::ComparePath(const TxnRequest& req) const {
  TxnPath path;
  path.succeeded =
      std::all_of(req.compare.begin(), req.compare.end(),
                  [this](const Compare& c) { return CompareHolds(c); });
  for (const RequestOp& op : TakenOps(req, path.succeeded)) {
    if (const auto* t = std::get_if<TxnRequest>(&op.request)) {
      path.nested.push_back(ComparePath(*t));
    }
  }
  return path;
}

// etcd's checkPut over the taken path: lease existence, and for
// ignore_value/ignore_lease a key that exists before the txn. etcd would
// crash applying such a put whose key an earlier delete of the same txn
// removed (possible only through a "\0" range_end, see request_check.h);
// we reject the txn with ErrKeyNotFound instead.
Status KvStore::CheckPuts(const TxnRequest& req, const TxnPath& path,
                          std::vector<KeyRange>& deletes) const {
  size_t nested = 0;
  for (const RequestOp& op : TakenOps(req, path.succeeded)) {
    if (const auto* t = std::get_if<TxnRequest>(&op.request)) {
      Status s = CheckPuts(*t, path.nested[nested++], deletes);
      if (!s.ok()) return s;
    } else if (const auto* d = std::get_if<DeleteRangeRequest>(&op.request)) {
      deletes.push_back(MakeRange(d->key, d->range_end));
    } else if (const auto* p = std::get_if<PutRequest>(&op.request)) {
      if (p->ignore_value || p->ignore_lease) {
        const bool deleted =
            std::any_of(deletes.begin(), deletes.end(),
                        [p](const KeyRange& r) { return r.Contains(p->key); });
        if (deleted || !KeyAt(p->key, current_rev_).has_value()) {
          return ErrKeyNotFound();
        }
      }
      Status s = CheckPutLease(*p);
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

// etcd's checkRange over the taken path, against the state before the txn.
Status KvStore::CheckRanges(const TxnRequest& req, const TxnPath& path) const {
  size_t nested = 0;
  for (const RequestOp& op : TakenOps(req, path.succeeded)) {
    if (const auto* t = std::get_if<TxnRequest>(&op.request)) {
      Status s = CheckRanges(*t, path.nested[nested++]);
      if (!s.ok()) return s;
    } else if (const auto* r = std::get_if<RangeRequest>(&op.request)) {
      if (r->revision == 0) continue;
      if (r->revision > current_rev_) return ErrFutureRevision();
      if (r->revision < compact_rev_) return ErrCompacted();
    }
  }
  return Status::Ok();
}

// etcd's applyTxn. A nested txn's response carries an empty header, as in
// etcd; ranges report the txn's read revision, writes its write revision.
TxnResponse KvStore::ApplyTxn(WriteTxn& txn, const TxnRequest& req,
                              const TxnPath& path) {
  TxnResponse resp;
  resp.succeeded = path.succeeded;
  size_t nested = 0;
  for (const RequestOp& op : TakenOps(req, path.succeeded)) {
    ResponseOp out;
    if (const auto* r = std::get_if<RangeRequest>(&op.request)) {
      Result<RangeResponse> rr = RangeAt(*r, txn.ReadRev());
      CAIRN_CHECK(rr.ok(), "checked range failed: %s",
                  rr.status().ToString().c_str());
      out.response = std::move(rr).value();
    } else if (const auto* p = std::get_if<PutRequest>(&op.request)) {
      Result<PutResponse> pr = ApplyPut(txn, *p);
      CAIRN_CHECK(pr.ok(), "checked put failed: %s",
                  pr.status().ToString().c_str());
      out.response = std::move(pr).value();
    } else if (const auto* d = std::get_if<DeleteRangeRequest>(&op.request)) {
      out.response = ApplyDelete(txn, *d);
    } else {
      const auto& t = std::get<TxnRequest>(op.request);
      out.response = ApplyTxn(txn, t, path.nested[nested++]);
    }
    resp.responses.push_back(std::move(out));
  }
  return resp;
}

Result<TxnResult> KvStore::Txn(const TxnRequest& req) {
  Status s = CheckTxnRequest(req, options_.max_txn_ops);
  if (!s.ok()) return s;
  const TxnPath path = ComparePath(req);
  std::vector<KeyRange> deletes;
  s = CheckPuts(req, path, deletes);
  if (s.ok()) s = CheckRanges(req, path);
  if (!s.ok()) return s;
  WriteTxn txn{.begin_rev = current_rev_, .events = {}};
  TxnResponse resp = ApplyTxn(txn, req, path);
  Finish(txn);
  resp.header.revision = current_rev_;
  return TxnResult{std::move(resp), std::move(txn.events)};
}

}  // namespace cairn::mvcc
