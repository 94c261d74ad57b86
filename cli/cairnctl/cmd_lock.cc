// lock: etcdctl's lock command (lock_command.go). Acquires a named lock
// with a session (a lease of --ttl seconds kept alive) and the mutex
// recipe; prints the lock's key and holds it until SIGINT/SIGTERM, or runs
// a command while holding it (ETCD_LOCK_KEY, ETCD_LOCK_REV in its
// environment) and releases it when the command ends. As etcdctl, release
// deletes the key but leaves the lease to expire.
#include <algorithm>

#include "cli/cairnctl/command.h"
#include "cli/cairnctl/concurrency.h"
#include "cli/cairnctl/exec.h"
#include "cli/cairnctl/session.h"
#include "core/api/base64.h"

namespace cairn::ctl {

namespace {

struct LockFlags {
  int64_t ttl = 10;
  std::vector<std::string> args;  // lockname [exec-command arg...]
};

// Holds the lock until a signal (then releases it) or until the session
// is lost, printing the key first, as lockUntilSignal without a command.
std::optional<CommandError> HoldUntilSignal(Context& ctx, GatewayClient& client,
                                            Mutex& mutex,
                                            Interrupt& interrupt) {
  Result<Json> got = client.Call("/v3/kv/range",
                                 Json{{"key", api::EncodeBase64(mutex.key())}});
  if (!got.ok()) return ErrorFrom(got.status());
  if (JsonField(got.value(), "kvs").empty()) {
    return CommandError{kExitError, "lock lost on init"};
  }
  Result<Printer*> printer = ctx.GetPrinter();
  if (!printer.ok()) return ErrorFrom(printer.status(), kExitBadFeature);
  Status ps = printer.value()->Get(got.value());
  if (!ps.ok()) return ErrorFrom(ps, kExitBadFeature);
  ctx.out().flush();
  if (!interrupt.Wait()) return CommandError{kExitError, "session expired"};
  Status s = mutex.Unlock();
  if (!s.ok()) return ErrorFrom(s);
  return std::nullopt;
}

std::optional<CommandError> Lock(Context& ctx, const LockFlags& f) {
  if (f.args.empty()) {
    return CommandError{kExitBadArgs,
                        "lock takes a lock name argument and an optional "
                        "command to execute"};
  }
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  Interrupt interrupt;
  SignalWatch signals(&interrupt);
  // etcd's WithTTL ignores a TTL <= 0 (the default, 60s, stays).
  const int64_t ttl = f.ttl > 0 ? f.ttl : 60;
  Result<std::unique_ptr<Session>> session =
      Session::Create(ctx, *client.value(), ttl, &interrupt);
  if (!session.ok()) return ErrorFrom(session.status());
  Mutex mutex(*client.value(), f.args[0], session.value()->lease());
  Status s = mutex.Lock(&interrupt.cancel());
  if (!s.ok()) return ErrorFrom(s);
  if (f.args.size() == 1) {
    return HoldUntilSignal(ctx, *client.value(), mutex, interrupt);
  }
  const std::vector<std::string> argv(f.args.begin() + 1, f.args.end());
  // The variables come before the inherited environment in etcdctl's
  // cmd.Env, so an inherited one of the same name wins.
  Status run =
      RunCommand(argv,
                 {{"ETCD_LOCK_KEY", mutex.key()},
                  {"ETCD_LOCK_REV", std::to_string(mutex.header_revision())}},
                 /*overwrite=*/false);
  Status unlock = mutex.Unlock();
  if (!run.ok()) return ErrorFrom(run);
  if (!unlock.ok()) return ErrorFrom(unlock);
  return std::nullopt;
}

}  // namespace

void AddLockCommand(Registry reg, const std::vector<std::string>& raw_args) {
  auto f = std::make_shared<LockFlags>();
  CLI::App* cmd = reg.app.add_subcommand("lock", "Acquires a named lock");
  cmd->add_option("--ttl", f->ttl, "timeout for session")
      ->capture_default_str();
  cmd->add_option("args", f->args, "<lockname> [exec-command arg1 arg2 ...]");
  CommandFn* selected = reg.selected;
  cmd->callback([f, selected, raw_args] {
    *selected = [f, raw_args](Context& ctx) {
      // CLI11 leaves the words after "--" out of the positionals: the
      // command is taken from the raw arguments, as watch does.
      LockFlags flags = *f;
      const auto sep = std::find(raw_args.begin(), raw_args.end(), "--");
      if (sep != raw_args.end()) {
        const std::vector<std::string> exec(sep + 1, raw_args.end());
        if (flags.args.size() >= exec.size() &&
            std::equal(exec.rbegin(), exec.rend(), flags.args.rbegin())) {
          flags.args.resize(flags.args.size() - exec.size());
        }
        flags.args.insert(flags.args.end(), exec.begin(), exec.end());
      }
      return Lock(ctx, flags);
    };
  });
}

}  // namespace cairn::ctl
