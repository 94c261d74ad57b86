// watch: etcdctl's watch command (watch_command.go), non-interactive.
// Streams /v3/watch and prints each event batch; with "-- CMD ARGS" runs
// the command once per event with ETCD_WATCH_REVISION, _EVENT_TYPE, _KEY
// and _VALUE in its environment, as etcdctl does.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/cairnctl/command.h"
#include "cli/cairnctl/go_format.h"
#include "core/api/base64.h"

namespace cairn::ctl {

namespace {

struct WatchFlags {
  bool interactive = false;
  bool prefix = false;
  int64_t rev = 0;
  bool prev_kv = false;
  std::vector<std::string> args;  // key [range_end] [-- command...]
};

// Runs `argv` with the event's variables; returns false when it failed.
bool RunForEvent(const std::vector<std::string>& argv, int64_t revision,
                 const Json& ev) {
  const Json kv = ev.value("kv", Json::object());
  const std::string type =
      ev.value("type", std::string("PUT")) == "DELETE" ? "DELETE" : "PUT";
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    setenv("ETCD_WATCH_REVISION", std::to_string(revision).c_str(), 1);
    setenv("ETCD_WATCH_EVENT_TYPE", GoQuote(type).c_str(), 1);
    setenv("ETCD_WATCH_KEY", GoQuote(JsonBytes(kv, "key")).c_str(), 1);
    setenv("ETCD_WATCH_VALUE", GoQuote(JsonBytes(kv, "value")).c_str(), 1);
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::optional<CommandError> Watch(Context& ctx, const WatchFlags& f,
                                  const std::vector<std::string>& exec) {
  if (f.args.empty())
    return CommandError{kExitBadArgs, "bad number of arguments"};
  Json create = {{"key", api::EncodeBase64(f.args[0])}};
  if (f.args.size() > 1) {
    if (f.prefix) {
      return CommandError{kExitBadArgs,
                          "`range_end` and `--prefix` are mutually exclusive"};
    }
    create["range_end"] = api::EncodeBase64(f.args[1]);
  } else if (f.prefix) {
    create["range_end"] = api::EncodeBase64(PrefixRangeEnd(f.args[0]));
  }
  if (f.rev != 0) create["start_revision"] = std::to_string(f.rev);
  if (f.prev_kv) create["prev_kv"] = true;
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ErrorFrom(client.status(), kExitBadArgs);
  Result<Printer*> printer = ctx.GetPrinter();
  if (!printer.ok()) return ErrorFrom(printer.status(), kExitBadFeature);
  std::optional<CommandError> failure;
  Status s = client.value()->Stream(
      "/v3/watch", Json{{"create_request", create}}, [&](const Json& msg) {
        const Json r = msg.value("result", Json::object());
        if (JsonBool(r, "created") && !r.contains("events")) return true;
        if (JsonBool(r, "canceled")) {
          std::string why = JsonString(r, "cancel_reason");
          if (JsonInt(r, "compact_revision") != 0) {
            why = "etcdserver: mvcc: required revision has been compacted";
          }
          ctx.err() << "watch was canceled (" << why << ")\n";
        }
        Status ps = printer.value()->Watch(r);
        if (!ps.ok()) {
          failure = ErrorFrom(ps, kExitBadFeature);
          return false;
        }
        ctx.out().flush();
        for (const Json& ev : r.value("events", Json::array())) {
          if (exec.empty()) break;
          const int64_t rev =
              JsonInt(r.value("header", Json::object()), "revision");
          if (!RunForEvent(exec, rev, ev)) {
            failure = CommandError{kExitError, "command failed: " + exec[0]};
            return false;
          }
        }
        return !JsonBool(r, "canceled");
      });
  if (failure) return failure;
  if (!s.ok()) return ErrorFrom(s, kExitBadConnection);
  return CommandError{kExitInterrupted, "watch is canceled by the server"};
}

}  // namespace

void AddWatchCommand(Registry reg, const std::vector<std::string>& raw_args) {
  auto f = std::make_shared<WatchFlags>();
  CLI::App* cmd = reg.app.add_subcommand(
      "watch", "Watches events stream on keys or prefixes");
  cmd->add_flag("--prefix", f->prefix, "Watch on a prefix if prefix is set");
  cmd->add_option("--rev", f->rev, "Revision to start watching");
  cmd->add_flag("--prev-kv", f->prev_kv,
                "get the previous key-value pair before the event happens");
  cmd->add_option("args", f->args,
                  "[key or prefix] [range_end] [--] [exec-command arg1 ...]");
  CommandFn* selected = reg.selected;
  cmd->callback([=] {
    *selected = [=](Context& ctx) -> std::optional<CommandError> {
      // CLI11 drops "--": find the command after it in the raw arguments.
      std::vector<std::string> exec;
      WatchFlags flags = *f;
      for (size_t i = 0; i < raw_args.size(); ++i) {
        if (raw_args[i] != "--") continue;
        exec.assign(raw_args.begin() + static_cast<long>(i) + 1,
                    raw_args.end());
        if (exec.empty()) {
          return CommandError{kExitBadArgs,
                              "bad number of arguments (found separator --, "
                              "but no commands)"};
        }
        if (flags.args.size() >= exec.size()) {
          flags.args.resize(flags.args.size() - exec.size());
        }
        break;
      }
      if (const char* key = std::getenv("CAIRNCTL_WATCH_KEY")) {
        if (!flags.args.empty()) {
          return CommandError{kExitBadArgs,
                              "bad number of arguments (conflicting "
                              "environment variables)"};
        }
        flags.args.push_back(key);
        if (const char* end = std::getenv("CAIRNCTL_WATCH_RANGE_END")) {
          flags.args.push_back(end);
        }
      }
      return Watch(ctx, flags, exec);
    };
  });
}

}  // namespace cairn::ctl
