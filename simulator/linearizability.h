// Linearizability checking of key-value histories (Wing & Gong's search
// with Lowe's memoization, as in Porcupine). Simulator host code, also used
// by the real-process chaos tests; single threaded and deterministic.
//
// A history is the list of client operations with the virtual (or real)
// time each was invoked and the time its response came back. Each key is a
// register. The history is split into partitions: keys that no operation
// touches together are checked each on its own; keys that a multi-key txn
// touches together form one partition whose state is the tuple of their
// values (so keep such groups small: the search is over the partition's
// ops).
//
// An operation whose outcome is unknown (a timeout, a lost connection) is
// recorded with `unknown = true`: it may have taken effect at any moment
// after its invocation, or never. Its result fields are ignored.
//
//   client A  |--put x=1--|
//   client B        |----get x -> 1----|      linearizable: put, then get
//   client C                  |--get x -> absent--|   not linearizable
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cairn::sim {

struct KvOp {
  enum class Kind {
    kPut,     // value := write
    kGet,     // observed: read
    kDelete,  // value := absent
    kCas,     // if value == expect { value := write; succeeded }
    // Several keys in one step: if every compare holds { apply every
    // write; succeeded } else { the reads observed the state }.
    kTxn,
  };
  // A key and a value (nullopt: absent, or a delete when written).
  using KeyValue = std::pair<std::string, std::optional<std::string>>;
  uint64_t client = 0;
  Kind kind = Kind::kGet;
  std::string key;
  uint64_t call = 0;  // invocation time
  uint64_t ret = 0;   // response time; ignored when unknown
  bool unknown = false;
  std::optional<std::string> write;   // put, cas: the value written
  std::optional<std::string> expect;  // cas: the value compared against
  std::optional<std::string> read;    // get: what it saw (nullopt: absent)
  bool succeeded = false;             // cas, txn: whether compares held
  // txn: key == compare[0]'s or write[0]'s key.
  std::vector<KeyValue> compares;  // each: value(key) == value
  std::vector<KeyValue> writes;    // on success, in one step
  std::vector<KeyValue> reads;     // on failure: what the txn read

  // One line, e.g. "c3 put k=v [10,25]" or "c1 get k -> <absent> [5,?]".
  std::string ToString() const;
};

struct CheckOptions {
  // Search steps allowed per partition before giving up with kUnknown. Bounds
  // the worst case, which is exponential in the number of concurrent ops.
  uint64_t max_steps_per_key = 50'000'000;
};

struct CheckResult {
  enum class Verdict { kOk, kIllegal, kUnknown };
  Verdict verdict = Verdict::kOk;
  uint64_t keys = 0;
  uint64_t ops = 0;
  uint64_t steps = 0;
  // The first partition that failed (or timed out): its keys, joined
  // with ",".
  std::string key;
  // For kIllegal: the operations of `key` around the point where the search
  // got stuck: the first op that no order could place, with every op
  // concurrent with it, in invocation order.
  std::vector<KvOp> witness;

  std::string ToString() const;
};

// Checks `history`. Partitions are checked in the order of their first
// key; the first that is not linearizable (or exceeds the step budget)
// ends the check.
CheckResult CheckLinearizable(const std::vector<KvOp>& history,
                              const CheckOptions& options = {});

}  // namespace cairn::sim
