// get, put, del and compaction: etcdctl's commands, flags, argument checks
// and error texts (etcdctl/ctlv3/command/{get,put,del,compaction}_command.go).
#include <cctype>
#include <charconv>

#include "cli/cairnctl/command.h"
#include "cli/cairnctl/kv_ops.h"
#include "core/api/base64.h"

namespace cairn::ctl {

namespace {

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(c));
  return s;
}

// Sets range_end for --prefix/--from-key as clientv3 does; an empty key
// with either means every key.
void SetRange(Json& req, std::string key, bool prefix, bool from_key) {
  std::string end;
  if (prefix) {
    if (key.empty()) {
      key = std::string(1, '\0');
      end = std::string(1, '\0');
    } else {
      end = PrefixRangeEnd(key);
    }
  }
  if (from_key) {
    if (key.empty()) key = std::string(1, '\0');
    end = std::string(1, '\0');
  }
  req["key"] = api::EncodeBase64(key);
  if (!end.empty()) req["range_end"] = api::EncodeBase64(end);
}

Result<Json> GetRequest(const GetFlags& f) {
  if (f.args.empty()) {
    return Status::InvalidArgument(
        "get command needs one argument as key and an optional argument as "
        "range_end");
  }
  if (f.prefix && f.from_key) {
    return Status::InvalidArgument(
        "`--prefix` and `--from-key` cannot be set at the same time, choose "
        "one");
  }
  Json req = Json::object();
  if (f.args.size() > 1) {
    if (f.prefix || f.from_key) {
      return Status::InvalidArgument(
          "too many arguments, only accept one argument when `--prefix` or "
          "`--from-key` is set");
    }
    req["key"] = api::EncodeBase64(f.args[0]);
    req["range_end"] = api::EncodeBase64(f.args[1]);
  } else {
    SetRange(req, f.args[0], f.prefix, f.from_key);
  }
  if (f.limit != 0) req["limit"] = std::to_string(f.limit);
  if (f.rev > 0) req["revision"] = std::to_string(f.rev);
  return req;
}

// The flags etcdctl checks with ExitBadFeature.
std::optional<CommandError> SortAndConsistency(const GetFlags& f, Json& req) {
  if (f.consistency == "s") {
    req["serializable"] = true;
  } else if (f.consistency != "l") {
    return CommandError{kExitBadFeature,
                        "unknown consistency flag \"" + f.consistency + "\""};
  }
  const std::string order = Upper(f.order);
  if (order != "" && order != "ASCEND" && order != "DESCEND") {
    return CommandError{kExitBadFeature, "bad sort order " + f.order};
  }
  const std::string target = Upper(f.sort_by);
  static const char* kTargets[] = {"KEY", "VERSION", "CREATE", "MODIFY",
                                   "VALUE"};
  int target_num = -1;
  for (int i = 0; i < 5; ++i) {
    if (target == kTargets[i]) target_num = i;
  }
  if (target != "" && target_num < 0) {
    return CommandError{kExitBadFeature, "bad sort target " + f.sort_by};
  }
  // clientv3.WithSort: ascending by key is the server's natural order, so
  // it is sent as no sort at all.
  if (target_num < 0) target_num = 0;
  if (!(target_num == 0 && order == "ASCEND") && !order.empty()) {
    req["sort_order"] = order;
  }
  if (target_num > 0) {
    static const char* kGateway[] = {"KEY", "VERSION", "CREATE", "MOD",
                                     "VALUE"};
    req["sort_target"] = kGateway[target_num];
  }
  return std::nullopt;
}

}  // namespace

CLI::App* AddGetFlags(CLI::App& parent, GetFlags* f) {
  CLI::App* cmd =
      parent.add_subcommand("get", "Gets the key or a range of keys");
  cmd->add_option("--consistency", f->consistency,
                  "Linearizable(l) or Serializable(s)")
      ->capture_default_str();
  cmd->add_option("--order", f->order,
                  "Order of results; ASCEND or DESCEND (ASCEND by default)");
  cmd->add_option("--sort-by", f->sort_by,
                  "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION");
  cmd->add_option("--limit", f->limit, "Maximum number of results");
  cmd->add_flag("--prefix", f->prefix, "Get keys with matching prefix");
  cmd->add_flag("--from-key", f->from_key,
                "Get keys that are greater than or equal to the given key "
                "using byte compare");
  cmd->add_option("--rev", f->rev, "Specify the kv revision");
  cmd->add_flag("--keys-only", f->keys_only, "Get only the keys");
  cmd->add_flag("--count-only", f->count_only,
                "Get only the count (etcdctl 3.5's flag)");
  cmd->add_flag("--print-value-only", f->print_value_only,
                "Only write values when using the \"simple\" output format");
  cmd->add_option("key", f->args, "<key> [range_end]");
  return cmd;
}

