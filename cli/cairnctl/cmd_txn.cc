// txn: etcdctl's txn command (txn_command.go). Reads compares, then success
// ops, then failure ops from stdin, each section ended by an empty line;
// ops are get/put/del lines parsed with those commands' own flags.
#include <charconv>
#include <istream>
#include <sstream>

#include "cli/cairnctl/command.h"
#include "cli/cairnctl/go_format.h"
#include "cli/cairnctl/kv_ops.h"
#include "core/api/base64.h"

namespace cairn::ctl {

namespace {

// Reads one Go-quoted string ("..." with escapes, or `...`) at s[*pos].
bool ReadQuoted(const std::string& s, size_t* pos, std::string* out) {
  size_t i = *pos;
  if (i >= s.size()) return false;
  out->clear();
  if (s[i] == '`') {
    const size_t end = s.find('`', i + 1);
    if (end == std::string::npos) return false;
    *out = s.substr(i + 1, end - i - 1);
    *pos = end + 1;
    return true;
  }
  if (s[i] != '"') return false;
  for (++i; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      *pos = i + 1;
      return true;
    }
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i >= s.size()) return false;
    switch (s[i]) {
      case 'n':
        out->push_back('\n');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '"':
        out->push_back('"');
        break;
      case 'x': {
        if (i + 2 >= s.size()) return false;
        out->push_back(
            static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
        i += 2;
        break;
      }
      default:
        return false;
    }
  }
  return false;
}

void SkipSpaces(const std::string& s, size_t* pos) {
  while (*pos < s.size() && (s[*pos] == ' ' || s[*pos] == '\t')) ++*pos;
}

// parseCompare: `target("key") op "value"`.
Result<Json> ParseCompare(const std::string& line) {
  const size_t lparen = line.find('(');
  if (lparen == std::string::npos) {
    return Status::InvalidArgument("malformed comparison: " + line);
  }
  const std::string target = line.substr(0, lparen);
  size_t pos = lparen + 1;
  std::string key, op, val;
  // etcdctl scans `%q) %s %q` and reports what it got so far.
  auto malformed = [&] {
    return Status::InvalidArgument("malformed comparison: " + line + "; got " +
                                   target + "(" + GoQuote(key) + ") " + op +
                                   " " + GoQuote(val));
  };
  if (!ReadQuoted(line, &pos, &key)) {
    key.clear();
    return malformed();
  }
  if (pos >= line.size() || line[pos] != ')') return malformed();
  ++pos;
  SkipSpaces(line, &pos);
  while (pos < line.size() && line[pos] != ' ') op.push_back(line[pos++]);
  SkipSpaces(line, &pos);
  if (op.empty() || !ReadQuoted(line, &pos, &val)) {
    val.clear();
    return malformed();
  }
  static const std::pair<const char*, const char*> kOps[] = {
      {"=", "EQUAL"}, {"!=", "NOT_EQUAL"}, {"<", "LESS"}, {">", "GREATER"}};
  const char* result = nullptr;
  for (const auto& [sym, name] : kOps) {
    if (op == sym) result = name;
  }
  const Status invalid =
      Status::InvalidArgument("invalid txn compare request: " + line);
  if (result == nullptr) return invalid;
  Json cmp = {{"result", result}, {"key", api::EncodeBase64(key)}};
  auto int_field = [&](const char* tgt, const char* field) -> Result<Json> {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(val.data(), val.data() + val.size(), v);
    if (val.empty() || ec != std::errc() || p != val.data() + val.size()) {
      return invalid;
    }
    cmp["target"] = tgt;
    cmp[field] = std::to_string(v);
    return cmp;
  };
  if (target == "ver" || target == "version") {
    return int_field("VERSION", "version");
  }
  if (target == "c" || target == "create") {
    return int_field("CREATE", "create_revision");
  }
  if (target == "m" || target == "mod") return int_field("MOD", "mod_revision");
  if (target == "val" || target == "value") {
    cmp["target"] = "VALUE";
    cmp["value"] = api::EncodeBase64(val);
    return cmp;
  }
  if (target == "lease") return int_field("LEASE", "lease");
  return Status::InvalidArgument("malformed comparison: " + line +
                                 " (unknown target " + target + ")");
}

// parseRequestUnion: one get/put/del line as a RequestOp.
Result<Json> ParseOp(const std::string& line) {
  const Status invalid =
      Status::InvalidArgument("invalid txn request: " + line);
  std::vector<std::string> args = Argify(line);
  if (args.size() < 2) {
    return Status::InvalidArgument("invalid txn compare request: " + line);
  }
  CLI::App app;
  GetFlags get;
  PutFlags put;
  DelFlags del;
  CLI::App* get_cmd = AddGetFlags(app, &get);
  CLI::App* put_cmd = AddPutFlags(app, &put);
  CLI::App* del_cmd = AddDelFlags(app, &del);
  std::vector<std::string> rev(args.rbegin(), args.rend());
  try {
    app.parse(rev);
  } catch (const CLI::ParseError&) {
    return invalid;
  }
  Built built;
  const char* op = nullptr;
  if (get_cmd->parsed()) {
    built = BuildGet(get), op = "request_range";
  } else if (put_cmd->parsed()) {
    built = BuildPut(put, nullptr), op = "request_put";
  } else if (del_cmd->parsed()) {
    built = BuildDel(del), op = "request_delete_range";
  } else {
    return invalid;
  }
  if (std::holds_alternative<CommandError>(built)) return invalid;
  return Json{{op, std::get<Json>(built)}};
}

// Reads lines until an empty one; EOF before it is an error (etcdctl's
// bufio ReadString('\n') failing with "EOF").
template <typename Parse>
std::optional<CommandError> ReadSection(std::istream& in, Json* out,
                                        Parse parse) {
  *out = Json::array();
  for (;;) {
    std::string line;
    if (!std::getline(in, line) || in.eof()) {
      return CommandError{kExitInvalidInput, "EOF"};
    }
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) return std::nullopt;
    line = line.substr(b, line.find_last_not_of(" \t\r") - b + 1);
    Result<Json> item = parse(line);
    if (!item.ok()) return ErrorFrom(item.status(), kExitInvalidInput);
    out->push_back(item.value());
  }
}

}  // namespace

