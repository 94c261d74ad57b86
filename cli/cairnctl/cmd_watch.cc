// watch: etcdctl's watch command (watch_command.go), non-interactive.
// Streams /v3/watch and prints each event batch; with "-- CMD ARGS" runs
// the command once per event with ETCD_WATCH_REVISION, _EVENT_TYPE, _KEY
// and _VALUE in its environment, as etcdctl does.
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "cli/cairnctl/command.h"
#include "cli/cairnctl/exec.h"
#include "cli/cairnctl/go_format.h"
#include "cli/cairnctl/watch_args.h"
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

// Go's %q of a []string, as etcdctl names a failed command.
std::string QuoteArgs(const std::vector<std::string>& argv) {
  std::string out = "[";
  for (size_t i = 0; i < argv.size(); ++i) {
    out += (i > 0 ? " " : "") + GoQuote(argv[i]);
  }
  return out + "]";
}

// Runs `argv` with the event's variables; etcdctl's text for a failure.
Status RunForEvent(const std::vector<std::string>& argv, int64_t revision,
                   const Json& ev) {
  const Json kv = ev.value("kv", Json::object());
  const std::string type =
      ev.value("type", std::string("PUT")) == "DELETE" ? "DELETE" : "PUT";
  // Appended after the inherited environment in etcdctl: they win.
  Status s = RunCommand(argv,
                        {{"ETCD_WATCH_REVISION", std::to_string(revision)},
                         {"ETCD_WATCH_EVENT_TYPE", GoQuote(type)},
                         {"ETCD_WATCH_KEY", GoQuote(JsonBytes(kv, "key"))},
                         {"ETCD_WATCH_VALUE", GoQuote(JsonBytes(kv, "value"))}},
                        /*overwrite=*/true);
  if (s.ok()) return s;
  return Status(s.code(),
                "command " + QuoteArgs(argv) + " error (" + s.message() + ")");
}

// getWatchChan's request: errors "bad number of arguments" and the
// range_end / --prefix conflict.
Result<Json> WatchCreate(const std::vector<std::string>& args, bool prefix,
                         int64_t rev, bool prev_kv) {
  if (args.empty()) return Status::InvalidArgument("bad number of arguments");
  Json create = {{"key", api::EncodeBase64(args[0])}};
  if (args.size() > 1) {
    if (prefix) {
      return Status::InvalidArgument(
          "`range_end` and `--prefix` are mutually exclusive");
    }
    create["range_end"] = api::EncodeBase64(args[1]);
  } else if (prefix) {
    create["range_end"] = api::EncodeBase64(PrefixRangeEnd(args[0]));
  }
  if (rev != 0) create["start_revision"] = std::to_string(rev);
  if (prev_kv) create["prev_kv"] = true;
  return create;
}

// Where a watch prints: one printer and lock shared by every watch of an
// interactive session.
struct WatchOutput {
  Printer* printer;
  std::ostream* out;
  std::ostream* err;
  std::mutex* mu;
};

// printWatchCh: prints every response of the stream until it ends or is
// cancelled. A failed exec-command is reported on stderr here (etcdctl
// then exits 1: the error returned has no message). `*stream` gets the
// stream's own end.
std::optional<CommandError> PrintWatchStream(
    GatewayClient& client, const Json& create, const WatchOutput& o,
    const std::vector<std::string>& exec, StreamCancel* cancel,
    Status* stream) {
  std::optional<CommandError> failure;
  *stream = client.Stream(
      "/v3/watch", Json{{"create_request", create}},
      [&](const Json& msg) {
        const Json r = msg.value("result", Json::object());
        if (JsonBool(r, "created") && !JsonBool(r, "canceled") &&
            !r.contains("events")) {
          return true;  // the created notice; a refused watch is both
        }
        std::lock_guard<std::mutex> lock(*o.mu);
        if (JsonBool(r, "canceled")) {
          std::string why = JsonString(r, "cancel_reason");
          if (JsonInt(r, "compact_revision") != 0) {
            why = "etcdserver: mvcc: required revision has been compacted";
          }
          *o.err << "watch was canceled (" << why << ")\n";
        }
        Status ps = o.printer->Watch(r);
        if (!ps.ok()) {
          failure = ErrorFrom(ps, kExitBadFeature);
          return false;
        }
        o.out->flush();
        const int64_t rev =
            JsonInt(r.value("header", Json::object()), "revision");
        for (const Json& ev : r.value("events", Json::array())) {
          if (exec.empty()) break;
          Status s = RunForEvent(exec, rev, ev);
          if (!s.ok()) {
            *o.err << s.message() << "\n";
            failure = CommandError{kExitError, ""};
            return false;
          }
        }
        return !JsonBool(r, "canceled");
      },
      cancel);
  return failure;
}