CLI::App* AddPutFlags(CLI::App& parent, PutFlags* f) {
  CLI::App* cmd =
      parent.add_subcommand("put", "Puts the given key into the store");
  cmd->add_option("--lease", f->lease,
                  "lease ID (in hexadecimal) to attach to the key")
      ->capture_default_str();
  cmd->add_flag("--prev-kv", f->prev_kv,
                "return the previous key-value pair before modification");
  cmd->add_flag("--ignore-value", f->ignore_value,
                "updates the key using its current value");
  cmd->add_flag("--ignore-lease", f->ignore_lease,
                "updates the key using its current lease");
  cmd->add_option("key", f->args,
                  "<key> <value> (<value> can also be given from stdin)");
  return cmd;
}

CLI::App* AddDelFlags(CLI::App& parent, DelFlags* f) {
  CLI::App* cmd = parent.add_subcommand(
      "del", "Removes the specified key or range of keys [key, range_end)");
  cmd->add_flag("--prefix", f->prefix, "delete keys with matching prefix");
  cmd->add_flag("--prev-kv", f->prev_kv, "return deleted key-value pairs");
  cmd->add_flag("--from-key", f->from_key,
                "delete keys that are greater than or equal to the given key "
                "using byte compare");
  cmd->add_option("key", f->args, "<key> [range_end]");
  return cmd;
}

Built BuildGet(const GetFlags& f) {
  Result<Json> req = GetRequest(f);
  if (!req.ok()) return ErrorFrom(req.status(), kExitBadArgs);
  Json body = req.value();
  if (auto e = SortAndConsistency(f, body)) return *e;
  if (f.keys_only) body["keys_only"] = true;
  if (f.count_only) body["count_only"] = true;
  return body;
}

Built BuildPut(const PutFlags& f, std::istream* in) {
  const std::string usage =
      "put command needs 1 argument and input from stdin or 2 arguments";
  if (f.args.empty()) return CommandError{kExitBadArgs, usage};
  if (f.ignore_value && f.args.size() > 1) {
    return CommandError{
        kExitBadArgs,
        "put command needs only 1 argument when 'ignore-value' is set"};
  }
  Json body = Json::object();
  body["key"] = api::EncodeBase64(f.args[0]);
  if (!f.ignore_value) {
    if (f.args.size() < 2 && in == nullptr) {
      return CommandError{kExitBadArgs, usage};
    }
    const std::string value = f.args.size() > 1 ? f.args[1] : ReadAll(*in);
    if (!value.empty()) body["value"] = api::EncodeBase64(value);
  }
  Result<int64_t> lease = ParseHexLease(f.lease);
  if (!lease.ok()) {
    return CommandError{
        kExitBadArgs,
        "bad lease ID (" + lease.status().message() + "), expecting ID in Hex"};
  }
  if (lease.value() != 0) body["lease"] = std::to_string(lease.value());
  if (f.prev_kv) body["prev_kv"] = true;
  if (f.ignore_value) body["ignore_value"] = true;
  if (f.ignore_lease) body["ignore_lease"] = true;
  return body;
}

Built BuildDel(const DelFlags& f) {
  if (f.args.empty()) {
    return CommandError{kExitBadArgs,
                        "del command needs one argument as key and an "
                        "optional argument as range_end"};
  }
  if (f.prefix && f.from_key) {
    return CommandError{kExitBadArgs,
                        "`--prefix` and `--from-key` cannot be set at the "
                        "same time, choose one"};
  }
  Json body = Json::object();
  if (f.args.size() > 1) {
    if (f.prefix || f.from_key) {
      return CommandError{kExitBadArgs,
                          "too many arguments, only accept one argument "
                          "when `--prefix` or `--from-key` is set"};
    }
    body["key"] = api::EncodeBase64(f.args[0]);
    body["range_end"] = api::EncodeBase64(f.args[1]);
  } else {
    SetRange(body, f.args[0], f.prefix, f.from_key);
  }
  if (f.prev_kv) body["prev_kv"] = true;
  return body;
}

