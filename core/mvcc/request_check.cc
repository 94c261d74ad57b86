#include "core/mvcc/request_check.h"

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.h"

namespace cairn::mvcc {
namespace {

// etcd's adt.StringAffineComparable: "" sorts after every other string.
int AffineCompare(std::string_view a, std::string_view b) {
  if (a.empty()) return b.empty() ? 0 : 1;
  if (b.empty()) return -1;
  return a.compare(b);
}

// A half-open interval [begin, end) over affine strings.
struct Interval {
  std::string begin;
  std::string end;
};

Interval PointInterval(const std::string& key) {
  return Interval{key, key + std::string(1, '\0')};
}

bool Intersects(const Interval& a, const Interval& b) {
  return AffineCompare(a.begin, b.end) < 0 && AffineCompare(b.begin, a.end) < 0;
}

// The puts and deletes of one branch, including nested txns.
struct Writes {
  std::set<std::string> puts;
  std::vector<Interval> dels;

  bool DeleteCovers(const std::string& key) const {
    const Interval p = PointInterval(key);
    return std::any_of(dels.begin(), dels.end(),
                       [&](const Interval& d) { return Intersects(d, p); });
  }
};

Result<Writes> CheckIntervals(const std::vector<RequestOp>& ops);

// Merges the writes of a nested txn into its parent level. Keys put in
// both branches of the nested txn are fine; anything else already put or
// deleted at this level is a duplicate.
Status MergeNested(Writes& level, const Writes& then_w, const Writes& else_w) {
  for (const std::string& k : then_w.puts) {
    if (level.puts.contains(k) || level.DeleteCovers(k)) {
      return ErrDuplicateKey();
    }
    level.puts.insert(k);
  }
  for (const std::string& k : else_w.puts) {
    if (level.puts.contains(k) && !then_w.puts.contains(k)) {
      return ErrDuplicateKey();
    }
    if (level.DeleteCovers(k)) return ErrDuplicateKey();
    level.puts.insert(k);
  }
  level.dels.insert(level.dels.end(), then_w.dels.begin(), then_w.dels.end());
  level.dels.insert(level.dels.end(), else_w.dels.begin(), else_w.dels.end());
  return Status::Ok();
}

// etcd's checkIntervals: this level's deletes first, then nested txns,
// then this level's puts.
Result<Writes> CheckIntervals(const std::vector<RequestOp>& ops) {
  Writes w;
  for (const RequestOp& op : ops) {
    if (const auto* d = std::get_if<DeleteRangeRequest>(&op.request)) {
      w.dels.push_back(d->range_end.empty() ? PointInterval(d->key)
                                            : Interval{d->key, d->range_end});
    }
  }
  for (const RequestOp& op : ops) {
    const auto* t = std::get_if<TxnRequest>(&op.request);
    if (t == nullptr) continue;
    Result<Writes> then_w = CheckIntervals(t->success);
    if (!then_w.ok()) return then_w.status();
    Result<Writes> else_w = CheckIntervals(t->failure);
    if (!else_w.ok()) return else_w.status();
    Status s = MergeNested(w, then_w.value(), else_w.value());
    if (!s.ok()) return s;
  }
  for (const RequestOp& op : ops) {
    const auto* p = std::get_if<PutRequest>(&op.request);
    if (p == nullptr) continue;
    if (w.puts.contains(p->key) || w.DeleteCovers(p->key)) {
      return ErrDuplicateKey();
    }
    w.puts.insert(p->key);
  }
  return w;
}

Status CheckTxnShape(const TxnRequest& req, size_t max_ops);

Status CheckRequestOp(const RequestOp& op, size_t max_ops) {
  struct Visitor {
    size_t max_ops;
    Status operator()(const std::monostate&) const { return ErrKeyNotFound(); }
    Status operator()(const RangeRequest& r) const {
      return CheckRangeRequest(r);
    }
    Status operator()(const PutRequest& r) const { return CheckPutRequest(r); }
    Status operator()(const DeleteRangeRequest& r) const {
      return CheckDeleteRequest(r);
    }
    Status operator()(const TxnRequest& r) const {
      return CheckTxnShape(r, max_ops);
    }
  };
  return std::visit(Visitor{max_ops}, op.request);
}

// etcd's checkTxnRequest.
Status CheckTxnShape(const TxnRequest& req, size_t max_ops) {
  const size_t ops =
      std::max({req.compare.size(), req.success.size(), req.failure.size()});
  if (ops > max_ops) return ErrTooManyOps();
  for (const Compare& c : req.compare) {
    if (c.key.empty()) return ErrEmptyKey();
  }
  for (const auto* branch : {&req.success, &req.failure}) {
    for (const RequestOp& op : *branch) {
      Status s = CheckRequestOp(op, max_ops);
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckRangeRequest(const RangeRequest& req) {
  if (req.key.empty()) return ErrEmptyKey();
  return Status::Ok();
}

Status CheckDeleteRequest(const DeleteRangeRequest& req) {
  if (req.key.empty()) return ErrEmptyKey();
  return Status::Ok();
}

Status CheckPutRequest(const PutRequest& req) {
  if (req.key.empty()) return ErrEmptyKey();
  if (req.ignore_value && !req.value.empty()) return ErrValueProvided();
  if (req.ignore_lease && req.lease != 0) return ErrLeaseProvided();
  return Status::Ok();
}

Status CheckTxnRequest(const TxnRequest& req, size_t max_ops) {
  Status s = CheckTxnShape(req, max_ops);
  if (!s.ok()) return s;
  Result<Writes> then_w = CheckIntervals(req.success);
  if (!then_w.ok()) return then_w.status();
  Result<Writes> else_w = CheckIntervals(req.failure);
  if (!else_w.ok()) return else_w.status();
  return Status::Ok();
}

}  // namespace cairn::mvcc
