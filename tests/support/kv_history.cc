#include "tests/support/kv_history.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/util/random.h"
#include "core/util/strings.h"

namespace cairn::testing {
namespace {

using Kind = sim::KvOp::Kind;

sim::KvOp RandomOp(Random& rng, int i, int ops, int keys) {
  sim::KvOp op;
  op.client = rng.Uniform(8);
  op.key = StrFormat("k%d", static_cast<int>(rng.Uniform(keys)));
  op.call = rng.Uniform(static_cast<uint64_t>(ops) * 10);
  op.ret = op.call + 1 + rng.Uniform(40);
  const uint64_t kind = rng.Uniform(4);
  op.kind = kind == 0   ? Kind::kPut
            : kind == 1 ? Kind::kGet
            : kind == 2 ? Kind::kDelete
                        : Kind::kCas;
  op.write = StrFormat("v%d", i);
  op.expect = StrFormat("v%d", static_cast<int>(rng.Uniform(i + 1)));
  op.unknown = rng.OneIn(1, 20);
  return op;
}

}  // namespace

std::vector<sim::KvOp> RegisterHistory(uint64_t seed, int ops, int keys) {
  Random rng(seed);
  std::vector<std::pair<uint64_t, sim::KvOp>> pending;
  for (int i = 0; i < ops; i++) {
    sim::KvOp op = RandomOp(rng, i, ops, keys);
    const uint64_t at = op.call + rng.Uniform(op.ret - op.call + 1);
    pending.emplace_back(at, std::move(op));
  }
  std::stable_sort(
      pending.begin(), pending.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::map<std::string, std::optional<std::string>> reg;
  std::vector<sim::KvOp> out;
  for (auto& [at, op] : pending) {
    auto& v = reg[op.key];
    if (op.kind == Kind::kPut) v = op.write;
    if (op.kind == Kind::kDelete) v.reset();
    if (op.kind == Kind::kGet) op.read = v;
    if (op.kind == Kind::kCas) {
      op.succeeded = v == op.expect;
      if (op.succeeded) v = op.write;
    }
    out.push_back(std::move(op));
  }
  return out;
}

namespace {

using Value = std::optional<std::string>;
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

// What an op does to the true store at its linearization point, filling
// in its results.
void ApplyTrue(sim::KvOp& op, std::map<std::string, Value>& store) {
  Value& v = store[op.key];
  switch (op.kind) {
    case Kind::kPut:
      v = op.write;
      break;
    case Kind::kDelete:
      v.reset();
      break;
    case Kind::kGet:
      op.read = v;
      break;
    case Kind::kCas:
      op.succeeded = v == op.expect;
      if (op.succeeded) v = op.write;
      break;
    case Kind::kTxn: {
      op.succeeded = true;
      for (const auto& [key, want] : op.compares) {
        op.succeeded = op.succeeded && store[key] == want;
      }
      if (op.succeeded) {
        for (const auto& [key, value] : op.writes) store[key] = value;
      } else {
        for (const auto& [key, value] : op.writes) {
          op.reads.emplace_back(key, store[key]);
        }
      }
      break;
    }
  }
}

struct Generator {
  Random rng;
  int keys;
  int next = 0;
  // Per key, the values written lately (CAS and txn compares pick one).
  std::map<std::string, std::vector<Value>> recent;

  Value Recent(const std::string& key) {
    std::vector<Value>& r = recent[key];
    if (r.empty()) return std::nullopt;
    const size_t n = std::min<size_t>(3, r.size());
    return r[r.size() - 1 - rng.Uniform(n)];
  }
  void Wrote(const std::string& key, Value v) {
    recent[key].push_back(std::move(v));
  }

  sim::KvOp Op(uint64_t client) {
    sim::KvOp op;
    op.client = client;
    op.key = StrFormat("k%d", static_cast<int>(rng.Uniform(keys)));
    const std::string value = StrFormat("v%d", next++);
    const uint64_t roll = rng.Uniform(100);
    if (roll < 30) {
      op.kind = Kind::kPut;
      op.write = value;
      Wrote(op.key, value);
    } else if (roll < 60) {
      op.kind = Kind::kGet;
    } else if (roll < 70) {
      op.kind = Kind::kDelete;
      Wrote(op.key, std::nullopt);
    } else if (roll < 85) {
      op.kind = Kind::kCas;
      op.expect = Recent(op.key);
      op.write = value;
      Wrote(op.key, value);
    } else {
      op.kind = Kind::kTxn;
      op.key = "k0";
      for (const char* k : {"k0", "k1"}) {
        op.compares.emplace_back(k, Recent(k));
        const std::string w = StrFormat("v%d", next++);
        op.writes.emplace_back(k, w);
        Wrote(k, w);
      }
    }
    return op;
  }
};

}  // namespace

std::vector<sim::KvOp> ClientHistory(uint64_t seed, int ops, int clients,
                                     int keys) {
  Generator gen{Random(seed), std::max(keys, 2)};
  std::vector<uint64_t> free_at(static_cast<size_t>(clients), 0);
  std::vector<std::pair<uint64_t, sim::KvOp>> placed;
  for (int i = 0; i < ops; i++) {
    // The client that is free first issues the next op.
    const size_t c = static_cast<size_t>(
        std::min_element(free_at.begin(), free_at.end()) - free_at.begin());
    sim::KvOp op = gen.Op(c + 1);
    op.call = free_at[c] + gen.rng.Uniform(5);
    const uint64_t len = gen.rng.OneIn(1, 100) ? 1 + gen.rng.Uniform(500)
                                               : 1 + gen.rng.Uniform(30);
    op.ret = op.call + len;
    free_at[c] = op.ret;
    op.unknown = gen.rng.OneIn(1, 30);
    const bool applied = !op.unknown || gen.rng.OneIn(1, 2);
    const uint64_t at = op.call + gen.rng.Uniform(len + 1);
    placed.emplace_back(applied ? at : kNever, std::move(op));
  }
  std::stable_sort(
      placed.begin(), placed.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::map<std::string, Value> store;
  std::vector<sim::KvOp> out;
  out.reserve(placed.size());
  for (auto& [at, op] : placed) {
    // An unknown op that never took effect changes nothing; its results
    // are ignored by the checker.
    if (at != kNever) ApplyTrue(op, store);
    out.push_back(std::move(op));
  }
  // Invocation order, as a recorder would keep it.
  std::stable_sort(
      out.begin(), out.end(),
      [](const sim::KvOp& a, const sim::KvOp& b) { return a.call < b.call; });
  return out;
}

}  // namespace cairn::testing