namespace {

// Calls `path` with `body` and prints the answer with `print`.
std::optional<CommandError> CallAndPrint(
    Context& ctx, const char* path, const Json& body, bool value_only,
    const std::function<Status(Printer&, const Json&)>& print) {
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  Result<Json> resp = client.value()->Call(path, body);
  if (!resp.ok()) return ErrorFrom(resp.status());
  if (value_only && ctx.flags().write_out != "simple") {
    return CommandError{kExitBadArgs,
                        "print-value-only is only for `--write-out=simple`"};
  }
  Result<Printer*> p = ctx.GetPrinter(value_only);
  if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
  Status s = print(*p.value(), resp.value());
  if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
  return std::nullopt;
}

void AddGet(Registry reg) {
  auto f = std::make_shared<GetFlags>();
  AddGetFlags(reg.app, f.get())->callback([reg, f] {
    *reg.selected = [f](Context& ctx) -> std::optional<CommandError> {
      Built req = BuildGet(*f);
      if (auto* e = std::get_if<CommandError>(&req)) return *e;
      return CallAndPrint(ctx, "/v3/kv/range", std::get<Json>(req),
                          f->print_value_only,
                          [](Printer& p, const Json& r) { return p.Get(r); });
    };
  });
}

void AddPut(Registry reg) {
  auto f = std::make_shared<PutFlags>();
  AddPutFlags(reg.app, f.get())->callback([reg, f] {
    *reg.selected = [f](Context& ctx) -> std::optional<CommandError> {
      Built req = BuildPut(*f, &ctx.in());
      if (auto* e = std::get_if<CommandError>(&req)) return *e;
      return CallAndPrint(ctx, "/v3/kv/put", std::get<Json>(req), false,
                          [](Printer& p, const Json& r) { return p.Put(r); });
    };
  });
}

void AddDel(Registry reg) {
  auto f = std::make_shared<DelFlags>();
  AddDelFlags(reg.app, f.get())->callback([reg, f] {
    *reg.selected = [f](Context& ctx) -> std::optional<CommandError> {
      Built req = BuildDel(*f);
      if (auto* e = std::get_if<CommandError>(&req)) return *e;
      return CallAndPrint(ctx, "/v3/kv/deleterange", std::get<Json>(req), false,
                          [](Printer& p, const Json& r) { return p.Del(r); });
    };
  });
}

void AddCompaction(Registry reg) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto physical = std::make_shared<bool>(false);
  CLI::App* cmd = reg.app.add_subcommand("compaction",
                                         "Compacts the event history in etcd");
  cmd->add_flag("--physical", *physical,
                "'true' to wait for compaction to physically remove all old "
                "revisions");
  cmd->add_option("revision", *args, "<revision>");
  cmd->callback([reg, args, physical] {
    *reg.selected = [args,
                     physical](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{kExitBadArgs,
                            "compaction command needs 1 argument"};
      }
      const std::string& text = (*args)[0];
      int64_t rev = 0;
      auto [ptr, ec] =
          std::from_chars(text.data(), text.data() + text.size(), rev);
      if (text.empty() || ec != std::errc() ||
          ptr != text.data() + text.size()) {
        const char* why = ec == std::errc::result_out_of_range
                              ? "value out of range"
                              : "invalid syntax";
        return CommandError{
            kExitError, "strconv.ParseInt: parsing \"" + text + "\": " + why};
      }
      Json body = {{"revision", std::to_string(rev)}};
      if (*physical) body["physical"] = true;
      Result<GatewayClient*> client = ctx.Client();
      if (!client.ok()) return ClientError(client.status());
      Result<Json> resp = client.value()->Call("/v3/kv/compaction", body);
      if (!resp.ok()) return ErrorFrom(resp.status());
      Result<Printer*> p = ctx.GetPrinter();
      if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
      (void)p.value()->Compaction(rev, resp.value());  // never fails
      return std::nullopt;
    };
  });
}

}  // namespace

Result<int64_t> ParseHexLease(const std::string& text) {
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    const char* why = ec == std::errc::result_out_of_range
                          ? "value out of range"
                          : "invalid syntax";
    return Status::InvalidArgument("strconv.ParseInt: parsing \"" + text +
                                   "\": " + why);
  }
  if (v > (neg ? 0x8000000000000000ULL : 0x7fffffffffffffffULL)) {
    return Status::InvalidArgument("strconv.ParseInt: parsing \"" + text +
                                   "\": value out of range");
  }
  return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

void AddKvCommands(Registry reg) {
  AddGet(reg);
  AddPut(reg);
  AddDel(reg);
  AddCompaction(reg);
}

}  // namespace cairn::ctl
