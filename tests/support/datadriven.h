// A data-driven test harness after cockroachdb/datadriven, as used by
// etcd-io/raft (STYLE.md T2). Test code, single-threaded.
//
// A file holds cases. A case is a directive line
//   command [positional] [key=value] [key=(a,b)]
// optional input lines, a "----" line, the expected output, and a blank line.
// Lines starting with '#' between cases are comments. When the expected
// output itself contains blank lines, it is fenced by a second "----" line
// after the first and ends with "----" "----":
//   cmd
//   ----
//   ----
//   line one
//
//   line three
//   ----
//   ----
//
// RunFile calls the handler for every case in order and reports a gtest
// failure with file:line and both texts on any mismatch. With CAIRN_REWRITE=1
// in the environment it instead rewrites the expected blocks in place.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cairn::testing {

struct CmdArg {
  std::string key;
  std::vector<std::string> vals;  // empty for a bare positional word
};

struct TestData {
  std::string pos;  // "file:line" of the directive
  std::string cmd;
  std::vector<CmdArg> args;
  std::string input;     // the lines between directive and "----"
  std::string expected;  // as written in the file

  bool HasArg(const std::string& key) const;
  // The first value of `key`, or `def` when absent. For a positional
  // argument (no "="), returns the key itself when present.
  std::string Arg(const std::string& key, const std::string& def = "") const;
  // All values of `key` ("k=(a,b)" gives {"a","b"}).
  std::vector<std::string> Args(const std::string& key) const;
  // The first value of `key` as an unsigned/signed integer; aborts the test
  // case through a gtest failure on a malformed number.
  uint64_t ArgUint(const std::string& key, uint64_t def = 0) const;
  int64_t ArgInt(const std::string& key, int64_t def = 0) const;
  // Bare words in the order given (arguments written without "=").
  std::vector<std::string> Positionals() const;
};

using Handler = std::function<std::string(const TestData&)>;

// Runs every case of the file at `path` through `handler`.
void RunFile(const std::string& path, const Handler& handler);

// The sorted paths of the "*.txt" files directly inside `dir`.
std::vector<std::string> ListFiles(const std::string& dir);

}  // namespace cairn::testing
