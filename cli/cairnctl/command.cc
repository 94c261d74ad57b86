#include "cli/cairnctl/command.h"

#include <cctype>
#include <iterator>
#include <sstream>

#include "cli/cairnctl/password.h"

namespace cairn::ctl {

namespace {

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

Credentials CredentialsFromFlags(const std::string& user,
                                 const std::string& password) {
  Credentials c;
  if (user.empty()) return c;
  if (!password.empty()) {
    c.user = user;
    c.password = password;
    return c;
  }
  const size_t colon = user.find(':');
  if (colon == std::string::npos) {
    c.user = user;
    c.must_ask = true;
    return c;
  }
  c.user = user.substr(0, colon);
  c.password = user.substr(colon + 1);
  return c;
}

Result<ClientOptions> Context::Options() const {
  ClientOptions opts;
  opts.endpoints = SplitComma(flags_.endpoints);
  Result<std::chrono::nanoseconds> dial = ParseGoDuration(flags_.dial_timeout);
  if (!dial.ok()) return dial.status();
  Result<std::chrono::nanoseconds> cmd =
      ParseGoDuration(flags_.command_timeout);
  if (!cmd.ok()) return cmd.status();
  opts.dial_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(dial.value());
  opts.command_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(cmd.value());
  opts.cacert = flags_.cacert;
  opts.cert = flags_.cert;
  opts.key = flags_.key;
  opts.insecure_skip_tls_verify = flags_.insecure_skip_tls_verify;
  return opts;
}

// The steps of etcdctl's mustClientFromCmd, in its order: global flags,
// the --user password prompt, the output format, then clientv3.New,
// which authenticates when it has both a name and a password.
Result<GatewayClient*> Context::Client() {
  if (client_) return client_.get();
  Result<ClientOptions> opts = Options();
  if (!opts.ok()) return opts.status();
  Credentials creds = CredentialsFromFlags(flags_.user, flags_.password);
  if (creds.must_ask) {
    Result<std::string> password = AskPassword("Password: ", out_);
    if (!password.ok()) return password.status();
    creds.password = password.value();
  }
  Result<OutputFormat> format = ParseOutputFormat(flags_.write_out);
  if (!format.ok()) {
    return Status(Code::kFailedPrecondition, format.status().message());
  }
  const bool authenticate = !creds.user.empty() && !creds.password.empty();
  if (authenticate) {
    opts.value().username = creds.user;
    opts.value().password = creds.password;
  }
  Result<std::unique_ptr<GatewayClient>> c =
      GatewayClient::Create(std::move(opts).value());
  if (!c.ok()) return c.status();
  if (authenticate) {
    // With auth disabled clientv3 goes on without a token.
    Status s = c.value()->Authenticate();
    if (!s.ok() && s.message() != kErrAuthNotEnabled) {
      return Status(
          s.code() == Code::kTimeout ? Code::kTimeout : Code::kAuthFailed,
          s.message());
    }
  }
  client_ = std::move(c).value();
  return client_.get();
}

Result<std::unique_ptr<GatewayClient>> Context::NewClient() {
  Result<GatewayClient*> main = Client();
  if (!main.ok()) return main.status();
  return GatewayClient::Create(main.value()->options());
}

Result<std::unique_ptr<GatewayClient>> Context::NewClientFor(
    std::vector<std::string> endpoints) {
  Result<GatewayClient*> main = Client();
  if (!main.ok()) return main.status();
  ClientOptions opts = main.value()->options();
  opts.endpoints = std::move(endpoints);
  return GatewayClient::Create(std::move(opts));
}

Result<Printer*> Context::GetPrinter(bool value_only) {
  Result<OutputFormat> format = ParseOutputFormat(flags_.write_out);
  if (!format.ok()) return format.status();
  printer_ =
      std::make_unique<Printer>(Printer::Options{.format = format.value(),
                                                 .hex = flags_.hex,
                                                 .value_only = value_only},
                                out_, err_);
  return printer_.get();
}

Result<std::chrono::nanoseconds> ParseGoDuration(const std::string& text) {
  const Status bad =
      Status::InvalidArgument("time: invalid duration \"" + text + "\"");
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return bad;
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() &&
           (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) {
      ++i;
    }
    if (i == 0) return bad;
    const long double num = std::stold(std::string(s.substr(0, i)));
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && !std::isdigit(static_cast<unsigned char>(s[u])) &&
           s[u] != '.') {
      ++u;
    }
    const std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    long double scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "µs" || unit == "μs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else if (unit.empty()) {
      return Status::InvalidArgument("time: missing unit in duration \"" +
                                     text + "\"");
    } else {
      return Status::InvalidArgument("time: unknown unit \"" +
                                     std::string(unit) + "\" in duration \"" +
                                     text + "\"");
    }
    total += num * scale;
  }
  if (total > 9.2e18L) return bad;
  const auto ns = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(neg ? -ns : ns);
}

std::string PrefixRangeEnd(const std::string& prefix) {
  std::string end = prefix;
  for (size_t i = end.size(); i > 0; --i) {
    if (static_cast<unsigned char>(end[i - 1]) < 0xff) {
      end[i - 1] =
          static_cast<char>(static_cast<unsigned char>(end[i - 1]) + 1);
      end.resize(i);
      return end;
    }
  }
  return std::string(1, '\0');
}

CommandError ErrorFrom(const Status& s, int exit_code) {
  return CommandError{exit_code, s.message()};
}

std::optional<CommandError> CallPrint(
    Context& ctx, std::string_view path, const Json& body,
    const std::function<Status(Printer&, const Json&)>& print) {
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  Result<Json> resp = client.value()->Call(path, body);
  if (!resp.ok()) return ErrorFrom(resp.status());
  Result<Printer*> p = ctx.GetPrinter();
  if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
  Status s = print(*p.value(), resp.value());
  if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
  return std::nullopt;
}

CommandError ClientError(const Status& s) {
  switch (s.code()) {
    case Code::kInvalidArgument:
      return ErrorFrom(s, kExitBadArgs);
    case Code::kFailedPrecondition:
      return ErrorFrom(s, kExitBadFeature);
    case Code::kAuthFailed:
    case Code::kTimeout:
      return ErrorFrom(s, kExitBadConnection);
    default:
      return ErrorFrom(s, kExitError);
  }
}

std::string ReadAll(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

}  // namespace cairn::ctl
