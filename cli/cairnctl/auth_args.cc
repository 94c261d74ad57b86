#include "cli/cairnctl/auth_args.h"

#include <cctype>

#include "cli/cairnctl/command.h"

namespace cairn::ctl {

Result<int> ParsePermType(const std::string& text) {
  std::string upper = text;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  for (int i = 0; i < 3; ++i) {
    if (upper == kPermTypeNames[i]) return i;
  }
  return Status::InvalidArgument("invalid permission type: " + text);
}

int PermTypeOf(const std::string& name_or_number) {
  for (int i = 0; i < 3; ++i) {
    if (name_or_number == kPermTypeNames[i]) return i;
  }
  if (name_or_number == "1" || name_or_number == "2") {
    return name_or_number[0] - '0';
  }
  return 0;
}

Result<PermRange> PermRangeFromArgs(const std::vector<std::string>& args,
                                    bool prefix, bool from_key) {
  const Status exclusive = Status::InvalidArgument(
      "--from-key and --prefix flags are mutually exclusive");
  PermRange r;
  r.key = args[0];
  if (r.key.empty()) {
    // etcd keeps permissions as byte intervals, so "every key" is written
    // ["\0", "\0") with an open end, and a single empty key as "\0".
    if (prefix && from_key) return exclusive;
    r.key = std::string(1, '\0');
    if (prefix || from_key) r.range_end = std::string(1, '\0');
    return r;
  }
  if (args.size() == 1) {
    if (prefix && from_key) return exclusive;
    if (prefix) r.range_end = PrefixRangeEnd(r.key);
    if (from_key) r.range_end = std::string(1, '\0');
    return r;
  }
  if (prefix) {
    return Status::InvalidArgument(
        "unexpected endkey argument with --prefix flag");
  }
  if (from_key) {
    return Status::InvalidArgument(
        "unexpected endkey argument with --from-key flag");
  }
  r.range_end = args[1];
  return r;
}

}  // namespace cairn::ctl
