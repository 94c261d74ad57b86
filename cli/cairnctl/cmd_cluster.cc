// member, endpoint, alarm, move-leader and defrag, as etcdctl's
// member_command.go, ep_command.go, alarm_command.go,
// move_leader_command.go and defrag_command.go.
#include <charconv>
#include <chrono>

#include "cli/cairnctl/command.h"
#include "cli/cairnctl/go_format.h"

namespace cairn::ctl {

namespace {

using Args = std::shared_ptr<std::vector<std::string>>;

// strconv.ParseUint(s, 16, 64), with Go's error text.
Result<uint64_t> ParseHexId(const std::string& text) {
  uint64_t v = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    const char* why = ec == std::errc::result_out_of_range
                          ? "value out of range"
                          : "invalid syntax";
    return Status::InvalidArgument("strconv.ParseUint: parsing \"" + text +
                                   "\": " + why);
  }
  return v;
}

// The one hex member id argument of member remove/update/promote.
std::optional<CommandError> MemberIdArg(const std::vector<std::string>& args,
                                        uint64_t* id) {
  if (args.size() != 1) {
    return CommandError{kExitBadArgs, "member ID is not provided"};
  }
  Result<uint64_t> r = ParseHexId(args[0]);
  if (!r.ok()) {
    return CommandError{kExitBadArgs, "bad member ID arg (" +
                                          r.status().message() +
                                          "), expecting ID in Hex"};
  }
  *id = r.value();
  return std::nullopt;
}

// Calls `path`; the answer goes to `*resp`, or etcdctl's error comes back.
std::optional<CommandError> Call(Context& ctx, const char* path,
                                 const Json& body, Json* resp) {
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  Result<Json> r = client.value()->Call(path, body);
  if (!r.ok()) return ErrorFrom(r.status());
  *resp = std::move(r).value();
  return std::nullopt;
}

std::optional<CommandError> Print(Context& ctx,
                                  const std::function<Status(Printer&)>& fn) {
  Result<Printer*> p = ctx.GetPrinter();
  if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
  Status s = fn(*p.value());
  if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
  return std::nullopt;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// The ETCD_* lines etcdctl member add prints after the simple output.
void PrintMemberAddEnv(Context& ctx, const Json& resp, const std::string& name,
                       const std::string& peer_urls) {
  const uint64_t new_id = JsonUint(resp.value("member", Json::object()), "ID");
  std::vector<std::string> conf;
  for (const Json& m : resp.value("members", Json::array())) {
    std::string n = JsonUint(m, "ID") == new_id ? name : JsonString(m, "name");
    for (const Json& u : m.value("peerURLs", Json::array())) {
      conf.push_back(n + "=" + u.get<std::string>());
    }
  }
  std::string joined;
  for (size_t i = 0; i < conf.size(); ++i) {
    joined += (i ? "," : "") + conf[i];
  }
  ctx.out() << "\nETCD_NAME=" << GoQuote(name) << "\n"
            << "ETCD_INITIAL_CLUSTER=" << GoQuote(joined) << "\n"
            << "ETCD_INITIAL_ADVERTISE_PEER_URLS=" << GoQuote(peer_urls) << "\n"
            << "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n";
}

void AddMemberAdd(CLI::App* member, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto peer_urls = std::make_shared<std::string>();
  auto learner = std::make_shared<bool>(false);
  CLI::App* cmd =
      member->add_subcommand("add", "Adds a member into the cluster");
  cmd->add_option("--peer-urls", *peer_urls,
                  "comma separated peer URLs for the new member.");
  cmd->add_flag("--learner", *learner,
                "indicates if the new member is raft learner");
  cmd->add_option("name", *args, "<memberName>");
  cmd->callback([=] {
    *selected = [=](Context& ctx) -> std::optional<CommandError> {
      if (args->empty()) {
        return CommandError{kExitBadArgs, "member name not provided"};
      }
      if (args->size() > 1) {
        std::string ev = "too many arguments";
        for (const std::string& s : *args) {
          if (s.rfind("http", 0) == 0 || s.rfind("HTTP", 0) == 0) {
            ev += ", did you mean --peer-urls=" + s;
          }
        }
        return CommandError{kExitBadArgs, ev};
      }
      if (peer_urls->empty()) {
        return CommandError{kExitBadArgs, "member peer urls not provided"};
      }
      Json body = {{"peerURLs", SplitComma(*peer_urls)}};
      if (*learner) body["isLearner"] = true;
      Json resp;
      if (auto e = Call(ctx, "/v3/cluster/member/add", body, &resp)) return e;
      if (auto e = Print(ctx, [&](Printer& p) { return p.MemberAdd(resp); })) {
        return e;
      }
      if (ctx.flags().write_out == "simple") {
        PrintMemberAddEnv(ctx, resp, (*args)[0], *peer_urls);
      }
      return std::nullopt;
    };
  });
}

// member remove/promote: one hex id argument.
void AddMemberById(CLI::App* member, CommandFn* selected, const char* name,
                   const char* help, const char* path) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = member->add_subcommand(name, help);
  cmd->add_option("memberID", *args, "<memberID>");
  const std::string verb = name;
  cmd->callback([=] {
    *selected = [=](Context& ctx) -> std::optional<CommandError> {
      uint64_t member_id = 0;
      if (auto e = MemberIdArg(*args, &member_id)) return e;
      Json resp;
      if (auto e =
              Call(ctx, path, Json{{"ID", std::to_string(member_id)}}, &resp))
        return e;
      return Print(ctx, [&](Printer& p) {
        return verb == "remove" ? p.MemberRemove(member_id, resp)
                                : p.MemberPromote(member_id, resp);
      });
    };
  });
}

void AddMemberUpdate(CLI::App* member, CommandFn* selected) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto peer_urls = std::make_shared<std::string>();
  CLI::App* cmd =
      member->add_subcommand("update", "Updates a member in the cluster");
  cmd->add_option("--peer-urls", *peer_urls,
                  "comma separated peer URLs for the updated member.");
  cmd->add_option("memberID", *args, "<memberID>");
  cmd->callback([=] {
    *selected = [=](Context& ctx) -> std::optional<CommandError> {
      uint64_t member_id = 0;
      if (auto e = MemberIdArg(*args, &member_id)) return e;
      if (peer_urls->empty()) {
        return CommandError{kExitBadArgs, "member peer urls not provided"};
      }
      Json body = {{"ID", std::to_string(member_id)},
                   {"peerURLs", SplitComma(*peer_urls)}};
      Json resp;
      if (auto e = Call(ctx, "/v3/cluster/member/update", body, &resp))
        return e;
      return Print(ctx,
                   [&](Printer& p) { return p.MemberUpdate(member_id, resp); });
    };
  });
}

void AddMemberList(CLI::App* member, CommandFn* selected) {
  CLI::App* cmd =
      member->add_subcommand("list", "Lists all members in the cluster");
  cmd->callback([=] {
    *selected = [](Context& ctx) -> std::optional<CommandError> {
      Json resp;
      if (auto e = Call(ctx, "/v3/cluster/member/list", Json::object(), &resp))
        return e;
      return Print(ctx, [&](Printer& p) { return p.MemberList(resp); });
    };
  });
}

}  // namespace

void AddClusterCommands(Registry reg) {
  CLI::App* member =
      reg.app.add_subcommand("member", "Membership related commands");
  member->allow_extras();  // unknown subcommand: help, as etcdctl
  AddMemberAdd(member, reg.selected);
  AddMemberById(member, reg.selected, "remove",
                "Removes a member from the cluster",
                "/v3/cluster/member/remove");
  AddMemberUpdate(member, reg.selected);
  AddMemberList(member, reg.selected);
  AddMemberById(member, reg.selected, "promote",
                "Promotes a non-voting member in the cluster",
                "/v3/cluster/member/promote");
}

}  // namespace cairn::ctl
