// lease grant/revoke/timetolive/list/keep-alive, as etcdctl's
// lease_command.go: arguments, errors, exit codes and output.
#include <charconv>
#include <thread>

#include "cli/cairnctl/command.h"
#include "cli/cairnctl/go_format.h"

namespace cairn::ctl {

std::optional<CommandError> KeepAliveLoop(Context& ctx, GatewayClient& client,
                                          Printer& printer, int64_t id,
                                          bool once);

namespace {

// leaseFromArgs: a hex lease id, or etcdctl's ExitBadArgs error.
std::optional<CommandError> LeaseArg(const std::string& arg, int64_t* id) {
  Result<int64_t> r = ParseHexLease(arg);
  if (!r.ok()) {
    return CommandError{
        kExitBadArgs,
        "bad lease ID arg (" + r.status().message() + "), expecting ID in Hex"};
  }
  *id = r.value();
  return std::nullopt;
}

// Calls `path` and prints the answer with `print`; `wrap` turns a call
// error into etcdctl's text for the command.
std::optional<CommandError> CallAndPrint(
    Context& ctx, const char* path, const Json& body, int error_exit,
    const std::function<std::string(const std::string&)>& wrap,
    const std::function<Status(Printer&, const Json&)>& print) {
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  Result<Json> resp = client.value()->Call(path, body);
  if (!resp.ok()) {
    return CommandError{error_exit, wrap(resp.status().message())};
  }
  Result<Printer*> p = ctx.GetPrinter();
  if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
  Status s = print(*p.value(), resp.value());
  if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
  return std::nullopt;
}

std::string Same(const std::string& s) { return s; }

void AddGrant(CLI::App* lease, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = lease->add_subcommand("grant", "Creates leases");
  cmd->add_option("ttl", *args, "<ttl>");
  cmd->callback([selected, args] {
    *selected = [args](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{kExitBadArgs,
                            "lease grant command needs TTL argument"};
      }
      const std::string& t = (*args)[0];
      int64_t ttl = 0;
      auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), ttl);
      if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) {
        return CommandError{kExitBadArgs,
                            "bad TTL (strconv.ParseInt: parsing \"" + t +
                                "\": invalid syntax)"};
      }
      return CallAndPrint(
          ctx, "/v3/lease/grant", Json{{"TTL", std::to_string(ttl)}},
          kExitError,
          [](const std::string& m) {
            return "failed to grant lease (" + m + ")";
          },
          [](Printer& p, const Json& r) { return p.Grant(r); });
    };
  });
}

void AddRevoke(CLI::App* lease, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = lease->add_subcommand("revoke", "Revokes leases");
  cmd->add_option("leaseID", *args, "<leaseID>");
  cmd->callback([selected, args] {
    *selected = [args](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{kExitBadArgs,
                            "lease revoke command needs 1 argument"};
      }
      int64_t id = 0;
      if (auto e = LeaseArg((*args)[0], &id)) return e;
      return CallAndPrint(
          ctx, "/v3/lease/revoke", Json{{"ID", std::to_string(id)}}, kExitError,
          [](const std::string& m) {
            return "failed to revoke lease (" + m + ")";
          },
          [id](Printer& p, const Json& r) { return p.Revoke(id, r); });
    };
  });
}

void AddTimeToLive(CLI::App* lease, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto keys = std::make_shared<bool>(false);
  CLI::App* cmd = lease->add_subcommand("timetolive", "Get lease information");
  cmd->add_flag("--keys", *keys, "Get keys attached to this lease");
  cmd->add_option("leaseID", *args, "<leaseID>");
  cmd->callback([selected, args, keys] {
    *selected = [args, keys](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{
            kExitBadArgs,
            "lease timetolive command needs lease ID as argument"};
      }
      int64_t id = 0;
      if (auto e = LeaseArg((*args)[0], &id)) return e;
      Json body = {{"ID", std::to_string(id)}};
      if (*keys) body["keys"] = true;
      const bool with_keys = *keys;
      return CallAndPrint(ctx, "/v3/lease/timetolive", body, kExitBadConnection,
                          Same, [with_keys](Printer& p, const Json& r) {
                            return p.TimeToLive(r, with_keys);
                          });
    };
  });
}

void AddList(CLI::App* lease, CommandFn* selected) {
  CLI::App* cmd = lease->add_subcommand("list", "List all active leases");
  cmd->callback([selected] {
    *selected = [](Context& ctx) -> std::optional<CommandError> {
      return CallAndPrint(
          ctx, "/v3/lease/leases", Json::object(), kExitBadConnection, Same,
          [](Printer& p, const Json& r) { return p.Leases(r); });
    };
  });
}

void AddKeepAlive(CLI::App* lease, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto once = std::make_shared<bool>(false);
  CLI::App* cmd =
      lease->add_subcommand("keep-alive", "Keeps leases alive (renew)");
  cmd->add_flag("--once", *once,
                "Resets the keep-alive time to its original value and exits "
                "immediately");
  cmd->add_option("leaseID", *args, "<leaseID>");
  cmd->callback([selected, args, once] {
    *selected = [args, once](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{
            kExitBadArgs,
            "lease keep-alive command needs lease ID as argument"};
      }
      int64_t id = 0;
      if (auto e = LeaseArg((*args)[0], &id)) return e;
      Result<GatewayClient*> client = ctx.Client();
      if (!client.ok()) return ClientError(client.status());
      Result<Printer*> p = ctx.GetPrinter();
      if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
      return KeepAliveLoop(ctx, *client.value(), *p.value(), id, *once);
    };
  });
}

}  // namespace

// The keep-alive stream: one request per TTL/3, as clientv3 does, until
// the lease is gone (or once).
std::optional<CommandError> KeepAliveLoop(Context& ctx, GatewayClient& client,
                                          Printer& printer, int64_t id,
                                          bool once) {
  const Json body = {{"ID", std::to_string(id)}};
  for (;;) {
    Json result;
    Status s = client.Stream("/v3/lease/keepalive", body, [&](const Json& m) {
      result = m.contains("result") ? m["result"] : m;
      return false;
    });
    if (!s.ok()) return ErrorFrom(s, kExitBadConnection);
    const int64_t ttl = JsonInt(result, "TTL");
    if (ttl <= 0) {
      if (once) {
        return CommandError{kExitBadConnection,
                            "etcdserver: requested lease not found"};
      }
      break;
    }
    Status ps = printer.KeepAlive(result);
    if (!ps.ok()) return ErrorFrom(ps, kExitBadFeature);
    ctx.out().flush();
    if (once) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(ttl * 1000 / 3));
  }
  if (ctx.flags().write_out == "simple") {
    ctx.out() << "lease " << LeaseHex(id) << " expired or revoked.\n";
  }
  return std::nullopt;
}

void AddLeaseCommands(Registry reg) {
  CLI::App* lease = reg.app.add_subcommand("lease", "Lease related commands");
  lease->allow_extras();  // unknown subcommand: help, as etcdctl
  AddGrant(lease, reg.selected);
  AddRevoke(lease, reg.selected);
  AddTimeToLive(lease, reg.selected);
  AddList(lease, reg.selected);
  AddKeepAlive(lease, reg.selected);
}

}  // namespace cairn::ctl
