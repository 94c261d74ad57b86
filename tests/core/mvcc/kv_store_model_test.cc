// Model-based randomized test of KvStore (after leveldb's ModelDB): long
// random sequences of puts, deletes, txns (with nested txns whose compares
// read the pre-txn state), ranges at past revisions (with sort orders,
// filters, limits, keys_only/count_only, from-key ends) and
// compactions run against the store and against a plain model that keeps
// every key's full history in a std::map and answers by scanning it. Every
// answer (kvs, count, more, header revision, errors, events) must agree.
// The seed derives from gtest's --gtest_random_seed and is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/mvcc/kv_store.h"
#include "core/util/random.h"

// Designated initializers name only the fields a case cares about.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cairn::mvcc {

// Readable gtest failure messages.
void PrintTo(const KeyValue& kv, std::ostream* os) {
  *os << DescribeKeyValue(kv);
}

namespace {

// The model: every change ever made, per key, never compacted.
class Model {
 public:
  struct Change {
    int64_t main;
    bool deleted;
    std::string value;
    int64_t lease;
  };

  int64_t rev = 1;
  int64_t compact_rev = -1;
  std::map<std::string, std::vector<Change>> history;

  // The key at `at`, with create/version derived from its history.
  std::optional<KeyValue> Get(const std::string& key, int64_t at) const {
    auto it = history.find(key);
    if (it == history.end()) return std::nullopt;
    std::optional<KeyValue> kv;
    for (const Change& c : it->second) {
      if (c.main > at) break;
      if (c.deleted) {
        kv.reset();
        continue;
      }
      if (!kv) kv = KeyValue{.key = key, .create_revision = c.main};
      kv->mod_revision = c.main;
      kv->version++;
      kv->value = c.value;
      kv->lease = c.lease;
    }
    return kv;
  }

  std::vector<KeyValue> Range(const std::string& b, const std::string& e,
                              int64_t at) const {
    std::vector<KeyValue> out;
    for (auto it = history.lower_bound(b); it != history.end(); ++it) {
      if (e.empty() ? it->first != b : it->first >= e) break;
      if (auto kv = Get(it->first, at)) out.push_back(*kv);
    }
    return out;
  }
};

class ModelTest : public ::testing::Test {
 protected:
  ModelTest()
      : seed_(::testing::UnitTest::GetInstance()->random_seed() + 0xabc000),
        rnd_(seed_) {
    std::printf("ModelTest seed=%llu\n",
                static_cast<unsigned long long>(seed_));
  }

  std::string Key() { return "k" + std::to_string(rnd_.Uniform(40)); }
  std::string Value() { return "v" + std::to_string(rnd_.Uniform(1000)); }

  // The write revision, sub by sub, shared by all changes of one request.
  void Record(int64_t main, const std::string& key, bool deleted,
              const std::string& value, int64_t lease) {
    model_.history[key].push_back(Change{main, deleted, value, lease});
  }
  using Change = Model::Change;

  // Random range options; the expected answer follows etcd's documented
  // pipeline: count all keys in range, filter by mod revision, sort (ties
  // by key), cut to the limit, drop values for keys_only.
  void RandomOptions(RangeRequest& req) {
    req.limit = static_cast<int64_t>(rnd_.Uniform(4));
    if (rnd_.OneIn(1, 3)) {
      req.sort_order = static_cast<SortOrder>(rnd_.Uniform(3));
      req.sort_target = static_cast<SortTarget>(rnd_.Uniform(5));
    }
    if (rnd_.OneIn(1, 5)) {
      req.min_mod_revision = static_cast<int64_t>(
          rnd_.Uniform(static_cast<uint64_t>(model_.rev + 1)));
    }
    req.keys_only = rnd_.OneIn(1, 6);
    req.count_only = rnd_.OneIn(1, 8);
  }

  static int64_t SortField(const KeyValue& kv, SortTarget t) {
    switch (t) {
      case SortTarget::kVersion:
        return kv.version;
      case SortTarget::kCreate:
        return kv.create_revision;
      case SortTarget::kMod:
        return kv.mod_revision;
      default:
        return 0;
    }
  }

