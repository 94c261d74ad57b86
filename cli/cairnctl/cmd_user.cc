// user add/delete/get/list/passwd/grant-role/revoke-role, as etcdctl
// 3.4's user_command.go: arguments, password questions, errors, exit codes
// and output.
#include <unistd.h>

#include "cli/cairnctl/command.h"
#include "cli/cairnctl/password.h"

namespace cairn::ctl {

namespace {

using Args = std::shared_ptr<std::vector<std::string>>;

// readPasswordInteractive: the password twice, on the terminal.
Result<std::string> AskNewPassword(Context& ctx, const std::string& name) {
  Result<std::string> first =
      AskPassword("Password of " + name + ": ", ctx.out());
  if (!first.ok()) {
    return Status::InvalidArgument("failed to ask password: " +
                                   first.status().message());
  }
  if (first.value().empty()) return Status::InvalidArgument("empty password");
  Result<std::string> second = AskPassword(
      "Type password of " + name + " again for confirmation: ", ctx.out());
  if (!second.ok()) {
    return Status::InvalidArgument("failed to ask password: " +
                                   second.status().message());
  }
  if (first.value() != second.value()) {
    return Status::InvalidArgument("given passwords are different");
  }
  return first;
}

// The password of user add (without name:password) and user passwd: with
// --interactive=false one word from stdin (fmt.Scanf), else asked twice.
Result<std::string> NewPassword(Context& ctx, const std::string& name,
                                bool interactive) {
  if (!interactive) return ScanWord(STDIN_FILENO);
  return AskNewPassword(ctx, name);
}

struct AddFlags {
  bool interactive = true;
  std::string new_user_password;
  bool no_password = false;
  std::vector<std::string> args;
};

// The user add request: the name, and the password from the flags, the
// argument (name:password) or a question.
std::variant<Json, CommandError> UserAddRequest(Context& ctx,
                                                const AddFlags& f) {
  if (f.args.size() != 1) {
    return CommandError{kExitBadArgs,
                        "user add command requires user name as its argument"};
  }
  const std::string& arg = f.args[0];
  Json body = {{"name", arg}};
  if (f.no_password) {
    body["options"] = {{"no_password", true}};
    return body;
  }
  if (!f.new_user_password.empty()) {
    body["password"] = f.new_user_password;
    return body;
  }
  const size_t colon = arg.find(':');
  if (colon == std::string::npos) {
    Result<std::string> password = NewPassword(ctx, arg, f.interactive);
    if (!password.ok()) return ErrorFrom(password.status(), kExitBadArgs);
    body["password"] = password.value();
    return body;
  }
  if (colon == 0) {
    return CommandError{kExitBadArgs, "empty user name is not allowed"};
  }
  body["name"] = arg.substr(0, colon);
  body["password"] = arg.substr(colon + 1);
  return body;
}

void AddUserAdd(CLI::App* user, CommandFn* selected) {
  auto f = std::make_shared<AddFlags>();
  CLI::App* cmd = user->add_subcommand("add", "Adds a new user");
  cmd->add_flag("--interactive", f->interactive,
                "Read password from stdin instead of interactive terminal");
  cmd->add_option("--new-user-password", f->new_user_password,
                  "Supply password from the command line flag");
  cmd->add_flag("--no-password", f->no_password,
                "Create a user without password (CN based auth only)");
  cmd->add_option("name", f->args, "<user name or user:password>");
  cmd->callback([selected, f] {
    *selected = [f](Context& ctx) -> std::optional<CommandError> {
      std::variant<Json, CommandError> body = UserAddRequest(ctx, *f);
      if (auto* e = std::get_if<CommandError>(&body)) return *e;
      const std::string name = std::get<Json>(body)["name"].get<std::string>();
      return CallPrint(
          ctx, "/v3/auth/user/add", std::get<Json>(body),
          [&](Printer& p, const Json& r) { return p.UserAdd(name, r); });
    };
  });
}

void AddUserDelete(CLI::App* user, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = user->add_subcommand("delete", "Deletes a user");
  cmd->add_option("name", *args, "<user name>");
  cmd->callback([selected, args] {
    *selected = [args](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{
            kExitBadArgs,
            "user delete command requires user name as its argument"};
      }
      const std::string name = (*args)[0];
      return CallPrint(
          ctx, "/v3/auth/user/delete", Json{{"name", name}},
          [&](Printer& p, const Json& r) { return p.UserDelete(name, r); });
    };
  });
}

// user get --detail: the user's name, then each of its roles as role get
// prints it, each after an empty line.
std::optional<CommandError> UserGetDetail(Context& ctx,
                                          const std::string& name) {
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  Result<Json> resp =
      client.value()->Call("/v3/auth/user/get", Json{{"name", name}});
  if (!resp.ok()) return ErrorFrom(resp.status());
  Result<Printer*> printer = ctx.GetPrinter();
  if (!printer.ok()) return ErrorFrom(printer.status(), kExitBadFeature);
  ctx.out() << "User: " << name << "\n";
  for (const Json& role : JsonField(resp.value(), "roles")) {
    if (!role.is_string()) continue;
    ctx.out() << "\n";
    Result<Json> r =
        client.value()->Call("/v3/auth/role/get", Json{{"role", role}});
    if (!r.ok()) return ErrorFrom(r.status());
    Status s = printer.value()->RoleGet(role.get<std::string>(), r.value());
    if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
  }
  return std::nullopt;
}

void AddUserGet(CLI::App* user, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto detail = std::make_shared<bool>(false);
  CLI::App* cmd =
      user->add_subcommand("get", "Gets detailed information of a user");
  cmd->add_flag("--detail", *detail,
                "Show permissions of roles granted to the user");
  cmd->add_option("name", *args, "<user name>");
  cmd->callback([selected, args, detail] {
    *selected = [args, detail](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{
            kExitBadArgs,
            "user get command requires user name as its argument"};
      }
      const std::string name = (*args)[0];
      if (*detail) return UserGetDetail(ctx, name);
      return CallPrint(
          ctx, "/v3/auth/user/get", Json{{"name", name}},
          [&](Printer& p, const Json& r) { return p.UserGet(name, r); });
    };
  });
}

