#include "cli/cairnctl/command.h"

#include <cctype>
#include <iterator>
#include <sstream>

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

Result<GatewayClient*> Context::Client() {
  if (client_) return client_.get();
  Result<std::unique_ptr<GatewayClient>> c = NewClient();
  if (!c.ok()) return c.status();
  client_ = std::move(c).value();
  return client_.get();
}

Result<std::unique_ptr<GatewayClient>> Context::NewClient() const {
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
  return GatewayClient::Create(opts);
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

std::string ReadAll(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

}  // namespace cairn::ctl
