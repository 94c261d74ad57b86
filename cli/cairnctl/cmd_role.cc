// role add/delete/get/list/grant-permission/revoke-permission and auth
// enable/disable, as etcdctl 3.4's role_command.go and auth_command.go:
// arguments, errors, exit codes and output.
#include "cli/cairnctl/auth_args.h"
#include "cli/cairnctl/command.h"
#include "core/api/base64.h"

namespace cairn::ctl {

namespace {

using Args = std::shared_ptr<std::vector<std::string>>;

// role add/delete/get: one role name. `field` names it in the request.
void AddRoleByName(CLI::App* role, CommandFn* selected, const char* verb,
                   const char* help) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = role->add_subcommand(verb, help);
  cmd->add_option("name", *args, "<role name>");
  const std::string v = verb;
  cmd->callback([selected, args, v] {
    *selected = [args, v](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{
            kExitBadArgs,
            "role " + v + " command requires role name as its argument"};
      }
      const std::string name = (*args)[0];
      // AuthRoleAddRequest names it "name", the others "role".
      const Json body = {{v == "add" ? "name" : "role", name}};
      return CallPrint(ctx, "/v3/auth/role/" + v, body,
                       [&](Printer& p, const Json& r) {
                         if (v == "add") return p.RoleAdd(name, r);
                         if (v == "get") return p.RoleGet(name, r);
                         return p.RoleDelete(name, r);
                       });
    };
  });
}

void AddRoleList(CLI::App* role, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = role->add_subcommand("list", "Lists all roles");
  cmd->add_option("args", *args);
  cmd->callback([selected, args] {
    *selected = [args](Context& ctx) -> std::optional<CommandError> {
      if (!args->empty()) {
        return CommandError{kExitBadArgs,
                            "role list command requires no arguments"};
      }
      return CallPrint(ctx, "/v3/auth/role/list", Json::object(),
                       [](Printer& p, const Json& r) { return p.RoleList(r); });
    };
  });
}

struct PermFlags {
  bool prefix = false;
  bool from_key = false;
  std::vector<std::string> args;
};

std::optional<CommandError> GrantPermission(Context& ctx, const PermFlags& f) {
  if (f.args.size() < 3) {
    return CommandError{kExitBadArgs,
                        "role grant command requires role name, permission "
                        "type, and key [endkey] as its argument"};
  }
  Result<int> type = ParsePermType(f.args[1]);
  if (!type.ok()) return ErrorFrom(type.status(), kExitBadArgs);
  Result<PermRange> range = PermRangeFromArgs(
      std::vector<std::string>(f.args.begin() + 2, f.args.end()), f.prefix,
      f.from_key);
  if (!range.ok()) return ErrorFrom(range.status(), kExitBadArgs);
  Json perm = {{"permType", kPermTypeNames[type.value()]},
               {"key", api::EncodeBase64(range.value().key)}};
  if (!range.value().range_end.empty()) {
    perm["range_end"] = api::EncodeBase64(range.value().range_end);
  }
  const std::string name = f.args[0];
  return CallPrint(ctx, "/v3/auth/role/grant",
                   Json{{"name", name}, {"perm", perm}},
                   [&](Printer& p, const Json& r) {
                     return p.RoleGrantPermission(name, r);
                   });
}

std::optional<CommandError> RevokePermission(Context& ctx, const PermFlags& f) {
  if (f.args.size() < 2) {
    return CommandError{kExitBadArgs,
                        "role revoke-permission command requires role name "
                        "and key [endkey] as its argument"};
  }
  Result<PermRange> range = PermRangeFromArgs(
      std::vector<std::string>(f.args.begin() + 1, f.args.end()), f.prefix,
      f.from_key);
  if (!range.ok()) return ErrorFrom(range.status(), kExitBadArgs);
  Json body = {{"role", f.args[0]},
               {"key", api::EncodeBase64(range.value().key)}};
  if (!range.value().range_end.empty()) {
    body["range_end"] = api::EncodeBase64(range.value().range_end);
  }
  return CallPrint(ctx, "/v3/auth/role/revoke", body,
                   [&](Printer& p, const Json& r) {
                     return p.RoleRevokePermission(f.args[0], f.args[1],
                                                   range.value().range_end, r);
                   });
}