// etcdctl's argify: words, "double quoted" (Go escapes) or 'single'.
std::vector<std::string> Argify(const std::string& line) {
  std::vector<std::string> args;
  size_t i = 0;
  while (true) {
    SkipSpaces(line, &i);
    if (i >= line.size()) break;
    std::string word;
    if (line[i] == '"') {
      if (!ReadQuoted(line, &i, &word)) word = line.substr(i), i = line.size();
    } else if (line[i] == '\'') {
      const size_t end = line.find('\'', i + 1);
      word = line.substr(
          i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
      i = end == std::string::npos ? line.size() : end + 1;
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
        word.push_back(line[i++]);
      }
    }
    args.push_back(word);
  }
  return args;
}

void AddTxnCommand(Registry reg) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto interactive = std::make_shared<bool>(false);
  CLI::App* cmd = reg.app.add_subcommand("txn",
                                         "Txn processes all the "
                                         "requests in one transaction");
  cmd->add_flag("-i,--interactive", *interactive,
                "Input transaction in interactive mode");
  cmd->add_option("args", *args);
  CommandFn* selected = reg.selected;
  cmd->callback([=] {
    *selected = [=](Context& ctx) -> std::optional<CommandError> {
      if (!args->empty()) {
        return CommandError{kExitBadArgs,
                            "txn command does not accept argument"};
      }
      Json body = Json::object();
      Json compares, success, failure;
      auto prompt = [&](const char* s) {
        if (*interactive) ctx.out() << s << "\n" << std::flush;
      };
      prompt("compares:");
      if (auto e = ReadSection(ctx.in(), &compares, ParseCompare)) return e;
      prompt("success requests (get, put, del):");
      if (auto e = ReadSection(ctx.in(), &success, ParseOp)) return e;
      prompt("failure requests (get, put, del):");
      if (auto e = ReadSection(ctx.in(), &failure, ParseOp)) return e;
      if (!compares.empty()) body["compare"] = compares;
      if (!success.empty()) body["success"] = success;
      if (!failure.empty()) body["failure"] = failure;
      Result<GatewayClient*> client = ctx.Client();
      if (!client.ok()) return ClientError(client.status());
      Result<Json> resp = client.value()->Call("/v3/kv/txn", body);
      if (!resp.ok()) return ErrorFrom(resp.status());
      Result<Printer*> p = ctx.GetPrinter();
      if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
      Status s = p.value()->Txn(resp.value());
      if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
      return std::nullopt;
    };
  });
}

}  // namespace cairn::ctl
