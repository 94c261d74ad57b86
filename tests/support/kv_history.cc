#include "tests/support/kv_history.h"

#include <algorithm>
#include <map>
#include <string>

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

}  // namespace cairn::testing
