#include "simulator/linearizability.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_set>

#include "core/util/strings.h"

namespace cairn::sim {
namespace {

using Value = std::optional<std::string>;
// The values of a partition's keys, by slot.
using State = std::vector<Value>;
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
constexpr size_t kWitnessMax = 40;

std::string Show(const Value& s) { return s ? EscapeBytes(*s) : "<absent>"; }

std::string Show(const std::vector<KvOp::KeyValue>& kvs) {
  std::string out = "[";
  for (size_t i = 0; i < kvs.size(); i++) {
    if (i > 0) out += ",";
    out += EscapeBytes(kvs[i].first);
    out += "=";
    out += Show(kvs[i].second);
  }
  return out + "]";
}

// An op's keys as slots of its partition's state.
struct Slots {
  uint32_t key = 0;               // single-key ops
  std::vector<uint32_t> compare;  // txn, parallel to op.compares
  std::vector<uint32_t> write;    // txn, parallel to op.writes
  std::vector<uint32_t> read;     // txn, parallel to op.reads
};

bool Holds(const std::vector<KvOp::KeyValue>& kvs,
           const std::vector<uint32_t>& slots, const State& state) {
  for (size_t i = 0; i < kvs.size(); i++) {
    if (state[slots[i]] != kvs[i].second) return false;
  }
  return true;
}

bool StepTxn(const KvOp& op, const Slots& slots, State& state) {
  const bool holds = Holds(op.compares, slots.compare, state);
  if (op.unknown || op.succeeded) {
    if (!holds) return op.unknown;
    for (size_t i = 0; i < op.writes.size(); i++) {
      state[slots.write[i]] = op.writes[i].second;
    }
    return true;
  }
  return !holds && Holds(op.reads, slots.read, state);
}

// Applies `op` to `full`. Returns false when the op's observed result is
// impossible from `full`.
bool Step(const KvOp& op, const Slots& slots, State& full) {
  if (op.kind == KvOp::Kind::kTxn) return StepTxn(op, slots, full);
  Value& state = full[slots.key];
  switch (op.kind) {
    case KvOp::Kind::kPut:
      state = op.write;
      return true;
    case KvOp::Kind::kDelete:
      state.reset();
      return true;
    case KvOp::Kind::kGet:
      return op.unknown || op.read == state;
    case KvOp::Kind::kCas:
      if (op.unknown || op.succeeded) {
        if (state == op.expect) {
          state = op.write;
          return true;
        }
        return op.unknown;
      }
      return state != op.expect;
    case KvOp::Kind::kTxn:
      break;
  }
  return false;
}

// One call or return event, in a doubly linked list (Lowe's "dancing
// links"), by index so nothing depends on addresses.
struct Entry {
  uint64_t time;
  bool is_call;
  uint32_t op;
  uint32_t match;  // the other entry of the same op
  uint32_t prev;
  uint32_t next;
};

class KeyChecker {
 public:
  KeyChecker(const std::vector<KvOp>& ops, std::vector<Slots> slots,
             size_t keys, uint64_t max_steps)
      : ops_(ops),
        slots_(std::move(slots)),
        keys_(keys),
        max_steps_(max_steps) {
    Build();
  }

  CheckResult::Verdict Run();
  uint64_t steps() const { return steps_; }
  std::vector<KvOp> Witness() const;

 private:
  static constexpr uint32_t kHead = 0;
  static constexpr uint32_t kEnd = std::numeric_limits<uint32_t>::max();

  void Build();
  void Lift(uint32_t e);
  void Unlift(uint32_t e);
  std::string CacheKey(const State& s) const;

  const std::vector<KvOp>& ops_;
  const std::vector<Slots> slots_;  // parallel to ops_
  const size_t keys_;               // slots in the state
  uint64_t max_steps_;
  uint64_t steps_ = 0;
  std::vector<Entry> entries_;  // [0] is the head sentinel
  std::vector<uint64_t> linearized_;
  size_t depth_ = 0;
  size_t best_depth_ = 0;
  uint32_t stuck_op_ = 0;
};

void KeyChecker::Build() {
  struct Ev {
    uint64_t time;
    bool is_call;
    uint32_t op;
  };
  std::vector<Ev> evs;
  for (uint32_t i = 0; i < ops_.size(); i++) {
    evs.push_back({ops_[i].call, true, i});
    evs.push_back({ops_[i].unknown ? kNever : ops_[i].ret, false, i});
  }
  // At equal times calls come first: such ops count as concurrent, the
  // permissive reading of a shared instant.
  std::sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.is_call != b.is_call) return a.is_call;
    return a.op < b.op;
  });
  entries_.push_back({0, false, 0, 0, kEnd, evs.empty() ? kEnd : 1});
  std::vector<uint32_t> call_at(ops_.size()), ret_at(ops_.size());
  for (uint32_t i = 0; i < evs.size(); i++) {
    const uint32_t idx = i + 1;
    entries_.push_back({evs[i].time, evs[i].is_call, evs[i].op, 0, idx - 1,
                        i + 1 < evs.size() ? idx + 1 : kEnd});
    (evs[i].is_call ? call_at : ret_at)[evs[i].op] = idx;
  }
  for (uint32_t i = 0; i < ops_.size(); i++) {
    entries_[call_at[i]].match = ret_at[i];
    entries_[ret_at[i]].match = call_at[i];
  }
  linearized_.assign((ops_.size() + 63) / 64, 0);
}

