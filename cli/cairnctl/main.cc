// cairnctl: the etcdctl-style client. Edge program.
//
// Commands, flags, output and exit codes follow etcdctl 3.4 (see
// man/cairnctl.1); cairnctl talks to a cluster through etcd's v3 JSON
// gateway, so it works against cairn and etcd alike. Every global flag can
// also come from a CAIRNCTL_* environment variable (flag names upper-cased,
// '-' turned into '_').
#include <algorithm>
#include <iostream>

#include "cli/cairnctl/command.h"
#include "cli/common/cli_main.h"
#include "core/version.h"

namespace {

void AddGlobalFlags(CLI::App& app, cairn::ctl::GlobalFlags& g) {
  app.add_option("--endpoints", g.endpoints, "gRPC endpoints")
      ->envname("CAIRNCTL_ENDPOINTS")
      ->capture_default_str();
  app.add_option("--dial-timeout", g.dial_timeout,
                 "dial timeout for client connections")
      ->envname("CAIRNCTL_DIAL_TIMEOUT")
      ->capture_default_str();
  app.add_option("--command-timeout", g.command_timeout,
                 "timeout for short running command (excluding dial "
                 "timeout)")
      ->envname("CAIRNCTL_COMMAND_TIMEOUT")
      ->capture_default_str();
  app.add_option("-w,--write-out", g.write_out,
                 "set the output format (fields, json, simple, table)")
      ->envname("CAIRNCTL_WRITE_OUT")
      ->capture_default_str();
  app.add_flag("--hex", g.hex, "print byte strings as hex encoded strings")
      ->envname("CAIRNCTL_HEX");
  app.add_option("--user", g.user, "username[:password] for authentication")
      ->envname("CAIRNCTL_USER");
  app.add_option("--password", g.password, "password for authentication")
      ->envname("CAIRNCTL_PASSWORD");
  app.add_option("--cacert", g.cacert,
                 "verify certificates of TLS-enabled secure servers using "
                 "this CA bundle")
      ->envname("CAIRNCTL_CACERT");
  app.add_option("--cert", g.cert,
                 "identify secure client using this TLS certificate file")
      ->envname("CAIRNCTL_CERT");
  app.add_option("--key", g.key,
                 "identify secure client using this TLS key file")
      ->envname("CAIRNCTL_KEY");
  app.add_flag("--insecure-skip-tls-verify", g.insecure_skip_tls_verify,
               "skip server certificate verification")
      ->envname("CAIRNCTL_INSECURE_SKIP_TLS_VERIFY");
}

void AddVersion(const cairn::ctl::Registry& reg) {
  CLI::App* version = reg.app.add_subcommand("version", "Prints the version");
  cairn::ctl::CommandFn* selected = reg.selected;
  version->callback([selected] {
    *selected = [](cairn::ctl::Context& ctx)
        -> std::optional<cairn::ctl::CommandError> {
      ctx.out() << "cairnctl version: " << cairn::kVersion << "\n"
                << "API version: 3.4\n";
      return std::nullopt;
    };
  });
}

// Unknown words, judged as cobra does for etcdctl: an unknown flag is an
// error; a group (`lease`) without a known subcommand, or no command at
// all, prints the usage and succeeds; an unknown command is an error.
// Returns the exit code when the program should stop here.
std::optional<int> JudgeExtras(CLI::App& app, bool selected,
                               const std::vector<std::string>& raw_args) {
  std::vector<std::string> extras = app.remaining();
  for (CLI::App* sub : app.get_subcommands()) {
    for (const std::string& e : sub->remaining()) extras.push_back(e);
  }
  // Words after "--" belong to the command (watch's exec command).
  const auto sep = std::find(raw_args.begin(), raw_args.end(), "--");
  for (const std::string& e : extras) {
    if (!e.empty() && e[0] == '-' &&
        std::find(raw_args.begin(), sep, e) != sep) {
      std::cerr << "Error: unknown flag: " << e << "\n";
      return 1;
    }
  }
  if (selected) return std::nullopt;
  for (CLI::App* sub : app.get_subcommands()) {
    std::cout << sub->help();
    return 0;
  }
  if (!extras.empty()) {
    std::cerr << "Error: unknown command \"" << extras[0]
              << "\" for \"cairnctl\"\n"
              << "Run 'cairnctl --help' for usage.\n";
    return 1;
  }
  std::cout << app.help();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cairnctl: a simple command line client for cairn (etcdctl style).",
      "cairnctl"};
  app.fallthrough();   // global flags may follow the command, as in etcdctl
  app.allow_extras();  // unknown words are judged after parsing, as cobra
  cairn::cli::AddVersionFlag(app, "cairnctl");
  cairn::ctl::GlobalFlags flags;
  AddGlobalFlags(app, flags);
  cairn::ctl::CommandFn selected;
  const cairn::ctl::Registry reg{app, &selected};
  AddVersion(reg);
  cairn::ctl::AddKvCommands(reg);
  cairn::ctl::AddLeaseCommands(reg);
  cairn::ctl::AddTxnCommand(reg);
  const std::vector<std::string> raw_args(argv + 1, argv + argc);
  cairn::ctl::AddWatchCommand(reg, raw_args);
  cairn::ctl::AddClusterCommands(reg);
  cairn::ctl::AddEndpointCommands(reg);
  cairn::ctl::AddLockCommand(reg, raw_args);
  cairn::ctl::AddElectCommand(reg);
  cairn::ctl::AddSnapshotCommands(reg);
  cairn::ctl::AddUserCommands(reg);
  cairn::ctl::AddRoleCommands(reg);
  cairn::ctl::AddAuthCommands(reg);
  cairn::ctl::AddBenchmarkCommand(reg);
  cairn::ctl::AddCheckCommand(reg);
  if (int rc = cairn::cli::Parse(app, argc, argv); rc >= 0) return rc;
  if (std::optional<int> rc = JudgeExtras(app, selected != nullptr, raw_args)) {
    return *rc;
  }
  cairn::ctl::Context ctx(flags, std::cin, std::cout, std::cerr);
  std::optional<cairn::ctl::CommandError> err = selected(ctx);
  std::cout.flush();
  if (err) {
    if (!err->message.empty()) std::cerr << "Error: " << err->message << "\n";
    return err->exit_code;
  }
  return 0;
}
