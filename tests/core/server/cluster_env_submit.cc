// `submit M OP ...` of the server transcripts: builds a server::Request.
//
//   put K V [lease=ID]            get K [serializable] [prefix] [rev=N]
//   del K [prefix]                compact REV
//   txn-put K V (a txn putting K) lease-grant TTL [id=N]
//   lease-revoke ID   lease-keepalive ID   lease-ttl ID [keys]
//   lease-leases      member-add URL [learner]   member-remove M
//   member-promote M  member-update M URL   member-list
//   alarm activate|deactivate|get [member=M]  status  hashkv [rev=N]
//   move-leader M
#include <gtest/gtest.h>

#include "core/util/strings.h"
#include "tests/core/server/cluster_env.h"

namespace cairn::server {

using testing::TestData;

namespace {

std::string PrefixEnd(std::string key) {
  key.back()++;
  return key;
}

}  // namespace

std::string ClusterEnv::Submit(const TestData& d) {
  const std::vector<std::string> w = d.Positionals();
  Server& server = ServerOf(w.at(0));
  const std::string& op = w.at(1);
  auto word = [&w](size_t i) { return i < w.size() ? w[i] : std::string(); };
  Request req;
  if (op == "put") {
    req = mvcc::PutRequest{
        .key = word(2), .value = word(3), .lease = d.ArgInt("lease", 0)};
  } else if (op == "get") {
    mvcc::RangeRequest q;
    q.key = word(2);
    if (d.HasArg("prefix")) q.range_end = PrefixEnd(q.key);
    q.serializable = d.HasArg("serializable");
    q.revision = d.ArgInt("rev", 0);
    req = q;
  } else if (op == "del") {
    mvcc::DeleteRangeRequest q{.key = word(2)};
    if (d.HasArg("prefix")) q.range_end = PrefixEnd(q.key);
    req = q;
  } else if (op == "compact") {
    req = mvcc::CompactionRequest{.revision = std::stoll(word(2))};
  } else if (op == "txn-put") {
    mvcc::TxnRequest t;
    t.success.push_back({mvcc::PutRequest{.key = word(2), .value = word(3)}});
    req = t;
  } else if (op == "lease-grant") {
    req = api::LeaseGrantRequest{.ttl = std::stoll(word(2)),
                                 .id = d.ArgInt("id", 0)};
  } else if (op == "lease-revoke") {
    req = api::LeaseRevokeRequest{.id = std::stoll(word(2))};
  } else if (op == "lease-keepalive") {
    req = api::LeaseKeepAliveRequest{.id = std::stoll(word(2))};
  } else if (op == "lease-ttl") {
    req = api::LeaseTimeToLiveRequest{.id = std::stoll(word(2)),
                                      .keys = d.HasArg("keys")};
  } else if (op == "lease-leases") {
    req = api::LeaseLeasesRequest{};
  } else if (op == "member-add") {
    req = api::MemberAddRequest{.peer_urls = {word(2)},
                                .is_learner = d.HasArg("learner")};
  } else if (op == "member-remove") {
    req = api::MemberRemoveRequest{.id = IdOf(word(2))};
  } else if (op == "member-promote") {
    req = api::MemberPromoteRequest{.id = IdOf(word(2))};
  } else if (op == "member-update") {
    req = api::MemberUpdateRequest{.id = IdOf(word(2)), .peer_urls = {word(3)}};
  } else if (op == "member-list") {
    req = api::MemberListRequest{};
  } else if (op == "alarm") {
    api::AlarmRequest a;
    a.action = word(2) == "activate" ? api::AlarmRequest::Action::kActivate
               : word(2) == "deactivate"
                   ? api::AlarmRequest::Action::kDeactivate
                   : api::AlarmRequest::Action::kGet;
    if (a.action != api::AlarmRequest::Action::kGet) {
      a.alarm = api::AlarmType::kNoSpace;
      a.member_id = IdOf(d.Arg("member", w.at(0)));
    }
    req = a;
  } else if (op == "status") {
    req = api::StatusRequest{};
  } else if (op == "hashkv") {
    req = api::HashKVRequest{.revision = d.ArgInt("rev", 0)};
  } else if (op == "move-leader") {
    req = api::MoveLeaderRequest{.target_id = IdOf(word(2))};
  } else {
    ADD_FAILURE() << d.pos << ": unknown op " << op;
    return "";
  }
  const uint64_t token = next_token_++;
  out_.push_back(StrFormat("%s#%llu <- %s", w.at(0).c_str(),
                           static_cast<unsigned long long>(token),
                           RequestName(req).c_str()));
  server.Submit(token, std::move(req));
  return "";
}

}  // namespace cairn::server
