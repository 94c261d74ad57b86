// endpoint health/status/hashkv, alarm list/disarm, move-leader and defrag,
// as etcdctl's ep_command.go, alarm_command.go, move_leader_command.go and
// defrag_command.go: each endpoint is asked on its own.
#include <charconv>
#include <chrono>

#include "cli/cairnctl/command.h"
#include "cli/cairnctl/go_format.h"

namespace cairn::ctl {

namespace {

struct EndpointFlags {
  bool cluster = false;
  int64_t hashkv_rev = 0;
};

// The endpoints to ask (indexes into `*out_client`'s endpoints):
// --endpoints, or with --cluster every client URL of the member list,
// asked through a client of their own with the same token. Returns
// etcdctl's error when there are none to ask.
std::optional<CommandError> Targets(Context& ctx, bool cluster,
                                    GatewayClient** out_client,
                                    std::unique_ptr<GatewayClient>* owned,
                                    std::vector<size_t>* idx) {
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  *out_client = client.value();
  if (!cluster) {
    for (size_t i = 0; i < client.value()->endpoints().size(); ++i) {
      idx->push_back(i);
    }
    return std::nullopt;
  }
  Result<Json> members =
      client.value()->Call("/v3/cluster/member/list", Json::object());
  if (!members.ok()) {
    return CommandError{
        kExitError,
        "failed to fetch endpoints from etcd cluster member list: " +
            members.status().message()};
  }
  std::vector<std::string> urls;
  for (const Json& m : members.value().value("members", Json::array())) {
    for (const Json& u : m.value("clientURLs", Json::array())) {
      urls.push_back(u.get<std::string>());
    }
  }
  const size_t count = urls.size();
  Result<std::unique_ptr<GatewayClient>> c = ctx.NewClientFor(std::move(urls));
  if (!c.ok()) return ErrorFrom(c.status());
  *owned = std::move(c).value();
  *out_client = owned->get();
  for (size_t i = 0; i < count; ++i) idx->push_back(i);
  return std::nullopt;
}

std::optional<CommandError> Health(Context& ctx, const EndpointFlags& f) {
  GatewayClient* client = nullptr;
  std::unique_ptr<GatewayClient> owned;
  std::vector<size_t> targets;
  if (auto e = Targets(ctx, f.cluster, &client, &owned, &targets)) return e;
  std::vector<EndpointHealth> list;
  bool errs = false;
  for (size_t i : targets) {
    const auto start = std::chrono::steady_clock::now();
    Result<Json> r = client->CallEndpoint(
        i, "/v3/kv/range", Json{{"key", "aGVhbHRo"}});  // "health"
    const auto took = std::chrono::steady_clock::now() - start;
    EndpointHealth h{.endpoint = client->endpoints()[i].text,
                     .took = GoDuration(took.count())};
    // permission denied still proves the request went through Raft.
    h.health = r.ok() || r.status().code() == Code::kPermissionDenied;
    if (!h.health) {
      h.error = r.status().message();
      errs = true;
    }
    list.push_back(h);
  }
  Result<Printer*> p = ctx.GetPrinter();
  if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
  Status s = p.value()->EndpointHealthList(list);
  if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
  if (errs) return CommandError{kExitError, "unhealthy cluster"};
  return std::nullopt;
}

std::optional<CommandError> StatusCmd(Context& ctx, const EndpointFlags& f) {
  GatewayClient* client = nullptr;
  std::unique_ptr<GatewayClient> owned;
  std::vector<size_t> targets;
  if (auto e = Targets(ctx, f.cluster, &client, &owned, &targets)) return e;
  std::vector<EndpointStatus> list;
  bool failed = false;
  for (size_t i : targets) {
    const std::string& ep = client->endpoints()[i].text;
    Result<Json> r =
        client->CallEndpoint(i, "/v3/maintenance/status", Json::object());
    if (!r.ok()) {
      failed = true;
      ctx.err() << "Failed to get the status of endpoint " << ep << " ("
                << r.status().message() << ")\n";
      continue;
    }
    list.push_back(EndpointStatus{ep, r.value()});
  }
  Result<Printer*> p = ctx.GetPrinter();
  if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
  Status s = p.value()->EndpointStatusList(list);
  if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
  // etcdctl exits 1 here without an "Error:" line.
  if (failed) return CommandError{kExitError, ""};
  return std::nullopt;
}

std::optional<CommandError> HashKV(Context& ctx, const EndpointFlags& f) {
  GatewayClient* client = nullptr;
  std::unique_ptr<GatewayClient> owned;
  std::vector<size_t> targets;
  if (auto e = Targets(ctx, f.cluster, &client, &owned, &targets)) return e;
  std::vector<EndpointHashKV> list;
  std::optional<CommandError> err;
  for (size_t i : targets) {
    const std::string& ep = client->endpoints()[i].text;
    Json body = Json::object();
    if (f.hashkv_rev != 0) body["revision"] = std::to_string(f.hashkv_rev);
    Result<Json> r = client->CallEndpoint(i, "/v3/maintenance/hashkv", body);
    if (!r.ok() && r.status().code() == Code::kNotFound) {
      // etcd 3.4's gateway serves Hash, not HashKV, at its only hash path.
      r = client->CallEndpoint(i, "/v3/maintenance/hash", body);
    }
    if (!r.ok()) {
      err = ErrorFrom(r.status());
      ctx.err() << "Failed to get the hash of endpoint " << ep << " ("
                << r.status().message() << ")\n";
      continue;
    }
    list.push_back(EndpointHashKV{ep, r.value()});
  }
  Result<Printer*> p = ctx.GetPrinter();
  if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
  Status s = p.value()->EndpointHashKVList(list);
  if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
  return err;
}

void AddEndpoint(Registry reg) {
  auto f = std::make_shared<EndpointFlags>();
  CLI::App* ep =
      reg.app.add_subcommand("endpoint", "Endpoint related commands");
  ep->allow_extras();  // unknown subcommand: help, as etcdctl
  ep->add_flag("--cluster", f->cluster,
               "use all endpoints from the cluster member list");
  CommandFn* selected = reg.selected;
  ep->add_subcommand("health",
                     "Checks the healthiness of endpoints specified in "
                     "`--endpoints` flag")
      ->callback(
          [=] { *selected = [f](Context& ctx) { return Health(ctx, *f); }; });
  ep->add_subcommand("status",
                     "Prints out the status of endpoints specified in "
                     "`--endpoints` flag")
      ->callback([=] {
        *selected = [f](Context& ctx) { return StatusCmd(ctx, *f); };
      });
  CLI::App* hash = ep->add_subcommand(
      "hashkv", "Prints the KV history hash for each endpoint in --endpoints");
  hash->add_option("--rev", f->hashkv_rev,
                   "maximum revision to hash (default: "
                   "all revisions)");
  hash->callback(
      [=] { *selected = [f](Context& ctx) { return HashKV(ctx, *f); }; });
}

std::optional<CommandError> AlarmCall(Context& ctx, bool disarm) {
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  Result<Json> resp =
      client.value()->Call("/v3/maintenance/alarm", Json{{"action", "GET"}});
  if (resp.ok() && disarm) {
    // clientv3's AlarmDisarm of "everything": list, then deactivate each.
    Json last = resp.value();
    for (const Json& a : resp.value().value("alarms", Json::array())) {
      Json body = {{"action", "DEACTIVATE"},
                   {"memberID", a.value("memberID", Json("0"))},
                   {"alarm", a.value("alarm", Json("NONE"))}};
      resp = client.value()->Call("/v3/maintenance/alarm", body);
      if (!resp.ok()) break;
    }
  }
  if (!resp.ok()) return ErrorFrom(resp.status());
  Result<Printer*> p = ctx.GetPrinter();
  if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
  Status s = p.value()->Alarm(resp.value());
  if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
  return std::nullopt;
}

void AddAlarm(Registry reg) {
  CLI::App* alarm = reg.app.add_subcommand("alarm", "Alarm related commands");
  alarm->allow_extras();  // unknown subcommand: help, as etcdctl
  CommandFn* selected = reg.selected;
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* disarm = alarm->add_subcommand("disarm", "Disarms all alarms");
  disarm->add_option("args", *args);
  disarm->callback([=] {
    *selected = [args](Context& ctx) -> std::optional<CommandError> {
      if (!args->empty()) {
        return CommandError{kExitBadArgs,
                            "alarm disarm command accepts no arguments"};
      }
      return AlarmCall(ctx, true);
    };
  });
  CLI::App* list = alarm->add_subcommand("list", "Lists all alarms");
  list->add_option("args", *args);
  list->callback([=] {
    *selected = [args](Context& ctx) -> std::optional<CommandError> {
      if (!args->empty()) {
        return CommandError{kExitBadArgs,
                            "alarm list command accepts no arguments"};
      }
      return AlarmCall(ctx, false);
    };
  });
}

std::optional<CommandError> MoveLeader(Context& ctx, const std::string& arg) {
  uint64_t target = 0;
  auto [ptr, ec] =
      std::from_chars(arg.data(), arg.data() + arg.size(), target, 16);
  if (arg.empty() || ec != std::errc() || ptr != arg.data() + arg.size()) {
    return CommandError{kExitBadArgs, "strconv.ParseUint: parsing \"" + arg +
                                          "\": invalid syntax"};
  }
  Result<GatewayClient*> client = ctx.Client();
  if (!client.ok()) return ClientError(client.status());
  GatewayClient& c = *client.value();
  for (size_t i = 0; i < c.endpoints().size(); ++i) {
    Result<Json> st =
        c.CallEndpoint(i, "/v3/maintenance/status", Json::object());
    if (!st.ok()) return ErrorFrom(st.status());
    const uint64_t leader = JsonUint(st.value(), "leader");
    if (JsonUint(st.value().value("header", Json::object()), "member_id") !=
        leader) {
      continue;
    }
    Result<Json> resp =
        c.CallEndpoint(i, "/v3/maintenance/transfer-leadership",
                       Json{{"targetID", std::to_string(target)}});
    if (!resp.ok()) return ErrorFrom(resp.status());
    Result<Printer*> p = ctx.GetPrinter();
    if (!p.ok()) return ErrorFrom(p.status(), kExitBadFeature);
    Status s = p.value()->MoveLeader(leader, target, resp.value());
    if (!s.ok()) return ErrorFrom(s, kExitBadFeature);
    return std::nullopt;
  }
  std::string eps;
  for (const Endpoint& e : c.endpoints())
    eps += (eps.empty() ? "" : " ") + e.text;
  return CommandError{kExitBadArgs,
                      "no leader endpoint given at [" + eps + "]"};
}

void AddMoveLeader(Registry reg) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = reg.app.add_subcommand(
      "move-leader", "Transfers leadership to another etcd cluster member.");
  cmd->add_option("transferee", *args, "<transferee-member-id>");
  CommandFn* selected = reg.selected;
  cmd->callback([=] {
    *selected = [args](Context& ctx) -> std::optional<CommandError> {
      if (args->size() != 1) {
        return CommandError{kExitBadArgs,
                            "move-leader command needs 1 argument"};
      }
      return MoveLeader(ctx, (*args)[0]);
    };
  });
}

void AddDefrag(Registry reg) {
  CLI::App* cmd = reg.app.add_subcommand(
      "defrag",
      "Defragments the storage of the etcd members with given endpoints");
  CommandFn* selected = reg.selected;
  cmd->callback([=] {
    *selected = [](Context& ctx) -> std::optional<CommandError> {
      Result<GatewayClient*> client = ctx.Client();
      if (!client.ok()) return ClientError(client.status());
      GatewayClient& c = *client.value();
      bool failed = false;
      for (size_t i = 0; i < c.endpoints().size(); ++i) {
        Result<Json> r =
            c.CallEndpoint(i, "/v3/maintenance/defragment", Json::object());
        if (r.ok()) {
          ctx.out() << "Finished defragmenting etcd member["
                    << c.endpoints()[i].text << "]\n";
        } else {
          failed = true;
          ctx.err() << "Failed to defragment etcd member["
                    << c.endpoints()[i].text << "] (" << r.status().message()
                    << ")\n";
        }
      }
      if (failed) return CommandError{kExitError, ""};
      return std::nullopt;
    };
  });
}

}  // namespace

void AddEndpointCommands(Registry reg) {
  AddEndpoint(reg);
  AddAlarm(reg);
  AddMoveLeader(reg);
  AddDefrag(reg);
}

}  // namespace cairn::ctl
