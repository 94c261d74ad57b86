// The keyspace transcript commands shared by the KvStore and WatchHub
// transcript tests. Commands:
//   put KEY VALUE [lease=N] [prev_kv] [ignore_value] [ignore_lease]
//   get KEY [end=E | prefix | from_key] [rev=N] [limit=N] [sort=ORDER]
//       [target=TARGET] [keys_only] [count_only] [min_mod=N] [max_mod=N]
//       [min_create=N] [max_create=N]
//   delete KEY [end=E | prefix | from_key] [prev_kv]
//   txn, with input lines: "cmp TARGET KEY OP VALUE [end=E]" compares,
//       "then" / "else" starting the branches, ops as above, and "txn" ...
//       "end" around a nested txn
//   compact REV; hash [rev=N]; rev; events from=N [max=N]
// Keys and values may spell bytes as \xNN. Output lists the response the
// way etcdctl -w json would show it (header revision, kvs, count, more) and
// every event the write produced.
#include "tests/core/mvcc/kv_transcript.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/mvcc/kv_store.h"
#include "core/util/strings.h"
#include "tests/support/datadriven.h"

namespace cairn::mvcc {
namespace {

using ::cairn::testing::TestData;

// A parsed command line: bare words and key=value pairs.
// Bare words that are flags rather than positional keys or values.
bool IsFlag(const std::string& w) {
  for (const char* f : {"prev_kv", "ignore_value", "ignore_lease", "keys_only",
                        "count_only", "prefix", "from_key"}) {
    if (w == f) return true;
  }
  return false;
}

struct Line {
  std::string cmd;
  std::vector<std::string> words;  // positionals; "" spells an empty string
  std::vector<std::string> flags;
  std::map<std::string, std::string> kv;