void AddUserList(CLI::App* user, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = user->add_subcommand("list", "Lists all users");
  cmd->add_option("args", *args);
  cmd->callback([selected, args] {
    *selected = [args](Context& ctx) -> std::optional<CommandError> {
      if (!args->empty()) {
        return CommandError{kExitBadArgs,
                            "user list command requires no arguments"};
      }
      return CallPrint(ctx, "/v3/auth/user/list", Json::object(),
                       [](Printer& p, const Json& r) { return p.UserList(r); });
    };
  });
}

void AddUserPasswd(CLI::App* user, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto interactive = std::make_shared<bool>(true);
  CLI::App* cmd = user->add_subcommand("passwd", "Changes password of user");
  cmd->add_flag("--interactive", *interactive,
                "If true, read password from stdin instead of interactive "
                "terminal");
  cmd->add_option("name", *args, "<user name>");
  cmd->callback([selected, args, interactive] {
    *selected = [args,
                 interactive](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{
            kExitBadArgs,
            "user passwd command requires user name as its argument"};
      }
      const std::string name = (*args)[0];
      Result<std::string> password = NewPassword(ctx, name, *interactive);
      if (!password.ok()) return ErrorFrom(password.status(), kExitBadArgs);
      return CallPrint(
          ctx, "/v3/auth/user/changepw",
          Json{{"name", name}, {"password", password.value()}},
          [](Printer& p, const Json& r) { return p.UserChangePassword(r); });
    };
  });
}

// user grant-role / revoke-role: a user and a role.
void AddUserRole(CLI::App* user, CommandFn* selected, bool grant) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd =
      grant ? user->add_subcommand("grant-role", "Grants a role to a user")
            : user->add_subcommand("revoke-role", "Revokes a role from a user");
  cmd->add_option("names", *args, "<user name> <role name>");
  cmd->callback([selected, args, grant] {
    *selected = [args, grant](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 2) {
        return CommandError{
            kExitBadArgs,
            grant ? "user grant command requires user name and role name as "
                    "its argument"
                  : "user revoke-role requires user name and role name as "
                    "its argument"};
      }
      const std::string name = (*args)[0];
      const std::string role = (*args)[1];
      // The gateway's requests name the user differently: "user" to
      // grant, "name" to revoke (etcdserverpb).
      const Json body = {{grant ? "user" : "name", name}, {"role", role}};
      return CallPrint(ctx,
                       grant ? "/v3/auth/user/grant" : "/v3/auth/user/revoke",
                       body, [&](Printer& p, const Json& r) {
                         return grant ? p.UserGrantRole(name, role, r)
                                      : p.UserRevokeRole(name, role, r);
                       });
    };
  });
}

}  // namespace

void AddUserCommands(Registry reg) {
  CLI::App* user = reg.app.add_subcommand("user", "User related commands");
  user->allow_extras();  // unknown subcommand: help, as etcdctl
  AddUserAdd(user, reg.selected);
  AddUserDelete(user, reg.selected);
  AddUserGet(user, reg.selected);
  AddUserList(user, reg.selected);
  AddUserPasswd(user, reg.selected);
  AddUserRole(user, reg.selected, true);
  AddUserRole(user, reg.selected, false);
}

}  // namespace cairn::ctl
