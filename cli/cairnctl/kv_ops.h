// The flags of get, put and del and the gateway requests they build, shared
// by the commands themselves and by txn's operation lines (etcdctl parses
// "put k v --prev-kv" inside a txn with the put command's own flags).
// Edge code.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <istream>
#include <string>
#include <variant>
#include <vector>

#include "cli/cairnctl/command.h"

namespace cairn::ctl {

struct GetFlags {
  std::string consistency = "l";
  std::string order;
  std::string sort_by;
  int64_t limit = 0;
  bool prefix = false;
  bool from_key = false;
  int64_t rev = 0;
  bool keys_only = false;
  bool count_only = false;
  bool print_value_only = false;
  std::vector<std::string> args;
};

struct PutFlags {
  std::string lease = "0";
  bool prev_kv = false;
  bool ignore_value = false;
  bool ignore_lease = false;
  std::vector<std::string> args;
};

struct DelFlags {
  bool prefix = false;
  bool prev_kv = false;
  bool from_key = false;
  std::vector<std::string> args;
};

// Each adds the subcommand with etcdctl's flags, bound to `*f`.
CLI::App* AddGetFlags(CLI::App& parent, GetFlags* f);
CLI::App* AddPutFlags(CLI::App& parent, PutFlags* f);
CLI::App* AddDelFlags(CLI::App& parent, DelFlags* f);

// The RangeRequest / PutRequest / DeleteRangeRequest bodies, or etcdctl's
// error for the arguments. BuildPut reads the value from `in` when it is
// not an argument (etcdctl's argOrStdin); `in` may be null (txn lines).
using Built = std::variant<Json, CommandError>;
Built BuildGet(const GetFlags& f);
Built BuildPut(const PutFlags& f, std::istream* in);
Built BuildDel(const DelFlags& f);

}  // namespace cairn::ctl