void KeyChecker::Lift(uint32_t e) {
  for (uint32_t x : {e, entries_[e].match}) {
    Entry& en = entries_[x];
    entries_[en.prev].next = en.next;
    if (en.next != kEnd) entries_[en.next].prev = en.prev;
  }
}

void KeyChecker::Unlift(uint32_t e) {
  for (uint32_t x : {entries_[e].match, e}) {
    Entry& en = entries_[x];
    entries_[en.prev].next = x;
    if (en.next != kEnd) entries_[en.next].prev = x;
  }
}

std::string KeyChecker::CacheKey(const State& s) const {
  std::string key(reinterpret_cast<const char*>(linearized_.data()),
                  linearized_.size() * sizeof(uint64_t));
  for (const Value& v : s) {
    key.push_back(v ? 1 : 0);
    if (!v) continue;
    // A length prefix keeps the slots apart.
    const uint32_t n = static_cast<uint32_t>(v->size());
    key.append(reinterpret_cast<const char*>(&n), sizeof(n));
    key += *v;
  }
  return key;
}

CheckResult::Verdict KeyChecker::Run() {
  struct Frame {
    uint32_t entry;
    State state;
  };
  std::vector<Frame> stack;
  // Membership only: iteration order of this set never leaks out.
  std::unordered_set<std::string> cache;
  State state(keys_);
  uint32_t e = entries_[kHead].next;
  while (entries_[kHead].next != kEnd) {
    if (++steps_ > max_steps_) return CheckResult::Verdict::kUnknown;
    const Entry& en = entries_[e];
    if (en.is_call) {
      State next = state;
      const uint32_t op = en.op;
      if (Step(ops_[op], slots_[op], next)) {
        linearized_[op / 64] |= 1ULL << (op % 64);
        if (cache.insert(CacheKey(next)).second) {
          stack.push_back({e, std::move(state)});
          state = std::move(next);
          Lift(e);
          depth_++;
          e = entries_[kHead].next;
          continue;
        }
        linearized_[op / 64] &= ~(1ULL << (op % 64));
      }
      e = en.next;
      continue;
    }
    // A response whose op is not yet placed: this branch is dead.
    if (depth_ >= best_depth_) {
      best_depth_ = depth_;
      stuck_op_ = en.op;
    }
    if (stack.empty()) return CheckResult::Verdict::kIllegal;
    Frame top = std::move(stack.back());
    stack.pop_back();
    const uint32_t op = entries_[top.entry].op;
    linearized_[op / 64] &= ~(1ULL << (op % 64));
    state = std::move(top.state);
    Unlift(top.entry);
    depth_--;
    e = entries_[top.entry].next;
  }
  return CheckResult::Verdict::kOk;
}

// The stuck op, every op overlapping it, and the last writes that finished
// before it began: enough to see why no order works.
std::vector<KvOp> KeyChecker::Witness() const {
  const KvOp& stuck = ops_[stuck_op_];
  const uint64_t end = stuck.unknown ? kNever : stuck.ret;
  std::vector<KvOp> out;
  std::vector<const KvOp*> before;
  for (const KvOp& op : ops_) {
    const uint64_t op_end = op.unknown ? kNever : op.ret;
    if (op.call <= end && op_end >= stuck.call) {
      out.push_back(op);
    } else if (op_end < stuck.call && op.kind != KvOp::Kind::kGet) {
      before.push_back(&op);
    }
  }
  std::sort(before.begin(), before.end(),
            [](const KvOp* a, const KvOp* b) { return a->ret < b->ret; });
  for (size_t i = before.size() > 3 ? before.size() - 3 : 0; i < before.size();
       i++) {
    out.push_back(*before[i]);
  }
  std::sort(out.begin(), out.end(), [](const KvOp& a, const KvOp& b) {
    return a.call != b.call ? a.call < b.call : a.client < b.client;
  });
  if (out.size() > kWitnessMax) out.resize(kWitnessMax);
  return out;
}

}  // namespace