  static void ModelSort(std::vector<KeyValue>& kvs, const RangeRequest& req) {
    SortOrder order = req.sort_order;
    if (order == SortOrder::kNone && req.sort_target != SortTarget::kKey) {
      order = SortOrder::kAscend;
    }
    if (order == SortOrder::kNone) return;
    const SortTarget t = req.sort_target;
    auto key_of = [t](const KeyValue& kv) {
      return t == SortTarget::kKey     ? kv.key
             : t == SortTarget::kValue ? kv.value
                                       : std::string();
    };
    std::stable_sort(kvs.begin(), kvs.end(),
                     [&](const KeyValue& a, const KeyValue& b) {
                       const bool desc = order == SortOrder::kDescend;
                       const KeyValue& x = desc ? b : a;
                       const KeyValue& y = desc ? a : b;
                       if (t == SortTarget::kKey || t == SortTarget::kValue) {
                         return key_of(x) < key_of(y);
                       }
                       return SortField(x, t) < SortField(y, t);
                     });
  }

  void CheckRange() {
    std::string b = Key();
    std::string e = rnd_.OneIn(1, 3) ? "" : Key();
    if (rnd_.OneIn(1, 10)) e = std::string(1, '\0');
    RangeRequest req{.key = b, .range_end = e};
    RandomOptions(req);
    const int64_t lo = model_.compact_rev - 2;
    req.revision = static_cast<int64_t>(
        rnd_.Range(static_cast<uint64_t>(std::max<int64_t>(lo, 0)),
                   static_cast<uint64_t>(model_.rev + 1)));
    auto got = store_.Range(req);
    if (req.revision > model_.rev) {
      ASSERT_EQ(got.status().code(), Code::kFutureRevision);
      return;
    }
    const int64_t at = req.revision == 0 ? model_.rev : req.revision;
    if (at < model_.compact_rev) {
      ASSERT_EQ(got.status().code(), Code::kCompacted);
      return;
    }
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    std::vector<KeyValue> want;
    if (e == std::string(1, '\0')) {
      want = model_.Range(b, "\xff\xff", at);
    } else if (e.empty() || e > b) {
      want = model_.Range(b, e, at);
    }
    const auto& r = got.value();
    EXPECT_EQ(r.count, static_cast<int64_t>(want.size()));
    EXPECT_EQ(r.header.revision, model_.rev);
    if (req.count_only) want.clear();
    std::erase_if(want, [&](const KeyValue& kv) {
      return req.min_mod_revision != 0 &&
             kv.mod_revision < req.min_mod_revision;
    });
    // etcd quirk: with sort order NONE (even if the target is not KEY, which
    // then sorts ascending) and no filters, only limit+1 keys are fetched
    // before sorting.
    if (req.sort_order == SortOrder::kNone && req.min_mod_revision == 0 &&
        req.limit > 0 && static_cast<int64_t>(want.size()) > req.limit + 1) {
      want.resize(static_cast<size_t>(req.limit + 1));
    }
    ModelSort(want, req);
    const bool more =
        req.limit > 0 && static_cast<int64_t>(want.size()) > req.limit;
    EXPECT_EQ(r.more, more);
    if (more) want.resize(static_cast<size_t>(req.limit));
    if (req.keys_only) {
      for (KeyValue& kv : want) kv.value.clear();
    }
    ASSERT_EQ(r.kvs, want) << "at=" << at;
  }

  void DoPut() {
    PutRequest p{.key = Key(), .value = Value()};
    p.lease = rnd_.OneIn(1, 5) ? 7 : 0;
    p.prev_kv = true;
    auto prev = model_.Get(p.key, model_.rev);
    auto got = store_.Put(p);
    ASSERT_TRUE(got.ok());
    model_.rev++;
    Record(model_.rev, p.key, false, p.value, p.lease);
    EXPECT_EQ(got.value().response.header.revision, model_.rev);
    EXPECT_EQ(got.value().response.prev_kv, prev);
    ASSERT_EQ(got.value().events.size(), 1u);
    EXPECT_EQ(got.value().events[0].kv, *model_.Get(p.key, model_.rev));
    EXPECT_EQ(got.value().events[0].prev_kv, prev);
  }