std::optional<CommandError> Watch(Context& ctx, const WatchFlags& f,
                                  const std::vector<std::string>& exec) {
  if (f.args.empty()) {
    return CommandError{kExitBadArgs, "bad number of arguments"};
  }
  Result<Json> create = WatchCreate(f.args, f.prefix, f.rev, f.prev_kv);
  if (!create.ok()) return ErrorFrom(create.status(), kExitBadArgs);
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  Result<Printer*> printer = ctx.GetPrinter();
  if (!printer.ok()) return ErrorFrom(printer.status(), kExitBadFeature);
  std::mutex mu;
  const WatchOutput out{printer.value(), &ctx.out(), &ctx.err(), &mu};
  Status s;
  if (auto failure = PrintWatchStream(*client.value(), create.value(), out,
                                      exec, nullptr, &s)) {
    return failure;
  }
  if (!s.ok()) return ErrorFrom(s, kExitBadConnection);
  return CommandError{kExitInterrupted, "watch is canceled by the server"};
}

// One watch of an interactive session: a thread and a client of its own.
struct LineWatch {
  std::unique_ptr<GatewayClient> client;
  std::atomic<bool> done{false};
  std::thread thread;
};

// An interactive session (watchInteractiveFunc): the shared printer and
// the watches started so far.
class InteractiveWatch {
 public:
  InteractiveWatch(Context& ctx, GatewayClient& client, Printer& printer,
                   std::string env_key, std::string env_range)
      : ctx_(ctx),
        client_(client),
        out_{&printer, &ctx.out(), &ctx.err(), &mu_},
        env_key_(std::move(env_key)),
        env_range_(std::move(env_range)) {}
  ~InteractiveWatch() {
    cancel_.Cancel();
    for (auto& w : watches_) w->thread.join();
  }

  // Reads and serves lines until stdin ends (etcdctl's ExitInvalidInput)
  // or a line's arguments are bad (ExitBadArgs).
  std::optional<CommandError> Run();

 private:
  std::optional<CommandError> Line(const std::string& line);
  std::optional<CommandError> StartWatch(const std::string& line,
                                         const std::vector<std::string>& w);
  std::optional<CommandError> Progress();
  void Complain(const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    ctx_.err() << text << "\n";
  }

  Context& ctx_;
  GatewayClient& client_;
  std::mutex mu_;
  const WatchOutput out_;
  const std::string env_key_;
  const std::string env_range_;
  StreamCancel cancel_;
  std::vector<std::unique_ptr<LineWatch>> watches_;
};

std::optional<CommandError> InteractiveWatch::Run() {
  std::string line;
  for (;;) {
    // bufio.ReadString('\n'): a last line without its newline is EOF.
    std::getline(ctx_.in(), line);
    if (!ctx_.in().good()) {
      return CommandError{kExitInvalidInput,
                          "Error reading watch request line: EOF"};
    }
    if (auto e = Line(line)) return e;
  }
}

std::optional<CommandError> InteractiveWatch::Line(const std::string& line) {
  const std::vector<std::string> words = Argify(line);
  if (words.empty()) {
    Complain("Invalid command: " + line + " (watch and progress supported)");
  } else if (words[0] == "watch") {
    if (words.size() < 2 && env_key_.empty()) {
      Complain("Invalid command " + line +
               " (command type or key is not provided)");
      return std::nullopt;
    }
    return StartWatch(line, words);
  } else if (words[0] == "progress") {
    return Progress();
  } else {
    Complain("Invalid command " + line + " (only support watch)");
  }
  return std::nullopt;
}

