#include "core/api/describe.h"

#include <array>
#include <string_view>

#include "core/util/strings.h"

namespace cairn::api {

namespace {

// Appends " name=value" pieces; defaults are skipped by the callers.
class Line {
 public:
  explicit Line(std::string_view head) : out_(head) {}
  void Bytes(std::string_view name, const std::string& v) {
    if (!v.empty()) Add(name, EscapeBytes(v));
  }
  void Int(std::string_view name, int64_t v) {
    if (v != 0) Add(name, std::to_string(v));
  }
  void Flag(std::string_view name, bool v) {
    if (v) out_.append(" ").append(name);
  }
  template <size_t N>
  void Enum(std::string_view name, int v,
            const std::array<std::string_view, N>& names) {
    if (v == 0) return;
    if (v > 0 && static_cast<size_t>(v) < N) {
      Add(name, std::string(names[static_cast<size_t>(v)]));
    } else {
      Add(name, std::to_string(v));
    }
  }
  void Add(std::string_view name, const std::string& v) {
    out_.append(" ").append(name).append("=").append(v);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

constexpr std::array<std::string_view, 3> kSortOrder = {"NONE", "ASCEND",
                                                        "DESCEND"};
constexpr std::array<std::string_view, 5> kSortTarget = {
    "KEY", "VERSION", "CREATE", "MOD", "VALUE"};
constexpr std::array<std::string_view, 4> kResult = {"EQUAL", "GREATER", "LESS",
                                                     "NOT_EQUAL"};
constexpr std::array<std::string_view, 5> kTarget = {"VERSION", "CREATE", "MOD",
                                                     "VALUE", "LEASE"};

std::string Describe(const mvcc::RangeRequest& r) {
  Line l("range");
  l.Bytes("key", r.key);
  l.Bytes("range_end", r.range_end);
  l.Int("limit", r.limit);
  l.Int("revision", r.revision);
  l.Enum("sort_order", static_cast<int>(r.sort_order), kSortOrder);
  l.Enum("sort_target", static_cast<int>(r.sort_target), kSortTarget);
  l.Flag("serializable", r.serializable);
  l.Flag("keys_only", r.keys_only);
  l.Flag("count_only", r.count_only);
  l.Int("min_mod_revision", r.min_mod_revision);
  l.Int("max_mod_revision", r.max_mod_revision);
  l.Int("min_create_revision", r.min_create_revision);
  l.Int("max_create_revision", r.max_create_revision);
  return l.Take();
}

std::string Describe(const mvcc::PutRequest& r) {
  Line l("put");
  l.Bytes("key", r.key);
  l.Bytes("value", r.value);
  l.Int("lease", r.lease);
  l.Flag("prev_kv", r.prev_kv);
  l.Flag("ignore_value", r.ignore_value);
  l.Flag("ignore_lease", r.ignore_lease);
  return l.Take();
}

std::string Describe(const mvcc::DeleteRangeRequest& r) {
  Line l("deleterange");
  l.Bytes("key", r.key);
  l.Bytes("range_end", r.range_end);
  l.Flag("prev_kv", r.prev_kv);
  return l.Take();
}

std::string Describe(const mvcc::Compare& c) {
  Line l("compare");
  // The result is always shown: "compare key=a" would hide that EQUAL is
  // what is asked.
  int result = static_cast<int>(c.result);
  l.Add("result", result >= 0 && static_cast<size_t>(result) < kResult.size()
                      ? std::string(kResult[static_cast<size_t>(result)])
                      : std::to_string(result));
  l.Enum("target", static_cast<int>(c.target), kTarget);
  l.Bytes("key", c.key);
  l.Bytes("range_end", c.range_end);
  l.Int("version", c.version);
  l.Int("create_revision", c.create_revision);
  l.Int("mod_revision", c.mod_revision);
  l.Bytes("value", c.value);
  l.Int("lease", c.lease);
  return l.Take();
}

std::string Describe(const mvcc::TxnRequest& t);

std::string Describe(const mvcc::RequestOp& op) {
  return std::visit(
      [](const auto& r) -> std::string {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "(empty op)";
        } else {
          return Describe(r);
        }
      },
      op.request);
}

// A txn spans several lines: its compares, then each branch's ops, with
// nested txns in parentheses.
std::string Describe(const mvcc::TxnRequest& t) {
  std::string out = "txn(";
  auto list = [&out](std::string_view name, const auto& items) {
    out.append(" ").append(name).append("=[");
    for (size_t i = 0; i < items.size(); ++i) {
      out += (i == 0 ? "" : "; ") + Describe(items[i]);
    }
    out += "]";
  };
  list("compare", t.compare);
  list("success", t.success);
  list("failure", t.failure);
  return out + " )";
}

std::string Describe(const mvcc::CompactionRequest& r) {
  Line l("compaction");
  l.Int("revision", r.revision);
  l.Flag("physical", r.physical);
  return l.Take();
}

std::string Describe(const LeaseGrantRequest& r) {
  Line l("lease-grant");
  l.Int("TTL", r.ttl);
  l.Int("ID", r.id);
  return l.Take();
}

std::string Describe(const LeaseRevokeRequest& r) {
  Line l("lease-revoke");
  l.Int("ID", r.id);
  return l.Take();
}

std::string Describe(const LeaseTimeToLiveRequest& r) {
  Line l("lease-timetolive");
  l.Int("ID", r.id);
  l.Flag("keys", r.keys);
  return l.Take();
}

std::string Describe(const LeaseLeasesRequest&) { return "lease-leases"; }

std::string Describe(const LeaseKeepAliveRequest& r) {
  Line l("lease-keepalive");
  l.Int("ID", r.id);
  return l.Take();
}

std::string Urls(const std::vector<std::string>& urls) {
  std::string out = "(";
  for (size_t i = 0; i < urls.size(); ++i) {
    out += (i == 0 ? "" : ",") + EscapeBytes(urls[i]);
  }
  return out + ")";
}

std::string Describe(const MemberAddRequest& r) {
  Line l("member-add");
  if (!r.peer_urls.empty()) l.Add("peerURLs", Urls(r.peer_urls));
  l.Flag("isLearner", r.is_learner);
  return l.Take();
}

// Member ids are uint64; they print in decimal like the gateway's JSON.
std::string Describe(const MemberRemoveRequest& r) {
  return "member-remove ID=" + std::to_string(r.id);
}

std::string Describe(const MemberUpdateRequest& r) {
  Line l("member-update ID=" + std::to_string(r.id));
  if (!r.peer_urls.empty()) l.Add("peerURLs", Urls(r.peer_urls));
  return l.Take();
}

std::string Describe(const MemberListRequest&) { return "member-list"; }

std::string Describe(const MemberPromoteRequest& r) {
  return "member-promote ID=" + std::to_string(r.id);
}

std::string Describe(const StatusRequest&) { return "status"; }
std::string Describe(const HashRequest&) { return "hash"; }

std::string Describe(const HashKVRequest& r) {
  Line l("hashkv");
  l.Int("revision", r.revision);
  return l.Take();
}

constexpr std::array<std::string_view, 3> kAlarmAction = {"GET", "ACTIVATE",
                                                          "DEACTIVATE"};
constexpr std::array<std::string_view, 3> kAlarmType = {"NONE", "NOSPACE",
                                                        "CORRUPT"};

std::string Describe(const AlarmRequest& r) {
  Line l("alarm");
  l.Enum("action", static_cast<int>(r.action), kAlarmAction);
  if (r.member_id != 0) l.Add("memberID", std::to_string(r.member_id));
  l.Enum("alarm", static_cast<int>(r.alarm), kAlarmType);
  return l.Take();
}

std::string Describe(const MoveLeaderRequest& r) {
  return "move-leader targetID=" + std::to_string(r.target_id);
}

std::string Describe(const DefragmentRequest&) { return "defragment"; }

// Auth calls; passwords are never printed.
std::string Describe(const AuthEnableRequest&) { return "auth-enable"; }
std::string Describe(const AuthDisableRequest&) { return "auth-disable"; }
std::string Describe(const AuthenticateRequest& r) {
  return "authenticate name=" + r.name;
}
std::string Describe(const AuthUserAddRequest& r) {
  return "user-add name=" + r.name + (r.no_password ? " no_password" : "");
}
std::string Describe(const AuthUserGetRequest& r) {
  return "user-get name=" + r.name;
}
std::string Describe(const AuthUserListRequest&) { return "user-list"; }
std::string Describe(const AuthUserDeleteRequest& r) {
  return "user-delete name=" + r.name;
}
std::string Describe(const AuthUserChangePasswordRequest& r) {
  return "user-changepw name=" + r.name;
}
std::string Describe(const AuthUserGrantRoleRequest& r) {
  return "user-grant user=" + r.user + " role=" + r.role;
}
std::string Describe(const AuthUserRevokeRoleRequest& r) {
  return "user-revoke name=" + r.name + " role=" + r.role;
}
std::string Describe(const AuthRoleAddRequest& r) {
  return "role-add name=" + r.name;
}
std::string Describe(const AuthRoleGetRequest& r) {
  return "role-get role=" + r.role;
}
std::string Describe(const AuthRoleListRequest&) { return "role-list"; }
std::string Describe(const AuthRoleDeleteRequest& r) {
  return "role-delete role=" + r.role;
}
std::string Describe(const AuthRoleGrantPermissionRequest& r) {
  Line l("role-grant");
  l.Add("name", r.name);
  l.Int("permType", static_cast<int>(r.perm.perm_type));
  l.Bytes("key", r.perm.key);
  l.Bytes("range_end", r.perm.range_end);
  return l.Take();
}
std::string Describe(const AuthRoleRevokePermissionRequest& r) {
  Line l("role-revoke");
  l.Add("role", r.role);
  l.Bytes("key", r.key);
  l.Bytes("range_end", r.range_end);
  return l.Take();
}

}  // namespace

std::string DescribeRequest(const GatewayRequest& req) {
  return std::visit([](const auto& r) { return Describe(r); }, req);
}

}  // namespace cairn::api
