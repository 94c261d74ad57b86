// Transcript commands for watch streams and cluster/maintenance messages.
// The input lines are word lists, e.g. "member id=1 name=n1 peer=http://a
// client=http://b learner", "put key=foo create=2 mod=2 ver=1 value=bar",
// "prev key=.." (the previous event's prev_kv), "alarm member=5
// type=NOSPACE", "error: text", "reason: text".
#include "tests/core/api/cluster_watch_cases.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

#include "core/api/cluster_codec.h"
#include "core/api/gateway_error.h"
#include "core/api/watch_codec.h"

namespace cairn::api {

using ::cairn::testing::TestData;

namespace {

struct Line {
  std::string head;
  std::multimap<std::string, std::string> kv;
  std::vector<std::string> flags;
  std::string rest;  // the text after "head: " for "error:"/"reason:"

  std::string Get(const std::string& k) const {
    auto it = kv.find(k);
    return it == kv.end() ? "" : it->second;
  }
  int64_t Int(const std::string& k) const {
    std::string v = Get(k);
    return v.empty() ? 0 : std::stoll(v);
  }
  uint64_t Uint(const std::string& k) const {
    std::string v = Get(k);
    return v.empty() ? 0 : std::stoull(v);
  }
  std::vector<std::string> All(const std::string& k) const {
    std::vector<std::string> out;
    auto [b, e] = kv.equal_range(k);
    for (auto it = b; it != e; ++it) out.push_back(it->second);
    return out;
  }
  bool Flag(const std::string& f) const {
    return std::find(flags.begin(), flags.end(), f) != flags.end();
  }
};

std::vector<Line> ParseLines(const std::string& input) {
  std::vector<Line> out;
  std::istringstream lines(input);
  std::string text;
  while (std::getline(lines, text)) {
    std::istringstream words(text);
    Line l;
    if (!(words >> l.head)) continue;
    if (l.head.back() == ':') {
      l.head.pop_back();
      std::getline(words >> std::ws, l.rest);
    }
    std::string w;
    while (words >> w) {
      size_t eq = w.find('=');
      if (eq == std::string::npos) {
        l.flags.push_back(w);
      } else {
        l.kv.emplace(w.substr(0, eq), w.substr(eq + 1));
      }
    }
    out.push_back(std::move(l));
  }
  return out;
}

mvcc::KeyValue KvOf(const Line& l) {
  return mvcc::KeyValue{.key = l.Get("key"),
                        .create_revision = l.Int("create"),
                        .mod_revision = l.Int("mod"),
                        .version = l.Int("ver"),
                        .value = l.Get("value"),
                        .lease = l.Int("lease")};
}

Member MemberOf(const Line& l) {
  return Member{.id = l.Uint("id"),
                .name = l.Get("name"),
                .peer_urls = l.All("peer"),
                .client_urls = l.All("client"),
                .is_learner = l.Flag("learner")};
}

std::vector<Member> Members(const std::vector<Line>& lines) {
  std::vector<Member> out;
  for (const auto& l : lines) {
    if (l.head == "member") out.push_back(MemberOf(l));
  }
  return out;
}

std::string EncodeWatch(const TestData& d, const ResponseHeader& h) {
  mvcc::WatchResponse r;
  r.header.revision = h.revision;
  r.watch_id = d.ArgInt("watch_id");
  r.created = d.HasArg("created");
  r.canceled = d.HasArg("canceled");
  r.compact_revision = d.ArgInt("compact");
  for (const Line& l : ParseLines(d.input)) {
    if (l.head == "reason") r.cancel_reason = l.rest;
    if (l.head == "put" || l.head == "delete") {
      mvcc::Event ev{.kv = KvOf(l)};
      if (l.head == "delete") ev.type = mvcc::Event::Type::kDelete;
      r.events.push_back(ev);
    }
    if (l.head == "prev" && !r.events.empty()) {
      r.events.back().prev_kv = KvOf(l);
    }
  }
  return EncodeWatchResponse(r, h);
}

std::string EncodeStatus(const TestData& d, const ResponseHeader& h) {
  StatusResponse r{.header = h,
                   .version = d.Arg("version"),
                   .db_size = d.ArgInt("dbsize"),
                   .leader = d.ArgUint("leader"),
                   .raft_index = d.ArgUint("index"),
                   .raft_term = d.ArgUint("rterm"),
                   .raft_applied_index = d.ArgUint("applied"),
                   .db_size_in_use = d.ArgInt("inuse"),
                   .is_learner = d.HasArg("learner")};
  for (const Line& l : ParseLines(d.input)) {
    if (l.head == "error") r.errors.push_back(l.rest);
  }
  return EncodeStatusResponse(r);
}

std::string EncodeAlarm(const TestData& d) {
  AlarmResponse r;
  const std::vector<std::string> names = {"NONE", "NOSPACE", "CORRUPT"};
  for (const Line& l : ParseLines(d.input)) {
    if (l.head != "alarm") continue;
    std::string t = l.Get("type");
    auto it = std::find(names.begin(), names.end(), t);
    int v =
        it != names.end() ? static_cast<int>(it - names.begin()) : std::stoi(t);
    r.alarms.push_back(AlarmMember{.member_id = l.Uint("member"),
                                   .alarm = static_cast<AlarmType>(v)});
  }
  return EncodeAlarmResponse(r);
}

std::string EncodeMember(const TestData& d, const std::string& kind,
                         const ResponseHeader& h) {
  std::vector<Line> lines = ParseLines(d.input);
  std::vector<Member> members = Members(lines);
  if (kind == "member-add") {
    MemberAddResponse r{.header = h, .members = members};
    for (const auto& l : lines) {
      if (l.head == "added") r.member = MemberOf(l);
    }
    return EncodeMemberAddResponse(r);
  }
  if (kind == "member-remove") {
    return EncodeMemberRemoveResponse({.header = h, .members = members});
  }
  if (kind == "member-update") {
    return EncodeMemberUpdateResponse({.header = h, .members = members});
  }
  if (kind == "member-promote") {
    return EncodeMemberPromoteResponse({.header = h, .members = members});
  }
  return EncodeMemberListResponse({.header = h, .members = members});
}

}  // namespace

std::string RunWatchDecode(const TestData& d) {
  size_t chunk = d.ArgUint("chunk", 1 << 20);
  WatchStreamDecoder dec(d.ArgUint("max", 1 << 20));
  std::string out;
  auto drain = [&]() -> bool {
    while (true) {
      size_t before = dec.messages();
      auto r = dec.Next();
      if (!r.ok()) {
        if (before == 0) {
          GatewayError err = ToStreamDecodeError(r.status());
          out += "HTTP " + std::to_string(err.http_status) + "\n" +
                 EncodeGatewayError(err) + "\n";
        } else {
          out += "stream ends: " + r.status().message() + "\n";
        }
        return false;
      }
      if (!r.value().has_value()) return true;
      out += DescribeWatchRequest(*r.value()) + "\n";
    }
  };
  for (size_t i = 0; i < d.input.size(); i += chunk) {
    dec.Feed(std::string_view(d.input).substr(i, chunk));
    if (!drain()) return out;
  }
  dec.Close();
  if (drain()) out += dec.finished() ? "end\n" : "not finished\n";
  return out;
}

bool IsClusterWatchKind(const std::string& kind) {
  static const char* const kKinds[] = {
      "watch",       "member-add",     "member-remove", "member-update",
      "member-list", "member-promote", "status",        "hash",
      "hashkv",      "alarm",          "defragment",    "move-leader"};
  return std::find(std::begin(kKinds), std::end(kKinds), kind) !=
         std::end(kKinds);
}

std::string RunEncodeClusterWatch(const TestData& d, const std::string& kind,
                                  const ResponseHeader& h) {
  if (kind == "watch") return EncodeWatch(d, h);
  if (kind.rfind("member-", 0) == 0) return EncodeMember(d, kind, h);
  if (kind == "status") return EncodeStatus(d, h);
  if (kind == "hash") {
    return EncodeHashResponse(
        {.header = h, .hash = static_cast<uint32_t>(d.ArgUint("sum"))});
  }
  if (kind == "hashkv") {
    mvcc::HashKVResponse r{.header = {.revision = h.revision},
                           .hash = static_cast<uint32_t>(d.ArgUint("sum")),
                           .compact_revision = d.ArgInt("compact")};
    return EncodeHashKVResponse(r, h);
  }
  if (kind == "alarm") return EncodeAlarm(d);
  if (kind == "defragment") return EncodeDefragmentResponse({.header = h});
  if (kind == "move-leader") return EncodeMoveLeaderResponse({.header = h});
  ADD_FAILURE() << "unknown kind " << kind;
  return "";
}

}  // namespace cairn::api