std::optional<CommandError> InteractiveWatch::StartWatch(
    const std::string& line, const std::vector<std::string>& words) {
  Result<WatchLine> w = ParseWatchLine(words, env_key_, env_range_);
  if (!w.ok()) return ErrorFrom(w.status(), kExitBadArgs);
  Result<Json> create = WatchCreate(w.value().args, w.value().prefix,
                                    w.value().rev, w.value().prev_kv);
  if (!create.ok()) {
    Complain("Invalid command " + line + " (" + create.status().message() +
             ")");
    return std::nullopt;
  }
  Result<std::unique_ptr<GatewayClient>> client = ctx_.NewClient();
  if (!client.ok()) return ClientError(client.status());
  auto watch = std::make_unique<LineWatch>();
  watch->client = std::move(client).value();
  LineWatch* lw = watch.get();
  const std::vector<std::string> exec = w.value().exec;
  watch->thread = std::thread([this, lw, body = create.value(), exec] {
    Status stream;
    if (PrintWatchStream(*lw->client, body, out_, exec, &cancel_, &stream)) {
      // etcdctl exits at once when an exec-command fails.
      std::lock_guard<std::mutex> lock(mu_);
      ctx_.out().flush();
      ctx_.err().flush();
      std::_Exit(kExitError);
    }
    lw->done = true;
  });
  watches_.push_back(std::move(watch));
  return std::nullopt;
}

// RequestProgress: etcd answers every watch of the session with a
// response that carries only the current revision. The gateway gives each
// watch a stream of its own, so cairnctl asks for the revision and
// prints that response for each watch still running.
std::optional<CommandError> InteractiveWatch::Progress() {
  Result<Json> r = client_.Call(
      "/v3/kv/range",
      Json{{"key", api::EncodeBase64("progress")}, {"count_only", true}});
  if (!r.ok()) return ErrorFrom(r.status());
  const Json notify = {{"header", JsonField(r.value(), "header")}};
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& w : watches_) {
    if (w->done) continue;
    ctx_.out() << "progress notify: " << JsonInt(notify["header"], "revision")
               << "\n";
    Status ps = out_.printer->Watch(notify);
    if (!ps.ok()) return ErrorFrom(ps, kExitBadFeature);
  }
  ctx_.out().flush();
  return std::nullopt;
}

std::optional<CommandError> WatchInteractive(Context& ctx) {
  const char* key = std::getenv("CAIRNCTL_WATCH_KEY");
  const char* range = std::getenv("CAIRNCTL_WATCH_RANGE_END");
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  Result<Printer*> printer = ctx.GetPrinter();
  if (!printer.ok()) return ErrorFrom(printer.status(), kExitBadFeature);
  InteractiveWatch session(ctx, *client.value(), *printer.value(),
                           key != nullptr ? key : "",
                           range != nullptr ? range : "");
  return session.Run();
}

}  // namespace

void AddWatchCommand(Registry reg, const std::vector<std::string>& raw_args) {
  auto f = std::make_shared<WatchFlags>();
  CLI::App* cmd = reg.app.add_subcommand(
      "watch", "Watches events stream on keys or prefixes");
  cmd->add_flag("-i,--interactive", f->interactive, "Interactive mode");
  cmd->add_flag("--prefix", f->prefix, "Watch on a prefix if prefix is set");
  cmd->add_option("--rev", f->rev, "Revision to start watching");
  cmd->add_flag("--prev-kv", f->prev_kv,
                "get the previous key-value pair before the event happens");
  cmd->add_option("args", f->args,
                  "[key or prefix] [range_end] [--] [exec-command arg1 ...]");
  CommandFn* selected = reg.selected;
  cmd->callback([=] {
    *selected = [=](Context& ctx) -> std::optional<CommandError> {
      const char* env_key = std::getenv("CAIRNCTL_WATCH_KEY");
      const char* env_range = std::getenv("CAIRNCTL_WATCH_RANGE_END");
      if ((env_key == nullptr || *env_key == '\0') && env_range != nullptr &&
          *env_range != '\0') {
        return CommandError{kExitBadArgs,
                            "CAIRNCTL_WATCH_KEY is empty but got "
                            "CAIRNCTL_WATCH_RANGE_END=" +
                                GoQuote(env_range)};
      }
      if (f->interactive) return WatchInteractive(ctx);
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
                              "bad number of arguments (found conflicting "
                              "environment key)"};
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
