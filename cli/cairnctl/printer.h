// Printer: cairnctl's output in etcdctl 3.4's four formats (simple, json,
// fields, table), from the JSON gateway's answers. Edge code.
//
// The gateway prints 64-bit integers as strings; etcdctl's json format
// prints the Go structs of its client library, with numbers, and for some
// lease answers with the header flattened into the top object. Printer
// rebuilds exactly what etcdctl prints for each command (checked against
// etcdctl talking to etcd 3.4.23 by tests/cli/etcdctl_compat).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "cli/cairnctl/gateway_client.h"
#include "core/util/status.h"

namespace cairn::ctl {

enum class OutputFormat { kSimple, kJson, kFields, kTable };

// Parses -w's value. Errors: kInvalidArgument for an unknown format
// (etcdctl accepts protobuf too; cairnctl does not print protobuf).
Result<OutputFormat> ParseOutputFormat(const std::string& text);

// One endpoint's row for endpoint health/status/hashkv.
struct EndpointHealth {
  std::string endpoint;
  bool health = false;
  std::string took;  // Go duration text
  std::string error;
};
struct EndpointStatus {
  std::string endpoint;
  Json status;  // the gateway's StatusResponse
};
struct EndpointHashKV {
  std::string endpoint;
  Json hashkv;
};

class Printer {
 public:
  struct Options {
    OutputFormat format = OutputFormat::kSimple;
    bool hex = false;
    bool value_only = false;  // get --print-value-only
  };
  Printer(Options options, std::ostream& out, std::ostream& err)
      : options_(options), out_(out), err_(err) {}

  // Each fails, as etcdctl does, for a format the command does not
  // support: kFailedPrecondition "table not supported as output format"
  // (the caller exits with etcdctl's ExitBadFeature).
  Status Get(const Json& resp);
  Status Put(const Json& resp);
  Status Del(const Json& resp);
  Status Txn(const Json& resp);
  Status Watch(const Json& resp);
  Status Compaction(int64_t rev, const Json& resp);
  Status Grant(const Json& resp);
  Status Revoke(int64_t id, const Json& resp);
  Status KeepAlive(const Json& resp);
  Status TimeToLive(const Json& resp, bool keys);
  Status Leases(const Json& resp);
  Status MemberAdd(const Json& resp);
  Status MemberRemove(uint64_t id, const Json& resp);
  Status MemberUpdate(uint64_t id, const Json& resp);
  Status MemberPromote(uint64_t id, const Json& resp);
  Status MemberList(const Json& resp);
  Status EndpointHealthList(const std::vector<EndpointHealth>& list);
  Status EndpointStatusList(const std::vector<EndpointStatus>& list);
  Status EndpointHashKVList(const std::vector<EndpointHashKV>& list);
  Status Alarm(const Json& resp);
  Status MoveLeader(uint64_t leader, uint64_t target, const Json& resp);
  // snapshot status: etcd's hash (here the keyspace's HashKV), revision,
  // total keys and file size.
  Status SnapshotStatus(uint32_t hash, int64_t revision, uint64_t total_keys,
                        uint64_t total_size);

  // user and role answers (printer_auth.cc). fields prints no UserGet or
  // UserList and table none of them, as in etcdctl.
  Status UserAdd(const std::string& user, const Json& resp);
  Status UserGet(const std::string& user, const Json& resp);
  Status UserList(const Json& resp);
  Status UserChangePassword(const Json& resp);
  Status UserGrantRole(const std::string& user, const std::string& role,
                       const Json& resp);
  Status UserRevokeRole(const std::string& user, const std::string& role,
                        const Json& resp);
  Status UserDelete(const std::string& user, const Json& resp);
  Status RoleAdd(const std::string& role, const Json& resp);
  Status RoleGet(const std::string& role, const Json& resp);
  Status RoleDelete(const std::string& role, const Json& resp);
  Status RoleList(const Json& resp);
  Status RoleGrantPermission(const std::string& role, const Json& resp);
  // `key` and `end` as the user gave them (not the "\0" sent for an
  // empty key), as etcdctl prints them.
  Status RoleRevokePermission(const std::string& role, const std::string& key,
                              const std::string& end, const Json& resp);

 private:
  // An answer with only a header: `simple_line` in simple, the header in
  // json and fields.
  Status HeaderOnly(const Json& resp, const std::string& simple_line);
  void SimplePermissions(const Json& perms, bool write);
  Status Unsupported() const;
  Status MemberChange(const char* what, uint64_t id, const Json& resp);
  Status IdAndTtl(const Json& resp, const std::string& simple_line,
                  bool with_error);
  void PrintKv(const Json& kv);
  void FieldsHeader(const Json& header);
  void FieldsKv(const std::string& prefix, const Json& kv);
  void Table(const std::vector<std::string>& header,
             const std::vector<std::vector<std::string>>& rows);
  void PrintJson(const Json& value);
  Json FlatHeader(const Json& resp) const;

  Options options_;
  std::ostream& out_;
  std::ostream& err_;
};

// Field accessors for gateway answers: absent fields are proto3 defaults.
// The field, or a null value when absent or `obj` is not an object.
const Json& JsonField(const Json& obj, const char* field);
int64_t JsonInt(const Json& obj, const char* field);
uint64_t JsonUint(const Json& obj, const char* field);
bool JsonBool(const Json& obj, const char* field);
std::string JsonString(const Json& obj, const char* field);
// The strings of a JSON array (non-strings skipped; empty when `list` is
// not an array).
std::vector<std::string> JsonStrings(const Json& list);
// A base64 bytes field, decoded ("" when absent or not valid base64).
std::string JsonBytes(const Json& obj, const char* field);
// A base64 JSON string value, decoded ("" when not valid base64).
std::string BytesValue(const Json& value);

// The gateway JSON with every 64-bit integer field (string-encoded by the
// gateway) turned into a JSON number, as Go's encoding/json prints them.
Json Numberize(const Json& gateway);

// An AuthRoleGetResponse as etcdctl's json printer shows it: Numberize,
// with each permission's permType as its number and left out for READ.
Json RoleGetJson(const Json& gateway);

}  // namespace cairn::ctl