void AddRolePermission(CLI::App* role, CommandFn* selected, bool grant) {
  auto f = std::make_shared<PermFlags>();
  CLI::App* cmd =
      grant ? role->add_subcommand("grant-permission", "Grants a key to a role")
            : role->add_subcommand("revoke-permission",
                                   "Revokes a key from a role");
  const std::string what = grant ? "grant" : "revoke";
  cmd->add_flag("--prefix", f->prefix, what + " a prefix permission");
  cmd->add_flag("--from-key", f->from_key,
                what +
                    " a permission of keys that are greater than or equal to "
                    "the given key using byte compare");
  cmd->add_option("args", f->args,
                  grant ? "<role name> <permission type> <key> [endkey]"
                        : "<role name> <key> [endkey]");
  cmd->callback([selected, f, grant] {
    *selected = [f, grant](Context& ctx) -> std::optional<CommandError> {
      return grant ? GrantPermission(ctx, *f) : RevokePermission(ctx, *f);
    };
  });
}

// auth enable: when the root user lacks the root role, etcdctl creates
// the role, grants it and tries again. Bounded here, where etcdctl would
// loop for as long as the server kept refusing.
std::optional<CommandError> AuthEnable(GatewayClient& client) {
  constexpr std::string_view kRootRoleNotExist =
      "etcdserver: root user does not have root role";
  for (int attempt = 0; attempt < 3; ++attempt) {
    Result<Json> r = client.Call("/v3/auth/enable", Json::object());
    if (r.ok()) return std::nullopt;
    if (r.status().message() != kRootRoleNotExist) return ErrorFrom(r.status());
    Result<Json> add = client.Call("/v3/auth/role/add", Json{{"name", "root"}});
    if (!add.ok()) return ErrorFrom(add.status());
    Result<Json> grant = client.Call("/v3/auth/user/grant",
                                     Json{{"user", "root"}, {"role", "root"}});
    if (!grant.ok()) return ErrorFrom(grant.status());
  }
  return CommandError{kExitError, std::string(kRootRoleNotExist)};
}

void AddAuthToggle(CLI::App* auth, CommandFn* selected, bool enable) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd =
      enable ? auth->add_subcommand("enable", "Enables authentication")
             : auth->add_subcommand("disable", "Disables authentication");
  cmd->add_option("args", *args);
  cmd->callback([selected, args, enable] {
    *selected = [args, enable](Context& ctx) -> std::optional<CommandError> {
      const std::string verb = enable ? "enable" : "disable";
      if (!args->empty()) {
        return CommandError{kExitBadArgs, "auth " + verb +
                                              " command does not accept any "
                                              "arguments"};
      }
      Result<GatewayClient*> client = ctx.Client();
      if (!client.ok()) return ClientError(client.status());
      if (enable) {
        if (auto e = AuthEnable(*client.value())) return e;
        ctx.out() << "Authentication Enabled\n";
        return std::nullopt;
      }
      Result<Json> r = client.value()->Call("/v3/auth/disable", Json::object());
      if (!r.ok()) return ErrorFrom(r.status());
      ctx.out() << "Authentication Disabled\n";
      return std::nullopt;
    };
  });
}

}  // namespace

void AddRoleCommands(Registry reg) {
  CLI::App* role = reg.app.add_subcommand("role", "Role related commands");
  role->allow_extras();  // unknown subcommand: help, as etcdctl
  AddRoleByName(role, reg.selected, "add", "Adds a new role");
  AddRoleByName(role, reg.selected, "delete", "Deletes a role");
  AddRoleByName(role, reg.selected, "get",
                "Gets detailed information of a role");
  AddRoleList(role, reg.selected);
  AddRolePermission(role, reg.selected, true);
  AddRolePermission(role, reg.selected, false);
}

void AddAuthCommands(Registry reg) {
  CLI::App* auth =
      reg.app.add_subcommand("auth", "Enable or disable authentication");
  auth->allow_extras();  // unknown subcommand: help, as etcdctl
  AddAuthToggle(auth, reg.selected, true);
  AddAuthToggle(auth, reg.selected, false);
}

}  // namespace cairn::ctl
