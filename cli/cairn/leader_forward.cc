#include "cli/cairn/leader_forward.h"

#include <httplib.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/api/base64.h"
#include "core/api/gateway_error.h"

namespace cairn::node {

namespace {

using Json = nlohmann::json;

// The path and JSON body of a leader-only request, for forwarding.
std::pair<std::string, std::string> ForwardedRequest(
    const api::GatewayRequest& req) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (const auto* k = std::get_if<api::LeaseKeepAliveRequest>(&req)) {
    j["ID"] = std::to_string(k->id);
    return {"/v3/lease/keepalive", j.dump()};
  }
  if (const auto* t = std::get_if<api::LeaseTimeToLiveRequest>(&req)) {
    j["ID"] = std::to_string(t->id);
    j["keys"] = t->keys;
    return {"/v3/lease/timetolive", j.dump()};
  }
  if (const auto* p = std::get_if<api::MemberPromoteRequest>(&req)) {
    j["ID"] = std::to_string(p->id);
    return {"/v3/cluster/member/promote", j.dump()};
  }
  const auto& mv = std::get<api::MoveLeaderRequest>(req);
  j["targetID"] = std::to_string(mv.target_id);
  return {"/v3/maintenance/transfer-leadership", j.dump()};
}

// A 64-bit field as the gateway prints it: a decimal string (or, from
// other encoders, a number); 0 when absent.
int64_t Int(const Json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return 0;
  if (it->is_string()) {
    return std::strtoll(it->get_ref<const std::string&>().c_str(), nullptr, 10);
  }
  return it->is_number_integer() ? it->get<int64_t>() : 0;
}

uint64_t Uint(const Json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return 0;
  if (it->is_string()) {
    return std::strtoull(it->get_ref<const std::string&>().c_str(), nullptr,
                         10);
  }
  return it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::vector<std::string> Strings(const Json& obj, const char* name) {
  std::vector<std::string> out;
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_array()) return out;
  for (const Json& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

api::ResponseHeader HeaderOf(const Json& obj) {
  auto it = obj.find("header");
  if (it == obj.end() || !it->is_object()) return {};
  return api::ResponseHeader{.cluster_id = Uint(*it, "cluster_id"),
                             .member_id = Uint(*it, "member_id"),
                             .revision = Int(*it, "revision"),
                             .raft_term = Uint(*it, "raft_term")};
}

Status BadAnswer() {
  return Status(Code::kUnavailable, "cairn: unexpected answer from the leader");
}

Result<server::Response> TimeToLiveOf(const Json& j) {
  api::LeaseTimeToLiveResponse r{.id = Int(j, "ID"),
                                 .ttl = Int(j, "TTL"),
                                 .granted_ttl = Int(j, "grantedTTL")};
  for (const std::string& k : Strings(j, "keys")) {
    Result<std::string> key = api::DecodeBase64(k);
    if (!key.ok()) return BadAnswer();
    r.keys.push_back(std::move(key).value());
  }
  return server::Response(std::move(r));
}

server::Response PromoteOf(const Json& j) {
  api::MemberPromoteResponse r;
  auto it = j.find("members");
  if (it != j.end() && it->is_array()) {
    for (const Json& m : *it) {
      if (!m.is_object()) continue;
      r.members.push_back(
          api::Member{.id = Uint(m, "ID"),
                      .name = m.value("name", ""),
                      .peer_urls = Strings(m, "peerURLs"),
                      .client_urls = Strings(m, "clientURLs"),
                      .is_learner = m.value("isLearner", false)});
    }
  }
  return server::Response(std::move(r));
}

}  // namespace

Result<std::string> ForwardToLeader(const std::string& url,
                                    const api::GatewayRequest& req,
                                    const std::string& auth_token,
                                    const TlsInfo& tls) {
  auto [path, body] = ForwardedRequest(req);
  std::unique_ptr<httplib::Client> cli = MakeClient(url, tls);
  cli->set_connection_timeout(std::chrono::seconds(2));
  cli->set_read_timeout(std::chrono::seconds(15));
  httplib::Headers headers;
  if (!auth_token.empty()) headers.emplace("Authorization", auth_token);
  auto res = cli->Post(path, headers, body, "application/json");
  if (!res) return Status(Code::kUnavailable, "etcdserver: leader changed");
  if (res->status == 200) return res->body;
  Json j = Json::parse(res->body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    j = j["error"];  // a stream's error: {"error":{"grpc_code":..}}
  }
  if (!j.is_object()) {
    return Status(Code::kUnavailable, "etcdserver: leader changed");
  }
  const int code = j.value("code", j.value("grpc_code", 2));
  return api::StatusFromGatewayError(static_cast<api::GrpcCode>(code),
                                     j.value("message", ""));
}

Result<HostAnswer> DecodeForwardedAnswer(const api::GatewayRequest& req,
                                         std::string_view body) {
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_object()) return BadAnswer();
  // The keep-alive answer is a stream message: {"result":{...}}.
  if (std::holds_alternative<api::LeaseKeepAliveRequest>(req)) {
    auto it = j.find("result");
    if (it == j.end() || !it->is_object()) return BadAnswer();
    Json inner = *it;
    j = std::move(inner);
  }
  HostAnswer a{.header = HeaderOf(j)};
  if (std::holds_alternative<api::LeaseKeepAliveRequest>(req)) {
    a.response = server::Response(
        api::LeaseKeepAliveResponse{.id = Int(j, "ID"), .ttl = Int(j, "TTL")});
  } else if (std::holds_alternative<api::LeaseTimeToLiveRequest>(req)) {
    Result<server::Response> r = TimeToLiveOf(j);
    if (!r.ok()) return r.status();
    a.response = std::move(r).value();
  } else if (std::holds_alternative<api::MemberPromoteRequest>(req)) {
    a.response = PromoteOf(j);
  } else if (std::holds_alternative<api::MoveLeaderRequest>(req)) {
    a.response = server::Response(api::MoveLeaderResponse{});
  } else {
    return BadAnswer();
  }
  return a;
}

}  // namespace cairn::node