  void AddWord(const std::string& w) {
    if (IsFlag(w)) {
      flags.push_back(w);
    } else {
      words.push_back(w == "\"\"" ? "" : w);
    }
  }
  bool Has(const std::string& w) const {
    for (const auto& x : flags) {
      if (x == w) return true;
    }
    return kv.contains(w);
  }
  int64_t Int(const std::string& k, int64_t def = 0) const {
    auto it = kv.find(k);
    return it == kv.end() ? def : std::stoll(it->second);
  }
  std::string Word(size_t i) const { return i < words.size() ? words[i] : ""; }
};

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      out.push_back(
          static_cast<char>(std::stoi(s.substr(i + 2, 2), nullptr, 16)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Line ParseText(const std::string& text) {
  std::istringstream in(text);
  Line l;
  in >> l.cmd;
  std::string tok;
  while (in >> tok) {
    const size_t eq = tok.find('=');
    if (eq == std::string::npos || eq == 0 || tok == "!=") {
      l.AddWord(Unescape(tok));
    } else {
      l.kv[tok.substr(0, eq)] = Unescape(tok.substr(eq + 1));
    }
  }
  return l;
}

Line FromTestData(const TestData& d) {
  Line l;
  l.cmd = d.cmd;
  for (const auto& a : d.args) {
    if (a.vals.empty()) {
      l.AddWord(Unescape(a.key));
    } else {
      l.kv[a.key] = Unescape(a.vals[0]);
    }
  }
  return l;
}

// The range_end a line asks for: end=E, prefix (key+1), or from_key ("\0").
std::string RangeEnd(const Line& l, const std::string& key) {
  if (l.kv.contains("end")) return l.kv.at("end");
  if (l.Has("from_key")) return std::string(1, '\0');
  if (l.Has("prefix")) {
    std::string end = key;
    while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) {
      end.pop_back();
    }
    if (end.empty()) return std::string(1, '\0');
    end.back() = static_cast<char>(end.back() + 1);
    return end;
  }
  return "";
}

SortOrder ParseOrder(const std::string& s) {
  if (s == "ASCEND") return SortOrder::kAscend;
  if (s == "DESCEND") return SortOrder::kDescend;
  return SortOrder::kNone;
}

SortTarget ParseSortTarget(const std::string& s) {
  if (s == "VERSION") return SortTarget::kVersion;
  if (s == "CREATE") return SortTarget::kCreate;
  if (s == "MOD") return SortTarget::kMod;
  if (s == "VALUE") return SortTarget::kValue;
  return SortTarget::kKey;
}

RangeRequest MakeRange(const Line& l) {
  RangeRequest r;
  r.key = l.Word(0);
  r.range_end = RangeEnd(l, r.key);
  r.revision = l.Int("rev");
  r.limit = l.Int("limit");
  r.sort_order = ParseOrder(l.kv.contains("sort") ? l.kv.at("sort") : "");
  r.sort_target =
      ParseSortTarget(l.kv.contains("target") ? l.kv.at("target") : "");
  r.keys_only = l.Has("keys_only");
  r.count_only = l.Has("count_only");
  r.min_mod_revision = l.Int("min_mod");
  r.max_mod_revision = l.Int("max_mod");
  r.min_create_revision = l.Int("min_create");
  r.max_create_revision = l.Int("max_create");
  return r;
}

PutRequest MakePut(const Line& l) {
  PutRequest p;
  p.key = l.Word(0);
  p.value = l.Word(1);
  p.lease = l.Int("lease");
  p.prev_kv = l.Has("prev_kv");
  p.ignore_value = l.Has("ignore_value");
  p.ignore_lease = l.Has("ignore_lease");
  return p;
}

DeleteRangeRequest MakeDelete(const Line& l) {
  DeleteRangeRequest d;
  d.key = l.Word(0);
  d.range_end = RangeEnd(l, d.key);
  d.prev_kv = l.Has("prev_kv");
  return d;
}

Compare MakeCompare(const Line& l) {
  // cmp TARGET KEY OP VALUE
  Compare c;
  const std::string target = l.Word(0);
  c.key = l.Word(1);
  const std::string op = l.Word(2);
  const std::string val = l.Word(3);
  c.range_end = RangeEnd(l, c.key);
  if (op == "=") c.result = Compare::Result::kEqual;
  if (op == "!=") c.result = Compare::Result::kNotEqual;
  if (op == ">") c.result = Compare::Result::kGreater;
  if (op == "<") c.result = Compare::Result::kLess;
  if (target == "value") {
    c.target = Compare::Target::kValue;
    c.value = val;
  } else if (target == "version") {
    c.target = Compare::Target::kVersion;
    c.version = std::stoll(val);
  } else if (target == "create") {
    c.target = Compare::Target::kCreate;
    c.create_revision = std::stoll(val);
  } else if (target == "mod") {
    c.target = Compare::Target::kMod;
    c.mod_revision = std::stoll(val);
  } else {
    c.target = Compare::Target::kLease;
    c.lease = std::stoll(val);
  }
  return c;
}

// Parses txn input lines from `pos` until "end" or the end of input.
TxnRequest ParseTxn(const std::vector<std::string>& lines, size_t& pos) {
  TxnRequest t;
  std::vector<RequestOp>* branch = nullptr;
  while (pos < lines.size()) {
    const Line l = ParseText(lines[pos++]);
    if (l.cmd.empty()) continue;
    if (l.cmd == "end") break;
    if (l.cmd == "cmp") {
      t.compare.push_back(MakeCompare(l));
    } else if (l.cmd == "then") {
      branch = &t.success;
    } else if (l.cmd == "else") {
      branch = &t.failure;
    } else if (branch == nullptr) {
      ADD_FAILURE() << "op before then/else: " << lines[pos - 1];
    } else if (l.cmd == "put") {
      branch->push_back(RequestOp{MakePut(l)});
    } else if (l.cmd == "get") {
      branch->push_back(RequestOp{MakeRange(l)});
    } else if (l.cmd == "delete") {
      branch->push_back(RequestOp{MakeDelete(l)});
    } else if (l.cmd == "empty") {
      branch->push_back(RequestOp{});
    } else if (l.cmd == "txn") {
      branch->push_back(RequestOp{ParseTxn(lines, pos)});
    } else {
      ADD_FAILURE() << "unknown txn line: " << lines[pos - 1];
    }
  }
  return t;
}

std::string Indent(int depth) { return std::string(2 * depth, ' '); }

void PrintRange(std::ostream& out, const RangeResponse& r, int depth) {
  out << Indent(depth) << "range rev=" << r.header.revision
      << " count=" << r.count << (r.more ? " more" : "") << "\n";
  for (const KeyValue& kv : r.kvs) {
    out << Indent(depth + 1) << DescribeKeyValue(kv) << "\n";
  }
}

void PrintTxn(std::ostream& out, const TxnResponse& t, int depth);

void PrintOp(std::ostream& out, const ResponseOp& op, int depth) {
  if (const auto* r = std::get_if<RangeResponse>(&op.response)) {
    PrintRange(out, *r, depth);
  } else if (const auto* p = std::get_if<PutResponse>(&op.response)) {
    out << Indent(depth) << "put rev=" << p->header.revision << "\n";
    if (p->prev_kv) {
      out << Indent(depth + 1) << "prev " << DescribeKeyValue(*p->prev_kv)
          << "\n";
    }
  } else if (const auto* d = std::get_if<DeleteRangeResponse>(&op.response)) {
    out << Indent(depth) << "delete rev=" << d->header.revision
        << " deleted=" << d->deleted << "\n";
    for (const KeyValue& kv : d->prev_kvs) {
      out << Indent(depth + 1) << "prev " << DescribeKeyValue(kv) << "\n";
    }
  } else {
    PrintTxn(out, std::get<TxnResponse>(op.response), depth);
  }
}

void PrintTxn(std::ostream& out, const TxnResponse& t, int depth) {
  out << Indent(depth) << "txn rev=" << t.header.revision
      << " succeeded=" << (t.succeeded ? "true" : "false") << "\n";
  for (const ResponseOp& op : t.responses) PrintOp(out, op, depth + 1);
}

void PrintEvents(std::ostream& out, const std::vector<Event>& evs) {
  for (const Event& ev : evs) out << "event " << DescribeEvent(ev) << "\n";
}

std::string ErrorText(const Status& s) {
  return "error: " + s.message() + "\n";
}

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace

std::string RunKvCommand(KvStore& store, const TestData& d,
                         std::vector<Event>* events) {
  const Line l = FromTestData(d);
  std::ostringstream out;
  if (l.cmd == "put") {
    auto r = store.Put(MakePut(l));
    if (!r.ok()) return ErrorText(r.status());
    PrintOp(out, ResponseOp{r.value().response}, 0);
    PrintEvents(out, r.value().events);
    if (events) *events = r.value().events;
  } else if (l.cmd == "get") {
    auto r = store.Range(MakeRange(l));
    if (!r.ok()) return ErrorText(r.status());
    PrintRange(out, r.value(), 0);
  } else if (l.cmd == "delete") {
    auto r = store.DeleteRange(MakeDelete(l));
    if (!r.ok()) return ErrorText(r.status());
    PrintOp(out, ResponseOp{r.value().response}, 0);
    PrintEvents(out, r.value().events);
    if (events) *events = r.value().events;
  } else if (l.cmd == "txn") {
    size_t pos = 0;
    auto r = store.Txn(ParseTxn(SplitLines(d.input), pos));
    if (!r.ok()) return ErrorText(r.status());
    PrintTxn(out, r.value().response, 0);
    PrintEvents(out, r.value().events);
    if (events) *events = r.value().events;
  } else if (l.cmd == "compact") {
    auto r = store.Compact(CompactionRequest{.revision = std::stoll(l.Word(0)),
                                             .physical = false});
    if (!r.ok()) return ErrorText(r.status());
    out << "compacted rev=" << r.value().header.revision << "\n";
  } else if (l.cmd == "hash") {
    auto r = store.HashKV(l.Int("rev"));
    if (!r.ok()) return ErrorText(r.status());
    out << "hash=" << r.value().hash << " rev=" << r.value().header.revision
        << " compact_revision=" << r.value().compact_revision << "\n";
  } else if (l.cmd == "rev") {
    out << "rev=" << store.rev() << " compact_rev=" << store.compact_rev()
        << " keys=" << store.key_count() << "\n";
  } else if (l.cmd == "events") {
    auto r = store.EventsFrom(l.Int("from"),
                              static_cast<size_t>(l.Int("max", 1000)));
    if (!r.ok()) return ErrorText(r.status());
    PrintEvents(out, r.value());
  } else {
    ADD_FAILURE() << d.pos << ": unknown command " << l.cmd;
  }
  return out.str();
}

}  // namespace cairn::mvcc
