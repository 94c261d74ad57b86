// Fuzzes the JSON gateway's request decoding (core/api/request_decoder.h,
// cluster_codec.h, watch_codec.h): the first input byte picks a gateway
// path, the rest is the request body.
//
// Properties: decoding never crashes, throws or trips a sanitizer; every
// error is kInvalidArgument with a message, except "Not Found" (kNotFound)
// for a path the gateway does not serve; a decoded request can be
// described (what the node logs). For /v3/watch the body is also fed to a
// WatchStreamDecoder in two pieces split at a fuzzer-chosen offset.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/api/describe.h"
#include "core/api/request_decoder.h"
#include "core/api/watch_codec.h"
#include "core/util/check.h"
#include "tests/fuzz/fuzz_util.h"

namespace cairn::fuzz {
namespace {

constexpr std::string_view kWatchPath = "/v3/watch";

// Every path DecodeRequest serves, /v3/watch (decoded by watch_codec.h),
// and three it does not, for the 404 branches.
constexpr std::array<std::string_view, 30> kPaths = {
    "/v3/kv/range",
    "/v3/kv/put",
    "/v3/kv/deleterange",
    "/v3/kv/txn",
    "/v3/kv/compaction",
    "/v3/lease/grant",
    "/v3/lease/revoke",
    "/v3/kv/lease/revoke",
    "/v3/lease/timetolive",
    "/v3/kv/lease/timetolive",
    "/v3/lease/leases",
    "/v3/kv/lease/leases",
    "/v3/lease/keepalive",
    "/v3/cluster/member/add",
    "/v3/cluster/member/remove",
    "/v3/cluster/member/update",
    "/v3/cluster/member/list",
    "/v3/cluster/member/promote",
    "/v3/maintenance/status",
    "/v3/maintenance/hash",
    "/v3/maintenance/hashkv",
    "/v3/maintenance/alarm",
    "/v3/maintenance/defragment",
    "/v3/maintenance/transfer-leadership",
    kWatchPath,
    // Not served: 404.
    "/v3/maintenance/snapshot",
    "/v3/cluster/member",
    "/v3/kv/nope",
    // Padding so that byte % size spreads evenly over the kv paths too.
    "/v3/kv/put",
    "/v3/kv/txn",
};

constexpr bool Served(std::string_view path) {
  return path != "/v3/maintenance/snapshot" && path != "/v3/cluster/member" &&
         path != "/v3/kv/nope";
}

void CheckDecodeError(const Status& s) {
  CAIRN_CHECK(s.code() == Code::kInvalidArgument && !s.message().empty(),
              "decode error is not a described kInvalidArgument: %s",
              s.ToString().c_str());
}

void FuzzWatch(std::string_view body, size_t split) {
  Result<api::WatchRequest> one = api::DecodeWatchRequest(body);
  if (one.ok()) {
    CAIRN_CHECK(!api::DescribeWatchRequest(one.value()).empty(), "describe");
  } else {
    CheckDecodeError(one.status());
  }

  // The same bytes as a stream: every message up to the first error.
  api::WatchStreamDecoder stream(/*max_message_bytes=*/1024);
  split = split % (body.size() + 1);
  stream.Feed(body.substr(0, split));
  for (int round = 0; round < 2; round++) {
    while (true) {
      Result<std::optional<api::WatchRequest>> next = stream.Next();
      if (!next.ok() || !next.value()) break;
      api::DescribeWatchRequest(*next.value());
    }
    if (round == 0) {
      stream.Feed(body.substr(split));
      stream.Close();
    }
  }
  CAIRN_CHECK(stream.finished(), "a closed stream that is not finished");
}

}  // namespace
}  // namespace cairn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  fuzz::FuzzInput in(data, size);
  const std::string_view path = fuzz::kPaths[in.Byte() % fuzz::kPaths.size()];
  if (path == fuzz::kWatchPath) {
    const size_t split = in.Byte();
    fuzz::FuzzWatch(in.Rest(), split);
    return 0;
  }
  const std::string_view body = in.Rest();
  Result<api::GatewayRequest> req = api::DecodeRequest(path, body);
  if (req.ok()) {
    CAIRN_CHECK(fuzz::Served(path), "decoded a body for unserved %.*s",
                static_cast<int>(path.size()), path.data());
    CAIRN_CHECK(!api::DescribeRequest(req.value()).empty(), "describe");
  } else if (!fuzz::Served(path)) {
    CAIRN_CHECK(req.status().code() == Code::kNotFound &&
                    req.status().message() == "Not Found",
                "unserved path gave %s", req.status().ToString().c_str());
  } else {
    fuzz::CheckDecodeError(req.status());
  }
  return 0;
}
