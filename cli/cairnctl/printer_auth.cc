// Printer: user and role answers, as etcdctl 3.4's printer_simple.go,
// printer_fields.go and printer_json.go print them.
#include <string>

#include "cli/cairnctl/auth_args.h"
#include "cli/cairnctl/command.h"
#include "cli/cairnctl/go_format.h"
#include "cli/cairnctl/printer.h"

namespace cairn::ctl {

namespace {

int PermType(const Json& perm) {
  const Json& t = JsonField(perm, "permType");
  if (t.is_string()) return PermTypeOf(t.get<std::string>());
  if (t.is_number_integer()) return PermTypeOf(std::to_string(t.get<int>()));
  return 0;
}

}  // namespace

Json RoleGetJson(const Json& gateway) {
  Json out = Numberize(gateway);
  if (!out.is_object() || !out.contains("perm") || !out["perm"].is_array()) {
    return out;
  }
  Json perms = Json::array();
  for (const Json& p : gateway["perm"]) {
    // Go's encoding/json: fields in struct order, zero values omitted.
    Json one = Json::object();
    if (const int type = PermType(p); type != 0) one["permType"] = type;
    for (const char* field : {"key", "range_end"}) {
      const Json& v = JsonField(p, field);
      if (v.is_string() && !v.get<std::string>().empty()) one[field] = v;
    }
    perms.push_back(std::move(one));
  }
  out["perm"] = std::move(perms);
  return out;
}

Status Printer::HeaderOnly(const Json& resp, const std::string& simple_line) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << simple_line << "\n";
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

Status Printer::UserAdd(const std::string& user, const Json& resp) {
  return HeaderOnly(resp, "User " + user + " created");
}

Status Printer::UserGet(const std::string& user, const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << "User: " << user << "\nRoles:";
      for (const std::string& r : JsonStrings(JsonField(resp, "roles"))) {
        out_ << " " << r;
      }
      out_ << "\n";
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    default:
      return Unsupported();
  }
}

Status Printer::UserList(const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      for (const std::string& u : JsonStrings(JsonField(resp, "users"))) {
        out_ << u << "\n";
      }
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    default:
      return Unsupported();
  }
}

Status Printer::UserChangePassword(const Json& resp) {
  return HeaderOnly(resp, "Password updated");
}

Status Printer::UserGrantRole(const std::string& user, const std::string& role,
                              const Json& resp) {
  return HeaderOnly(resp, "Role " + role + " is granted to user " + user);
}

Status Printer::UserRevokeRole(const std::string& user, const std::string& role,
                               const Json& resp) {
  return HeaderOnly(resp, "Role " + role + " is revoked from user " + user);
}

Status Printer::UserDelete(const std::string& user, const Json& resp) {
  return HeaderOnly(resp, "User " + user + " deleted");
}

Status Printer::RoleAdd(const std::string& role, const Json& resp) {
  return HeaderOnly(resp, "Role " + role + " created");
}

Status Printer::RoleDelete(const std::string& role, const Json& resp) {
  return HeaderOnly(resp, "Role " + role + " deleted");
}

Status Printer::RoleGrantPermission(const std::string& role, const Json& resp) {
  return HeaderOnly(resp, "Role " + role + " updated");
}

Status Printer::RoleRevokePermission(const std::string& role,
                                     const std::string& key,
                                     const std::string& end, const Json& resp) {
  std::string line;
  if (end.empty()) {
    line = "Permission of key " + key + " is revoked from role " + role;
  } else if (end != std::string(1, '\0')) {
    line = "Permission of range [" + key + ", " + end +
           ") is revoked from role " + role;
  } else {
    line = "Permission of range [" + key +
           ", <open ended> is revoked from role " + role;
  }
  return HeaderOnly(resp, line);
}

// One section (KV Read or KV Write) of etcdctl's simple RoleGet: a single
// key as is, a range as "[key, end)" or "[key, <open ended>", and
// "(prefix key)" after a range that is exactly a prefix.
void Printer::SimplePermissions(const Json& perms, bool write) {
  for (const Json& p : perms) {
    const int type = PermType(p);
    if (type != 2 && type != (write ? 1 : 0)) continue;
    const std::string key = JsonBytes(p, "key");
    const std::string end = JsonBytes(p, "range_end");
    if (end.empty()) {
      out_ << "\t" << key << "\n";
      continue;
    }
    if (end != std::string(1, '\0')) {
      out_ << "\t[" << key << ", " << end << ")";
    } else {
      out_ << "\t[" << key << ", <open ended>";
    }
    if (PrefixRangeEnd(key) == end) out_ << " (prefix " << key << ")";
    out_ << "\n";
  }
}

Status Printer::RoleGet(const std::string& role, const Json& resp) {
  const Json& perms = JsonField(resp, "perm");
  switch (options_.format) {
    case OutputFormat::kSimple:
      out_ << "Role " << role << "\nKV Read:\n";
      SimplePermissions(perms, false);
      out_ << "KV Write:\n";
      SimplePermissions(perms, true);
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(RoleGetJson(resp));
      return Status::Ok();
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      for (const Json& p : perms) {
        out_ << "\"PermType\" :  " << kPermTypeNames[PermType(p)] << "\n"
             << "\"Key\" : " << GoQuote(JsonBytes(p, "key")) << "\n"
             << "\"RangeEnd\" : " << GoQuote(JsonBytes(p, "range_end")) << "\n";
      }
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

Status Printer::RoleList(const Json& resp) {
  switch (options_.format) {
    case OutputFormat::kSimple:
      for (const std::string& r : JsonStrings(JsonField(resp, "roles"))) {
        out_ << r << "\n";
      }
      return Status::Ok();
    case OutputFormat::kJson:
      PrintJson(Numberize(resp));
      return Status::Ok();
    case OutputFormat::kFields:
      FieldsHeader(JsonField(resp, "header"));
      out_ << "\"Roles\" :";
      for (const std::string& r : JsonStrings(JsonField(resp, "roles"))) {
        out_ << " " << GoQuote(r);
      }
      out_ << "\n";
      return Status::Ok();
    case OutputFormat::kTable:
      break;
  }
  return Unsupported();
}

}  // namespace cairn::ctl
