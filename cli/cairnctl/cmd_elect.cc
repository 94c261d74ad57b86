// elect: etcdctl's elect command (elect_command.go). With a proposal it
// campaigns (a session with etcd's default 60s lease and the election
// recipe), prints the leader key and value once elected and resigns on
// SIGINT/SIGTERM. With -l it observes: prints the leader's key and value
// at first and whenever the leader or its value changes, until a signal.
#include "cli/cairnctl/command.h"
#include "cli/cairnctl/concurrency.h"
#include "cli/cairnctl/session.h"
#include "core/api/base64.h"

namespace cairn::ctl {

namespace {

// clientv3/concurrency's defaultSessionTTL, which etcdctl's elect keeps.
constexpr int64_t kElectSessionTtl = 60;

struct ElectFlags {
  bool listen = false;
  std::vector<std::string> args;  // election-name [proposal]
};

std::optional<CommandError> Observe(Context& ctx, GatewayClient& client,
                                    const std::string& name) {
  Interrupt interrupt;
  SignalWatch signals(&interrupt);
  // etcdctl opens a session even to observe.
  Result<std::unique_ptr<Session>> session =
      Session::Create(ctx, client, kElectSessionTtl, &interrupt);
  if (!session.ok()) return ErrorFrom(session.status());
  Result<Printer*> printer = ctx.GetPrinter();
  if (!printer.ok()) return ErrorFrom(printer.status(), kExitBadFeature);
  Election election(client, name, session.value()->lease());
  Status print_error;
  (void)election.Observe(&interrupt.cancel(), [&](const Json& leader) {
    Status s = printer.value()->Get(leader);
    if (print_error.ok()) print_error = s;
    ctx.out().flush();
  });
  if (!print_error.ok()) return ErrorFrom(print_error, kExitBadFeature);
  if (!interrupt.signalled()) {
    return CommandError{kExitError, "elect: observer lost"};
  }
  return std::nullopt;
}

std::optional<CommandError> Campaign(Context& ctx, GatewayClient& client,
                                     const std::string& name,
                                     const std::string& proposal) {
  Interrupt interrupt;
  SignalWatch signals(&interrupt);
  Result<std::unique_ptr<Session>> session =
      Session::Create(ctx, client, kElectSessionTtl, &interrupt);
  if (!session.ok()) return ErrorFrom(session.status());
  Election election(client, name, session.value()->lease());
  Status s = election.Campaign(proposal, &interrupt.cancel());
  if (!s.ok()) return ErrorFrom(s);
  Result<Json> got = client.Call(
      "/v3/kv/range", Json{{"key", api::EncodeBase64(election.key())}});
  if (!got.ok()) return ErrorFrom(got.status());
  Result<Printer*> printer = ctx.GetPrinter();
  if (!printer.ok()) return ErrorFrom(printer.status(), kExitBadFeature);
  Status ps = printer.value()->Get(got.value());
  if (!ps.ok()) return ErrorFrom(ps, kExitBadFeature);
  ctx.out().flush();
  if (!interrupt.Wait())
    return CommandError{kExitError, "elect: session expired"};
  Status r = election.Resign();
  if (!r.ok()) return ErrorFrom(r);
  return std::nullopt;
}

std::optional<CommandError> Elect(Context& ctx, const ElectFlags& f) {
  if (f.args.size() != 1 && f.args.size() != 2) {
    return CommandError{kExitBadArgs,
                        "elect takes one election name argument and an "
                        "optional proposal argument"};
  }
  if (f.args.size() == 1 && !f.listen) {
    return CommandError{kExitBadArgs, "no proposal argument but -l not set"};
  }
  if (f.args.size() == 2 && f.listen) {
    return CommandError{kExitBadArgs, "proposal given but -l is set"};
  }
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  if (f.listen) return Observe(ctx, *client.value(), f.args[0]);
  return Campaign(ctx, *client.value(), f.args[0], f.args[1]);
}

}  // namespace

void AddElectCommand(Registry reg) {
  auto f = std::make_shared<ElectFlags>();
  CLI::App* cmd = reg.app.add_subcommand(
      "elect", "Observes and participates in leader election");
  cmd->add_flag("-l,--listen", f->listen, "observation mode");
  cmd->add_option("args", f->args, "<election-name> [proposal]");
  CommandFn* selected = reg.selected;
  cmd->callback([f, selected] {
    *selected = [f](Context& ctx) { return Elect(ctx, *f); };
  });
}

}  // namespace cairn::ctl