  void DoDelete() {
    std::string b = Key();
    std::string e = rnd_.OneIn(1, 2) ? "" : Key();
    if (!e.empty() && e <= b) e.clear();
    auto live = model_.Range(b, e, model_.rev);
    auto got = store_.DeleteRange(
        DeleteRangeRequest{.key = b, .range_end = e, .prev_kv = true});
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got.value().response.deleted, static_cast<int64_t>(live.size()));
    EXPECT_EQ(got.value().response.prev_kvs, live);
    if (!live.empty()) model_.rev++;
    for (const KeyValue& kv : live) Record(model_.rev, kv.key, true, "", 0);
    EXPECT_EQ(got.value().response.header.revision, model_.rev);
    ASSERT_EQ(got.value().events.size(), live.size());
  }

  // cmp version(k) = v; then: puts/deletes on distinct keys + a range;
  // else: one put. Checks the branch, each response and the new state.
  void DoTxn() {
    const std::string ck = Key();
    const auto cur = model_.Get(ck, model_.rev);
    const int64_t want_ver = rnd_.OneIn(1, 2) && cur ? cur->version : 1;
    TxnRequest t;
    t.compare.push_back(Compare{.result = Compare::Result::kEqual,
                                .target = Compare::Target::kVersion,
                                .key = ck,
                                .version = want_ver});
    const bool holds = (cur ? cur->version : 0) == want_ver;
    std::map<std::string, int> used;
    std::vector<std::pair<std::string, bool>> ops;  // key, is_put
    for (uint64_t i = 0, n = rnd_.Range(1, 4); i < n; i++) {
      std::string k = Key();
      if (used[k]++) continue;
      const bool is_put = rnd_.OneIn(2, 3);
      ops.emplace_back(k, is_put);
      if (is_put) {
        t.success.push_back(RequestOp{PutRequest{.key = k, .value = Value()}});
      } else {
        t.success.push_back(RequestOp{DeleteRangeRequest{.key = k}});
      }
      t.success.push_back(RequestOp{RangeRequest{.key = k}});
    }
    // Sometimes a nested txn, whose compare reads the state before the
    // outer txn, writes a key outside the k* space.
    std::string nested_key;
    bool nested_holds = false;
    if (rnd_.OneIn(1, 3)) {
      nested_key = "n" + std::to_string(rnd_.Uniform(5));
      const std::string ck2 = Key();
      const auto cur2 = model_.Get(ck2, model_.rev);
      const int64_t v2 = static_cast<int64_t>(rnd_.Uniform(3));
      TxnRequest nested;
      nested.compare.push_back(Compare{.result = Compare::Result::kEqual,
                                       .target = Compare::Target::kVersion,
                                       .key = ck2,
                                       .version = v2});
      nested.success.push_back(
          RequestOp{PutRequest{.key = nested_key, .value = "then"}});
      nested.failure.push_back(
          RequestOp{PutRequest{.key = nested_key, .value = "else"}});
      t.success.push_back(RequestOp{std::move(nested)});
      nested_holds = (cur2 ? cur2->version : 0) == v2;
    }
    t.failure.push_back(RequestOp{PutRequest{.key = ck, .value = "else"}});
    auto got = store_.Txn(t);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got.value().response.succeeded, holds);
    const int64_t w = model_.rev + 1;
    int changes = 0;
    if (!holds) {
      Record(w, ck, false, "else", 0);
      changes = 1;
    } else {
      for (size_t i = 0; i < ops.size(); i++) {
        const auto& [k, is_put] = ops[i];
        const bool live = model_.Get(k, w).has_value();
        if (is_put) {
          Record(w, k, false,
                 std::get<PutRequest>(t.success[2 * i].request).value, 0);
          changes++;
        } else if (live) {
          Record(w, k, true, "", 0);
          changes++;
        }
        // The range after the op sees it.
        const auto& rr = std::get<RangeResponse>(
            got.value().response.responses[2 * i + 1].response);
        auto kv = model_.Get(k, w);
        EXPECT_EQ(rr.kvs.size(), kv ? 1u : 0u);
        if (kv && rr.kvs.size() == 1) {
          EXPECT_EQ(rr.kvs[0], *kv);
        }
      }
    }
    if (holds && !nested_key.empty()) {
      Record(w, nested_key, false, nested_holds ? "then" : "else", 0);
      changes++;
      const auto& nr =
          std::get<TxnResponse>(got.value().response.responses.back().response);
      EXPECT_EQ(nr.succeeded, nested_holds);
      EXPECT_EQ(nr.header.revision, 0);
    }
    if (changes > 0) model_.rev = w;
    EXPECT_EQ(got.value().response.header.revision, model_.rev);
    EXPECT_EQ(got.value().events.size(), static_cast<size_t>(changes));
  }

  void DoCompact() {
    const int64_t at = static_cast<int64_t>(rnd_.Range(
        static_cast<uint64_t>(std::max<int64_t>(model_.compact_rev, 0)),
        static_cast<uint64_t>(model_.rev)));
    auto got = store_.Compact(CompactionRequest{.revision = at});
    if (at <= model_.compact_rev) {
      ASSERT_EQ(got.status().code(), Code::kCompacted);
      return;
    }
    ASSERT_TRUE(got.ok());
    model_.compact_rev = at;
  }

  const uint64_t seed_;
  Random rnd_;
  KvStore store_;
  Model model_;
};

