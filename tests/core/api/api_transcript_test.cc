// Runs the gateway codec transcripts in tests/testdata/api/*.txt. Each case
// was compared by hand against a real etcd 3.4.23 on loopback (the bodies
// were sent with curl; see docs/api.md). Commands:
//
//   decode path=/v3/kv/put        input: the request body
//     -> the decoded request (DescribeRequest), or "HTTP <status>" and the
//        error body etcd's gateway answers (on the keep-alive stream path,
//        through ToStreamDecodeError).
//   status code=<name>             input: the Status message
//     -> HTTP status and error body for a cairn Status.
//   encode <kind> cluster=C member=M term=T rev=R [count=N] [more]
//          [succeeded] [deleted=N]  input: "kv key=.. create=.. mod=..
//          ver=.. value=.. lease=.." lines (kind range: kvs; put: the
//          prev_kv; deleterange: prev_kvs)
//     -> the response JSON.
//   encode lease-<grant|revoke|timetolive|leases|keepalive> ... id=I ttl=T
//          granted=G keys=(a,b) ids=(1,2)
//     -> the response JSON.
//   encode watch ... watch_id=W [created] [canceled] [compact=C]
//          input: "put|delete key=.. create=.. mod=.. ver=.. value=..",
//          "prev key=.." (prev_kv of the event above), "reason: text"
//   encode member-<add|remove|update|list|promote> ...  input: "member id=..
//          name=.. peer=URL client=URL [learner]" lines ("added ..." is
//          MemberAdd's member)
//   encode status ... version=V dbsize=N leader=L index=I rterm=T applied=A
//          inuse=U [learner]  input: "error: text" lines
//   encode hash|hashkv ... sum=H [compact=C]; encode alarm (input: "alarm
//          member=M type=NOSPACE"); encode defragment|move-leader
//     -> the response JSON (cluster_watch_cases.cc).
//   watch-decode [chunk=N] [max=N]   input: a /v3/watch request body
//     -> each decoded WatchRequest, then "end"; a bad first message gives
//        the gateway's HTTP 500 body, a later one "stream ends: <error>".
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "core/api/describe.h"
#include "core/api/gateway_error.h"
#include "core/api/request_decoder.h"
#include "core/api/response_encoder.h"
#include "tests/core/api/cluster_watch_cases.h"
#include "tests/support/datadriven.h"

namespace cairn::api {
namespace {

using ::cairn::testing::TestData;

std::string ErrorText(const Status& s) {
  GatewayError err = ToGatewayError(s);
  return "HTTP " + std::to_string(err.http_status) + "\n" +
         EncodeGatewayError(err) + "\n";
}

std::string RunDecode(const TestData& d) {
  std::string body = d.input;
  Result<GatewayRequest> r = DecodeRequest(d.Arg("path"), body);
  if (!r.ok() && d.Arg("path") == "/v3/lease/keepalive") {
    GatewayError err = ToStreamDecodeError(r.status());
    return "HTTP " + std::to_string(err.http_status) + "\n" +
           EncodeGatewayError(err) + "\n";
  }
  if (!r.ok()) return ErrorText(r.status());
  return DescribeRequest(r.value()) + "\n";
}

Code CodeByName(const std::string& name) {
  for (int c = 0; c <= static_cast<int>(Code::kCorruption); ++c) {
    if (CodeName(static_cast<Code>(c)) == name) return static_cast<Code>(c);
  }
  ADD_FAILURE() << "unknown code " << name;
  return Code::kOk;
}

// Parses "kv key=foo create=2 ..." lines into KeyValues.
std::vector<mvcc::KeyValue> ParseKvs(const std::string& input) {
  std::vector<mvcc::KeyValue> kvs;
  std::istringstream lines(input);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word != "kv") continue;
    mvcc::KeyValue kv;
    while (words >> word) {
      size_t eq = word.find('=');
      std::string k = word.substr(0, eq), v = word.substr(eq + 1);
      if (k == "key") kv.key = v;
      if (k == "value") kv.value = v;
      if (k == "create") kv.create_revision = std::stoll(v);
      if (k == "mod") kv.mod_revision = std::stoll(v);
      if (k == "ver") kv.version = std::stoll(v);
      if (k == "lease") kv.lease = std::stoll(v);
    }
    kvs.push_back(kv);
  }
  return kvs;
}

