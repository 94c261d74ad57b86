// The pieces every cairnctl command shares: global flags, the client, the
// printer and etcdctl's exit codes. Edge code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cairnctl/gateway_client.h"
#include "cli/cairnctl/printer.h"
#include "core/util/result.h"

namespace cairn::ctl {

// etcdctl's exit codes (etcdctl/ctlv3/command/error.go).
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitBadConnection = 2;
inline constexpr int kExitInvalidInput = 3;
inline constexpr int kExitBadFeature = 4;
inline constexpr int kExitInterrupted = 5;
inline constexpr int kExitIO = 6;
inline constexpr int kExitBadArgs = 128;

// A command's failure: the text after "Error: " and the exit code. An
// empty message exits with the code and prints nothing (etcdctl's
// os.Exit after its own messages).
struct CommandError {
  int exit_code = kExitError;
  std::string message;
};

struct GlobalFlags {
  std::string endpoints = "127.0.0.1:2379";
  std::string dial_timeout = "2s";
  std::string command_timeout = "5s";
  std::string write_out = "simple";
  bool hex = false;
  std::string user;
  std::string password;
  std::string cacert;
  std::string cert;
  std::string key;
  bool insecure_skip_tls_verify = false;
};

// The name and password that --user and --password give
// (etcdctl's authCfgFromCmd).
struct Credentials {
  std::string user;
  std::string password;
  // --user NAME without a password anywhere: etcdctl asks for it.
  bool must_ask = false;
};

// Splits --user ("name" or "name:password") and --password as etcdctl
// does: --password, when set, makes the whole --user the name; otherwise
// the first ':' splits name from password.
Credentials CredentialsFromFlags(const std::string& user,
                                 const std::string& password);

// What a command runs with. The client is made on first use, so that bad
// flags are reported before any connection is tried, and questions the
// command asks (a new user's password) come before the --user password
// prompt, as in etcdctl.
class Context {
 public:
  Context(const GlobalFlags& flags, std::istream& in, std::ostream& out,
          std::ostream& err)
      : flags_(flags), in_(in), out_(out), err_(err) {}

  // The client for --endpoints, authenticated when --user names a user
  // (etcdctl's mustClientFromCmd). Errors, each meant for ClientError:
  // kInvalidArgument for a bad global flag, kFailedPrecondition for an
  // unknown -w format, kIOError when the password prompt fails,
  // kAuthFailed (with the server's text) or kTimeout when authentication
  // fails.
  Result<GatewayClient*> Client();
  // A second client for the same flags and token, for another thread (a
  // session's keep-alive, a watch); Client() is made first.
  Result<std::unique_ptr<GatewayClient>> NewClient();
  // A client for other endpoints (member client URLs) with the same
  // timeouts, TLS settings and token; Client() is made first.
  Result<std::unique_ptr<GatewayClient>> NewClientFor(
      std::vector<std::string> endpoints);
  Result<Printer*> GetPrinter(bool value_only = false);

  const GlobalFlags& flags() const { return flags_; }
  std::istream& in() { return in_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

 private:
  Result<ClientOptions> Options() const;
  Status Authenticate(GatewayClient& client);

  const GlobalFlags& flags_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<GatewayClient> client_;
  std::unique_ptr<Printer> printer_;
};

// A command's body: returns nullopt on success.
using CommandFn = std::function<std::optional<CommandError>(Context&)>;

// Registers a subcommand whose body runs after parsing; `*selected` is set
// to its body when the user names it.
struct Registry {
  CLI::App& app;
  CommandFn* selected;
};

void AddKvCommands(Registry reg);
void AddTxnCommand(Registry reg);
void AddWatchCommand(Registry reg, const std::vector<std::string>& raw_args);
void AddLeaseCommands(Registry reg);
void AddClusterCommands(Registry reg);
void AddEndpointCommands(Registry reg);
void AddLockCommand(Registry reg, const std::vector<std::string>& raw_args);
void AddElectCommand(Registry reg);
void AddSnapshotCommands(Registry reg);
void AddUserCommands(Registry reg);
void AddRoleCommands(Registry reg);
void AddAuthCommands(Registry reg);
// cairnctl benchmark (etcd's benchmark tool) and check perf (etcdctl's).
void AddBenchmarkCommand(Registry reg);
void AddCheckCommand(Registry reg);

// Go's time.ParseDuration (e.g. "2s", "500ms", "1m30s"). Errors:
// kInvalidArgument with Go's text, e.g. `time: invalid duration "x"`.
Result<std::chrono::nanoseconds> ParseGoDuration(const std::string& text);

// clientv3's GetPrefixRangeEnd: the end of the range of keys prefixed by
// `prefix` ("\0" = no end when every byte is 0xff).
std::string PrefixRangeEnd(const std::string& prefix);

// Turns a Status from the client into etcdctl's error (exit 1).
CommandError ErrorFrom(const Status& s, int exit_code = kExitError);

// Calls `path` with `body` through ctx's client and prints the answer
// with `print`. Returns etcdctl's error: ClientError's, the call's (exit
// 1), or the printer's (ExitBadFeature, after the call took effect, as in
// etcdctl).
std::optional<CommandError> CallPrint(
    Context& ctx, std::string_view path, const Json& body,
    const std::function<Status(Printer&, const Json&)>& print);

// etcdctl's error for a failed Context::Client(): ExitBadArgs for a bad
// global flag, ExitBadFeature for -w, ExitBadConnection when
// authentication fails, ExitError otherwise (a failed password prompt).
CommandError ClientError(const Status& s);

// A lease id in hex as etcdctl reads it (strconv.ParseInt(s, 16, 64)),
// with Go's error text.
Result<int64_t> ParseHexLease(const std::string& text);

// etcdctl's argify (txn and interactive watch lines): words split on
// spaces and tabs, "double quoted" with Go escapes, or 'single quoted'.
std::vector<std::string> Argify(const std::string& line);

// Reads all of `in` (a value given on stdin).
std::string ReadAll(std::istream& in);

}  // namespace cairn::ctl
