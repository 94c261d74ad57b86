#include "cli/cairnctl/watch_args.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace cairn::ctl {

namespace {

Status Bad(std::string message) {
  return Status::InvalidArgument(std::move(message));
}

// strconv.ParseBool.
bool ParseGoBool(const std::string& s, bool* out) {
  static const char* kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char* kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (const char* t : kTrue) {
    if (s == t) return *out = true, true;
  }
  for (const char* f : kFalse) {
    if (s == f) return *out = false, true;
  }
  return false;
}

// strconv.ParseInt(s, 0, 64): the base from the prefix (0x, 0o, 0b, 0).
Status ParseGoInt(const std::string& s, int64_t* out) {
  std::string digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.erase(0, 1);
  }
  int base = 10;
  if (digits.size() > 1 && digits[0] == '0') {
    const char p = static_cast<char>(digits[1] | 0x20);
    base = p == 'x' ? 16 : p == 'b' ? 2 : p == 'o' ? 8 : 8;
    digits.erase(0, p == 'x' || p == 'b' || p == 'o' ? 2 : 1);
  }
  const Status syntax =
      Bad("strconv.ParseInt: parsing \"" + s + "\": invalid syntax");
  if (digits.empty() || digits[0] == '-' || digits[0] == '+') return syntax;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(digits.c_str(), &end, base);
  if (*end != '\0') return syntax;
  const unsigned long long limit =
      negative ? 9223372036854775808ULL : 9223372036854775807ULL;
  if (errno == ERANGE || v > limit) {
    return Bad("strconv.ParseInt: parsing \"" + s + "\": value out of range");
  }
  *out = negative ? static_cast<int64_t>(0ULL - v) : static_cast<int64_t>(v);
  return Status::Ok();
}

struct ParsedFlags {
  std::vector<std::string> positional;
  WatchLine flags;
};

Status SetFlag(const std::string& name, const std::string& value,
               WatchLine* f) {
  const std::string shown =
      name == "interactive" ? "-i, --interactive" : "--" + name;
  auto invalid = [&](const std::string& why) {
    return Bad("invalid argument \"" + value + "\" for \"" + shown +
               "\" flag: " + why);
  };
  if (name == "rev") {
    Status s = ParseGoInt(value, &f->rev);
    return s.ok() ? s : invalid(s.message());
  }
  bool b = false;
  if (!ParseGoBool(value, &b)) {
    return invalid("strconv.ParseBool: parsing \"" + value +
                   "\": invalid syntax");
  }
  if (name == "prefix") f->prefix = b;
  if (name == "prev-kv") f->prev_kv = b;
  return Status::Ok();  // interactive: accepted, meaningless on a line
}

// One "--name[=value]" argument; may take the next word as its value.
Status LongFlag(const std::vector<std::string>& words, size_t* i,
                WatchLine* f) {
  const std::string& arg = words[*i];
  std::string name = arg.substr(2);
  if (name.empty() || name[0] == '-' || name[0] == '=') {
    return Bad("bad flag syntax: " + arg);
  }
  const size_t eq = name.find('=');
  const bool has_value = eq != std::string::npos;
  std::string value = has_value ? name.substr(eq + 1) : "";
  if (has_value) name.resize(eq);
  const bool is_bool =
      name == "prefix" || name == "prev-kv" || name == "interactive";
  if (!is_bool && name != "rev") {
    if (name == "help") return Bad("pflag: help requested");
    return Bad("unknown flag: --" + name);
  }
  if (!has_value && is_bool) value = "true";
  if (!has_value && !is_bool) {
    if (*i + 1 >= words.size()) return Bad("flag needs an argument: " + arg);
    value = words[++*i];
  }
  return SetFlag(name, value, f);
}

// "-i", "-ii", "-i=false": the only shorthand is -i.
Status ShortFlags(const std::string& arg, WatchLine* f) {
  for (size_t k = 1; k < arg.size(); ++k) {
    const char c = arg[k];
    if (c != 'i') {
      if (c == 'h') return Bad("pflag: help requested");
      // pflag names the rest of the cluster from the unknown letter on.
      return Bad(std::string("unknown shorthand flag: '") + c + "' in -" +
                 arg.substr(k));
    }
    if (k + 1 < arg.size() && arg[k + 1] == '=') {
      return SetFlag("interactive", arg.substr(k + 2), f);
    }
  }
  return Status::Ok();
}

// pflag's Parse of the watch command's flags, interspersed with
// positional arguments; everything after "--" is positional.
Result<ParsedFlags> ParseFlags(const std::vector<std::string>& words) {
  ParsedFlags out;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--") {
      out.positional.insert(out.positional.end(), words.begin() + i + 1,
                            words.end());
      break;
    }
    if (w.size() < 2 || w[0] != '-') {
      out.positional.push_back(w);
      continue;
    }
    Status s = w[1] == '-' ? LongFlag(words, &i, &out.flags)
                           : ShortFlags(w, &out.flags);
    if (!s.ok()) return s;
  }
  return out;
}

}  // namespace

Result<WatchLine> ParseWatchLine(const std::vector<std::string>& words,
                                 const std::string& env_key,
                                 const std::string& env_range) {
  const std::vector<std::string> watch_args(words.begin() + 1, words.end());
  const auto sep = std::find(watch_args.begin(), watch_args.end(), "--");
  const bool has_exec = sep != watch_args.end();
  if (has_exec && sep + 1 == watch_args.end()) {
    return Bad("bad number of arguments (found separator --, but no commands)");
  }
  Result<ParsedFlags> parsed = ParseFlags(watch_args);
  if (!parsed.ok()) return parsed.status();
  std::vector<std::string>& pos = parsed.value().positional;
  if (!has_exec && env_key.empty() && pos.empty()) {
    return Bad("bad number of arguments");
  }
  if (!has_exec && !pos.empty() && !env_key.empty()) {
    return Bad("bad number of arguments (found conflicting environment key)");
  }
  WatchLine line = parsed.value().flags;
  if (has_exec) line.exec.assign(sep + 1, watch_args.end());
  if (!env_key.empty()) {
    std::vector<std::string> ranges = {env_key};
    if (!env_range.empty()) ranges.push_back(env_range);
    pos.insert(pos.begin(), ranges.begin(), ranges.end());
  }
  if (has_exec) {
    // The exec words are positional too: cut at the last occurrence of
    // the command's name, as etcdctl does.
    const auto last = std::find(pos.rbegin(), pos.rend(), line.exec[0]);
    if (last != pos.rend())
      pos.resize(static_cast<size_t>(pos.rend() - last) - 1);
  }
  line.args = std::move(pos);
  return line;
}

}  // namespace cairn::ctl