std::string KvOp::ToString() const {
  std::string out = StrFormat("c%llu ", (unsigned long long)client);
  switch (kind) {
    case Kind::kPut:
      out += "put " + EscapeBytes(key) + "=" + Show(write);
      break;
    case Kind::kDelete:
      out += "delete " + EscapeBytes(key);
      break;
    case Kind::kGet:
      out += "get " + EscapeBytes(key) + " -> " + (unknown ? "?" : Show(read));
      break;
    case Kind::kCas:
      out += "cas " + EscapeBytes(key) + " " + Show(expect) + "->" +
             Show(write) +
             (unknown     ? " ?"
              : succeeded ? " ok"
                          : " failed");
      break;
    case Kind::kTxn:
      out += "txn " + Show(compares) + "->" + Show(writes) +
             (unknown     ? " ?"
              : succeeded ? " ok"
                          : " failed, read " + Show(reads));
      break;
  }
  out += StrFormat(" [%llu,", (unsigned long long)call);
  out += unknown ? "?]" : StrFormat("%llu]", (unsigned long long)ret);
  return out;
}

std::string CheckResult::ToString() const {
  static const char* kNames[] = {"linearizable", "NOT linearizable",
                                 "unknown (step budget exhausted)"};
  std::string out =
      StrFormat("%s: %llu ops on %llu keys, %llu search steps",
                kNames[static_cast<int>(verdict)], (unsigned long long)ops,
                (unsigned long long)keys, (unsigned long long)steps);
  if (verdict != Verdict::kOk) out += "; key " + EscapeBytes(key);
  for (const KvOp& op : witness) out += "\n  " + op.ToString();
  return out;
}

namespace {

// The keys an op touches.
std::vector<std::string> KeysOf(const KvOp& op) {
  if (op.kind != KvOp::Kind::kTxn) return {op.key};
  std::vector<std::string> keys;
  for (const auto* kvs : {&op.compares, &op.writes, &op.reads}) {
    for (const KvOp::KeyValue& kv : *kvs) keys.push_back(kv.first);
  }
  return keys;
}

// Union-find over keys: keys one op touches together share a partition.
class Partitions {
 public:
  std::string Find(const std::string& key) {
    auto it = parent_.emplace(key, key).first;
    if (it->second == key) return key;
    it->second = Find(it->second);
    return it->second;
  }
  void Join(const std::string& a, const std::string& b) {
    std::string ra = Find(a), rb = Find(b);
    if (ra == rb) return;
    // The smaller key is the root, so that roots do not depend on order.
    if (rb < ra) std::swap(ra, rb);
    parent_[rb] = ra;
  }

 private:
  std::map<std::string, std::string> parent_;
};

struct Partition {
  std::map<std::string, uint32_t> slot;  // key -> slot
  std::vector<KvOp> ops;
};

Slots SlotsOf(const KvOp& op, const std::map<std::string, uint32_t>& slot) {
  Slots s;
  if (op.kind != KvOp::Kind::kTxn) {
    s.key = slot.at(op.key);
    return s;
  }
  for (const KvOp::KeyValue& kv : op.compares)
    s.compare.push_back(slot.at(kv.first));
  for (const KvOp::KeyValue& kv : op.writes)
    s.write.push_back(slot.at(kv.first));
  for (const KvOp::KeyValue& kv : op.reads) s.read.push_back(slot.at(kv.first));
  return s;
}

// The history split into partitions, by their smallest key.
std::map<std::string, Partition> Split(const std::vector<KvOp>& history) {
  Partitions sets;
  for (const KvOp& op : history) {
    const std::vector<std::string> keys = KeysOf(op);
    for (const std::string& k : keys) sets.Join(keys.front(), k);
  }
  std::map<std::string, Partition> parts;
  for (const KvOp& op : history) {
    // An unknown read tells nothing; leaving it out shrinks the search.
    if (op.unknown && op.kind == KvOp::Kind::kGet) continue;
    const std::vector<std::string> keys = KeysOf(op);
    Partition& p = parts[sets.Find(keys.front())];
    for (const std::string& k : keys) p.slot.emplace(k, 0);
    p.ops.push_back(op);
  }
  for (auto& [root, p] : parts) {
    uint32_t i = 0;
    for (auto& [key, slot] : p.slot) slot = i++;
  }
  return parts;
}

}  // namespace

CheckResult CheckLinearizable(const std::vector<KvOp>& history,
                              const CheckOptions& options) {
  CheckResult result;
  result.ops = history.size();
  for (const auto& [root, part] : Split(history)) {
    result.keys += part.slot.size();
    std::vector<Slots> slots;
    slots.reserve(part.ops.size());
    for (const KvOp& op : part.ops) slots.push_back(SlotsOf(op, part.slot));
    KeyChecker checker(part.ops, std::move(slots), part.slot.size(),
                       options.max_steps_per_key);
    const CheckResult::Verdict verdict = checker.Run();
    result.steps += checker.steps();
    if (verdict == CheckResult::Verdict::kOk) continue;
    result.verdict = verdict;
    for (const auto& [key, slot] : part.slot) {
      result.key += (result.key.empty() ? "" : ",") + key;
    }
    if (verdict == CheckResult::Verdict::kIllegal) {
      result.witness = checker.Witness();
    }
    break;
  }
  return result;
}

}  // namespace cairn::sim