TEST_F(ModelTest, RandomOpsAgreeWithModel) {
  for (int step = 0; step < 20000; step++) {
    const uint64_t op = rnd_.Uniform(100);
    if (op < 35) {
      DoPut();
    } else if (op < 50) {
      DoDelete();
    } else if (op < 65) {
      DoTxn();
    } else if (op < 68) {
      DoCompact();
    } else {
      CheckRange();
    }
    if (HasFailure()) {
      FAIL() << "seed=" << seed_ << " step=" << step;
    }
  }
  EXPECT_EQ(store_.rev(), model_.rev);
  // Every key the model has live reads the same at the end.
  for (const auto& [k, h] : model_.history) {
    auto got = store_.Range(RangeRequest{.key = k});
    ASSERT_TRUE(got.ok());
    auto want = model_.Get(k, model_.rev);
    ASSERT_EQ(got.value().kvs.size(), want ? 1u : 0u) << k;
  }
}

// Two stores fed the same operations hash equally at every revision; one
// more write changes the hash.
TEST_F(ModelTest, EqualStoresHashEqual) {
  KvStore other;
  for (int i = 0; i < 300; i++) {
    PutRequest p{.key = Key(), .value = Value()};
    ASSERT_TRUE(store_.Put(p).ok());
    ASSERT_TRUE(other.Put(p).ok());
    if (i % 50 == 49) {
      CompactionRequest c{.revision = store_.rev() - 10};
      ASSERT_TRUE(store_.Compact(c).ok());
      ASSERT_TRUE(other.Compact(c).ok());
    }
  }
  for (int64_t r = store_.compact_rev() + 1; r <= store_.rev(); r++) {
    ASSERT_EQ(store_.HashKV(r).value().hash, other.HashKV(r).value().hash);
  }
  const uint32_t before = store_.HashKV(0).value().hash;
  ASSERT_TRUE(store_.Put(PutRequest{.key = "x", .value = "y"}).ok());
  EXPECT_NE(store_.HashKV(0).value().hash, before);
  EXPECT_EQ(store_.HashKV(store_.rev() - 1).value().hash, before);
}

}  // namespace
}  // namespace cairn::mvcc
