// The argument rules of etcdctl 3.4's role grant-permission and
// revoke-permission (etcdctl/ctlv3/command/role_command.go) and of
// clientv3.StrToPermissionType, as pure functions over strings. Edge code,
// but stateless: no I/O.
#pragma once

#include <string>
#include <vector>

#include "core/util/result.h"

namespace cairn::ctl {

// etcd's authpb.Permission.Type names, by their numbers (READ = 0).
inline constexpr const char* kPermTypeNames[] = {"READ", "WRITE", "READWRITE"};

// clientv3.StrToPermissionType: "read", "Write", "READWRITE"... (any
// case). Returns the type's number. Errors: kInvalidArgument "invalid
// permission type: TEXT".
Result<int> ParsePermType(const std::string& text);

// The permission type of a gateway Permission field: its name ("WRITE")
// or number (1); absent or unknown is READ (proto3's default).
int PermTypeOf(const std::string& name_or_number);

// A permission's key range as the gateway request carries it: a single
// key when `range_end` is empty; "\0" for either side means "from the
// first key" / "to the end".
struct PermRange {
  std::string key;
  std::string range_end;
};

// etcdctl's permRange over `args` = KEY [ENDKEY] (more words are
// ignored, as etcdctl does): --prefix gives the prefix's range,
// --from-key an open end; an empty KEY stands for every key ("\0") and
// then ENDKEY is ignored. Errors: kInvalidArgument with etcdctl's texts
// ("--from-key and --prefix flags are mutually exclusive", "unexpected
// endkey argument with --prefix flag", "... with --from-key flag").
// REQUIRES: args is non-empty.
Result<PermRange> PermRangeFromArgs(const std::vector<std::string>& args,
                                    bool prefix, bool from_key);

}  // namespace cairn::ctl
