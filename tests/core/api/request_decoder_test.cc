// Tests the request decoder against the malformed-input classes etcd 3.4's
// gateway rejects (invalid and truncated JSON, wrong JSON types for every
// field kind, bad base64, out-of-range and non-integral numbers, unknown
// enum names, non-object bodies and nested messages), checks that unknown
// fields are ignored and that proto and JSON field names both work, bounds
// nested txns, and runs a seeded "garbage never crashes" test over random
// bytes and random mutations of valid bodies. Texts marked "seen" were
// observed on etcd 3.4.23; the transcripts in tests/testdata/api hold more.
#include "core/api/request_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "core/api/describe.h"
#include "core/api/gateway_error.h"
#include "core/util/random.h"

namespace cairn::api {
namespace {

std::string Err(std::string_view path, std::string_view body) {
  Result<GatewayRequest> r = DecodeRequest(path, body);
  if (r.ok()) return "ok: " + DescribeRequest(r.value());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << body;
  return r.status().message();
}

std::string Put(std::string_view body) { return Err("/v3/kv/put", body); }
std::string Range(std::string_view body) { return Err("/v3/kv/range", body); }

TEST(RequestDecoderTest, InvalidAndTruncatedJson) {
  EXPECT_EQ(Put("{"), "unexpected EOF");  // seen
  EXPECT_EQ(Put("{\"key\":\"Zm9v\""), "unexpected EOF");
  EXPECT_EQ(Put("{\"key\":}"),
            "invalid character '}' looking for beginning of value");  // seen
  EXPECT_EQ(Put("\"x"), "unexpected EOF");
}

TEST(RequestDecoderTest, EmptyAndNullBodiesAreEmptyRequests) {
  EXPECT_EQ(Put(""), "ok: put");  // seen: then "key is not provided"
  EXPECT_EQ(Put("  \n"), "ok: put");
  EXPECT_EQ(Put("null"), "ok: put");            // seen
  EXPECT_EQ(Put("{\"key\":null}"), "ok: put");  // seen
}

TEST(RequestDecoderTest, NonObjectBodies) {
  const std::string tail = " into Go value of type map[string]json.RawMessage";
  EXPECT_EQ(Put("[1]"), "json: cannot unmarshal array" + tail);     // seen
  EXPECT_EQ(Put("\"x\""), "json: cannot unmarshal string" + tail);  // seen
  EXPECT_EQ(Put("5"), "json: cannot unmarshal number" + tail);
  EXPECT_EQ(Put("true"), "json: cannot unmarshal bool" + tail);
}

TEST(RequestDecoderTest, TextAfterTheFirstValueIsIgnored) {
  EXPECT_EQ(Range("{\"key\":\"Zm9v\"} xx"), "ok: range key=foo");  // seen
}

TEST(RequestDecoderTest, WrongTypesPerFieldKind) {
  EXPECT_EQ(Put("{\"key\":5}"),
            "json: cannot unmarshal number into Go value of type []uint8");
  EXPECT_EQ(Put("{\"key\":\"Zm9v\",\"prev_kv\":\"true\"}"),
            "json: cannot unmarshal string into Go value of type bool");
  EXPECT_EQ(Put("{\"key\":\"Zm9v\",\"prev_kv\":1}"),
            "json: cannot unmarshal number into Go value of type bool");
  EXPECT_EQ(Range("{\"limit\":{}}"),
            "json: cannot unmarshal object into Go value of type int64");
  EXPECT_EQ(Range("{\"limit\":[]}"),
            "json: cannot unmarshal array into Go value of type int64");
  EXPECT_EQ(Range("{\"sort_order\":true}"),
            "json: cannot unmarshal bool into Go value of type "
            "etcdserverpb.RangeRequest_SortOrder");  // seen
  EXPECT_EQ(Err("/v3/kv/txn", "{\"compare\":{\"key\":\"Zm9v\"}}"),
            "json: cannot unmarshal object into Go value of type "
            "[]json.RawMessage");  // seen
  EXPECT_EQ(Err("/v3/kv/txn", "{\"success\":[{\"request_put\":[]}]}"),
            "json: cannot unmarshal array into Go value of type "
            "map[string]json.RawMessage");  // seen
}

TEST(RequestDecoderTest, Int64Forms) {
  EXPECT_EQ(Range("{\"limit\":\"5\"}"), "ok: range limit=5");   // seen
  EXPECT_EQ(Range("{\"limit\":\" 5\"}"), "ok: range limit=5");  // seen
  EXPECT_EQ(Range("{\"limit\":-7}"), "ok: range limit=-7");
  EXPECT_EQ(Range("{\"limit\":\"-9223372036854775808\"}"),
            "ok: range limit=-9223372036854775808");
  EXPECT_EQ(Range("{\"limit\":9223372036854775807}"),
            "ok: range limit=9223372036854775807");
  EXPECT_EQ(Range("{\"limit\":\"abc\"}"),
            "invalid character 'a' looking for beginning of value");  // seen
  EXPECT_EQ(Range("{\"limit\":\"5x\"}"),
            "invalid character 'x' after top-level value");              // seen
  EXPECT_EQ(Range("{\"limit\":\"\"}"), "unexpected end of JSON input");  // seen
  // Go's scanner texts for numbers cut short or malformed inside quotes
  // (all seen on etcd 3.4.23).
  const std::pair<const char*, const char*> kSyntax[] = {
      {"05", "invalid character '5' after top-level value"},
      {"-", "invalid character ' ' in numeric literal"},
      {"1.", "invalid character ' ' after decimal point in numeric literal"},
      {"1.x", "invalid character 'x' after decimal point in numeric literal"},
      {"1e", "invalid character ' ' in exponent of numeric literal"},
      {"1ex", "invalid character 'x' in exponent of numeric literal"},
      {"-a", "invalid character 'a' in numeric literal"},
      {"true", "json: cannot unmarshal bool into Go value of type int64"},
  };
  for (const auto& [in, want] : kSyntax) {
    EXPECT_EQ(Range("{\"limit\":\"" + std::string(in) + "\"}"), want) << in;
  }
  EXPECT_EQ(Range("{\"limit\":\"-0\"}"), "ok: range");  // seen
  EXPECT_EQ(Range("{\"limit\":1.5}"),
            "json: cannot unmarshal number 1.5 into Go value of type int64");
  EXPECT_EQ(Range("{\"limit\":1e3}"),
            "json: cannot unmarshal number 1e3 into Go value of type int64");
  EXPECT_EQ(Range("{\"limit\":\"9223372036854775808\"}"),
            "json: cannot unmarshal number 9223372036854775808 into Go value "
            "of type int64");  // seen
  EXPECT_EQ(Range("{\"limit\":9223372036854775808}"),
            "json: cannot unmarshal number 9223372036854775808 into Go value "
            "of type int64");
  EXPECT_EQ(Range("{\"limit\":99999999999999999999}"),
            "json: cannot unmarshal number 99999999999999999999 into Go value "
            "of type int64");  // seen
  EXPECT_EQ(Range("{\"limit\":-9223372036854775809}"),
            "json: cannot unmarshal number -9223372036854775809 into Go value "
            "of type int64");
}

TEST(RequestDecoderTest, Enums) {
  EXPECT_EQ(Range("{\"sort_order\":\"DESCEND\",\"sort_target\":\"MOD\"}"),
            "ok: range sort_order=DESCEND sort_target=MOD");  // seen
  EXPECT_EQ(Range("{\"sort_order\":2}"), "ok: range sort_order=DESCEND");
  EXPECT_EQ(Range("{\"sort_order\":7}"), "ok: range sort_order=7");  // seen
  EXPECT_EQ(Range("{\"sort_order\":\"BOGUS\"}"),
            "unknown value \"BOGUS\" for enum "
            "etcdserverpb.RangeRequest_SortOrder");  // seen
  EXPECT_EQ(Range("{\"sort_order\":\"1\"}"),
            "unknown value \"1\" for enum "
            "etcdserverpb.RangeRequest_SortOrder");  // seen
  EXPECT_EQ(Range("{\"sort_order\":4294967296}"),
            "json: cannot unmarshal number 4294967296 into Go value of type "
            "etcdserverpb.RangeRequest_SortOrder");
  EXPECT_EQ(Err("/v3/kv/txn", "{\"compare\":[{\"result\":9,\"target\":-1}]}"),
            "ok: txn( compare=[compare result=9 target=-1] success=[] "
            "failure=[] )");
  EXPECT_EQ(Err("/v3/kv/txn", "{\"compare\":[{\"target\":\"BAD\"}]}"),
            "unknown value \"BAD\" for enum "
            "etcdserverpb.Compare_CompareTarget");  // seen
}

TEST(RequestDecoderTest, FirstErrorInProtoFieldOrder) {
  // key (field 1) is read before lease (field 3), whatever the JSON order.
  EXPECT_EQ(Put("{\"lease\":\"x\",\"key\":\"!\"}"),
            "illegal base64 data at input byte 0");
}

TEST(RequestDecoderTest, UnknownFieldsIgnoredAndJsonNamesAccepted) {
  EXPECT_EQ(Put("{\"key\":\"Zm9v\",\"unknown\":{\"a\":[1]}}"),
            "ok: put key=foo");  // seen
  EXPECT_EQ(Range("{\"key\":\"Zm9v\",\"rangeEnd\":\"AA==\",\"keysOnly\":true}"),
            "ok: range key=foo range_end=\\x00 keys_only");  // seen
  EXPECT_EQ(Err("/v3/lease/grant", "{\"ttl\":60,\"id\":8}"),
            "ok: lease-grant");  // seen: lower case names are unknown
}

TEST(RequestDecoderTest, UnknownPathIsNotFound) {
  Result<GatewayRequest> r = DecodeRequest("/v3/kv/nope", "{}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(ToGatewayError(r.status()).http_status, 404);
}

std::string NestedTxn(int depth) {
  std::string body;
  for (int i = 1; i < depth; ++i) body += "{\"success\":[{\"request_txn\":";
  body += "{}";
  for (int i = 1; i < depth; ++i) body += "}]}";
  return body;
}

TEST(RequestDecoderTest, NestedTxnDepthIsBounded) {
  EXPECT_TRUE(DecodeTxnRequest(NestedTxn(kMaxTxnDepth)).ok());
  Result<mvcc::TxnRequest> r = DecodeTxnRequest(NestedTxn(kMaxTxnDepth + 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "cairn: txn nested deeper than 64 levels");
  // JSON nesting past Go's limit is refused before parsing.
  std::string deep(20000, '[');
  EXPECT_EQ(Put(deep), "exceeded max depth");
}

TEST(RequestDecoderTest, RoundTripsThroughDescribe) {
  Result<mvcc::TxnRequest> r = DecodeTxnRequest(
      "{\"compare\":[{\"key\":\"Zm9v\",\"target\":\"VALUE\",\"result\":"
      "\"EQUAL\",\"value\":\"YmFy\"}],\"success\":[{\"request_range\":{"
      "\"key\":\"Zm9v\"}}],\"failure\":[{\"request_put\":{\"key\":\"Zm9v\","
      "\"value\":\"YmFy\"}},{}]}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const mvcc::TxnRequest& t = r.value();
  ASSERT_EQ(t.compare.size(), 1u);
  EXPECT_EQ(t.compare[0].target, mvcc::Compare::Target::kValue);
  EXPECT_EQ(t.compare[0].value, "bar");
  ASSERT_EQ(t.failure.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(t.failure[1].request));
  EXPECT_EQ(std::get<mvcc::PutRequest>(t.failure[0].request).value, "bar");
}

// Random bytes, and random byte edits of valid bodies, must never crash and
// must always give either a request or an InvalidArgument (checked in Err).
TEST(RequestDecoderTest, GarbageNeverCrashes) {
  const char* kSeeds[] = {
      "{\"key\":\"Zm9v\",\"range_end\":\"AA==\",\"limit\":\"5\","
      "\"sort_order\":\"DESCEND\",\"keys_only\":true}",
      "{\"compare\":[{\"key\":\"Zm9v\",\"target\":\"VALUE\",\"value\":\"YQ==\"}"
      "],\"success\":[{\"request_txn\":{\"failure\":[{\"request_delete_range\":"
      "{\"key\":\"Zm9v\",\"prev_kv\":true}}]}}]}",
      "{\"TTL\":\"60\",\"ID\":7,\"keys\":true}"};
  const char* kPaths[] = {"/v3/kv/range", "/v3/kv/txn", "/v3/lease/grant",
                          "/v3/kv/put", "/v3/lease/timetolive"};
  const std::string kAlphabet = "{}[]\":,0123456789-+.eE \\tnulfaseZm9v=!";
  Random rnd(20261125);
  for (int iter = 0; iter < 4000; ++iter) {
    std::string body;
    if (iter % 4 == 0) {
      size_t n = rnd.Uniform(64);
      for (size_t i = 0; i < n; ++i)
        body.push_back(static_cast<char>(rnd.Next()));
    } else {
      body = kSeeds[rnd.Uniform(3)];
      size_t edits = 1 + rnd.Uniform(4);
      for (size_t e = 0; e < edits && !body.empty(); ++e) {
        size_t at = rnd.Uniform(body.size());
        char c = kAlphabet[rnd.Uniform(kAlphabet.size())];
        switch (rnd.Uniform(3)) {
          case 0:
            body[at] = c;
            break;
          case 1:
            body.insert(body.begin() + static_cast<long>(at), c);
            break;
          default:
            body.erase(at, 1);
        }
      }
    }
    SCOPED_TRACE("seed 20261125 iter " + std::to_string(iter));
    Err(kPaths[rnd.Uniform(5)], body);
  }
}

}  // namespace
}  // namespace cairn::api