std::string EncodeKv(const TestData& d, const std::string& kind,
                     const ResponseHeader& h) {
  mvcc::ResponseHeader rh{.revision = h.revision};
  std::vector<mvcc::KeyValue> kvs = ParseKvs(d.input);
  if (kind == "range") {
    mvcc::RangeResponse r{.header = rh,
                          .kvs = kvs,
                          .more = d.HasArg("more"),
                          .count = d.ArgInt("count")};
    return EncodeRangeResponse(r, h);
  }
  if (kind == "put") {
    mvcc::PutResponse r{.header = rh, .prev_kv = std::nullopt};
    if (!kvs.empty()) r.prev_kv = kvs[0];
    return EncodePutResponse(r, h);
  }
  if (kind == "deleterange") {
    mvcc::DeleteRangeResponse r{
        .header = rh, .deleted = d.ArgInt("deleted"), .prev_kvs = kvs};
    return EncodeDeleteRangeResponse(r, h);
  }
  if (kind == "compaction") {
    return EncodeCompactionResponse(mvcc::CompactionResponse{.header = rh}, h);
  }
  ADD_FAILURE() << "unknown kind " << kind;
  return "";
}

std::string EncodeLease(const TestData& d, const std::string& kind,
                        const ResponseHeader& h) {
  int64_t id = d.ArgInt("id"), ttl = d.ArgInt("ttl");
  if (kind == "lease-grant") {
    return EncodeLeaseGrantResponse({.header = h, .id = id, .ttl = ttl});
  }
  if (kind == "lease-revoke") return EncodeLeaseRevokeResponse({.header = h});
  if (kind == "lease-timetolive") {
    return EncodeLeaseTimeToLiveResponse({.header = h,
                                          .id = id,
                                          .ttl = ttl,
                                          .granted_ttl = d.ArgInt("granted"),
                                          .keys = d.Args("keys")});
  }
  if (kind == "lease-leases") {
    LeaseLeasesResponse r{.header = h};
    for (const auto& s : d.Args("ids")) r.leases.push_back(std::stoll(s));
    return EncodeLeaseLeasesResponse(r);
  }
  if (kind == "lease-keepalive") {
    return EncodeLeaseKeepAliveResponse({.header = h, .id = id, .ttl = ttl});
  }
  ADD_FAILURE() << "unknown kind " << kind;
  return "";
}

std::string RunEncode(const TestData& d) {
  std::string kind = d.Positionals().at(0);
  ResponseHeader h{.cluster_id = d.ArgUint("cluster"),
                   .member_id = d.ArgUint("member"),
                   .revision = d.ArgInt("rev"),
                   .raft_term = d.ArgUint("term")};
  std::string out = IsClusterWatchKind(kind) ? RunEncodeClusterWatch(d, kind, h)
                    : kind.rfind("lease-", 0) == 0 ? EncodeLease(d, kind, h)
                                                   : EncodeKv(d, kind, h);
  if (out.empty() || out.back() != '\n') out += "\n";
  return out;
}

std::string RunCase(const TestData& d) {
  if (d.cmd == "decode") return RunDecode(d);
  if (d.cmd == "encode") return RunEncode(d);
  if (d.cmd == "watch-decode") return RunWatchDecode(d);
  if (d.cmd == "status") {
    std::string msg = d.input;
    if (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return ErrorText(Status(CodeByName(d.Arg("code")), msg));
  }
  ADD_FAILURE() << d.pos << ": unknown command " << d.cmd;
  return "";
}

TEST(ApiTranscriptTest, All) {
  const auto files =
      ::cairn::testing::ListFiles(std::string(CAIRN_TESTDATA_DIR) + "/api");
  ASSERT_FALSE(files.empty());
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    ::cairn::testing::RunFile(file, RunCase);
  }
}

}  // namespace
}  // namespace cairn::api
