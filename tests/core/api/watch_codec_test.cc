// WatchStreamDecoder under arbitrary chunking: a body split at every
// possible point, or into seeded random pieces, decodes to the same
// requests as the whole body (strings holding brackets and escaped quotes
// included), and an error ends the stream for good. The etcd-compared
// cases are in tests/testdata/api/watch.txt.
#include "core/api/watch_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/util/random.h"

namespace cairn::api {
namespace {

// Feeds `body` cut at the given offsets; returns the descriptions of the
// decoded requests, then "end" or "error: <msg>".
std::vector<std::string> DecodeInPieces(const std::string& body,
                                        const std::vector<size_t>& cuts) {
  WatchStreamDecoder dec(1 << 20);
  std::vector<std::string> out;
  auto drain = [&] {
    while (true) {
      auto r = dec.Next();
      if (!r.ok()) {
        out.push_back("error: " + r.status().message());
        return false;
      }
      if (!r.value().has_value()) return true;
      out.push_back(DescribeWatchRequest(*r.value()));
    }
  };
  size_t prev = 0;
  for (size_t cut : cuts) {
    dec.Feed(std::string_view(body).substr(prev, cut - prev));
    prev = cut;
    if (!drain()) return out;
  }
  dec.Feed(std::string_view(body).substr(prev));
  dec.Close();
  if (drain()) out.push_back(dec.finished() ? "end" : "open");
  return out;
}

// Keys hold "{", "}" and a quote once base64-decoded is not the point:
// the JSON text itself holds brackets inside strings via unknown fields.
const std::string kBody =
    " {\"create_request\":{\"key\":\"Zm9v\",\"x\":\"}{\\\"]\"}}\n"
    "{\"progress_request\":{}}\t{\"cancel_request\":{\"watch_id\":3}}  "
    "{\"create_request\":{\"key\":\"YQ==\",\"range_end\":\"Yg==\","
    "\"filters\":[\"NOPUT\"],\"prev_kv\":true}}";

const std::vector<std::string> kWant = {
    "watch-create key=foo", "watch-progress", "watch-cancel watch_id=3",
    "watch-create key=a range_end=b filters=(NOPUT) prev_kv", "end"};

TEST(WatchStreamDecoderTest, WholeBody) {
  EXPECT_EQ(DecodeInPieces(kBody, {}), kWant);
}

TEST(WatchStreamDecoderTest, EverySplitPoint) {
  for (size_t cut = 0; cut <= kBody.size(); ++cut) {
    SCOPED_TRACE(cut);
    EXPECT_EQ(DecodeInPieces(kBody, {cut}), kWant);
  }
}

TEST(WatchStreamDecoderTest, RandomPieces) {
  const uint64_t seed = 20261125;
  SCOPED_TRACE(seed);
  Random rnd(seed);
  for (int round = 0; round < 200; ++round) {
    std::vector<size_t> cuts;
    size_t at = 0;
    while (true) {
      at += 1 + rnd.Uniform(7);
      if (at >= kBody.size()) break;
      cuts.push_back(at);
    }
    EXPECT_EQ(DecodeInPieces(kBody, cuts), kWant);
  }
}

TEST(WatchStreamDecoderTest, ErrorEndsTheStream) {
  WatchStreamDecoder dec(1 << 20);
  dec.Feed("{\"create_request\":{}} {\"cancel_request\":[]} {}");
  ASSERT_TRUE(dec.Next().value().has_value());
  auto r = dec.Next();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(dec.finished());
  dec.Feed("{\"progress_request\":{}}");
  EXPECT_FALSE(dec.Next().value().has_value());
  EXPECT_EQ(dec.messages(), 1u);
}

TEST(WatchStreamDecoderTest, OpenStreamWaitsForMore) {
  WatchStreamDecoder dec(1 << 20);
  dec.Feed("{\"progress_request\":");
  EXPECT_FALSE(dec.Next().value().has_value());
  EXPECT_FALSE(dec.finished());
  dec.Feed("{}}");
  auto r = dec.Next();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.value().has_value());
  EXPECT_TRUE(std::holds_alternative<WatchProgressRequest>(*r.value()));
  EXPECT_FALSE(dec.finished());
}

TEST(WatchStreamDecoderTest, OversizedMessageIsRefused) {
  WatchStreamDecoder dec(16);
  dec.Feed("{\"create_request\":{\"key\":\"Zm9v");
  auto r = dec.Next();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("larger than 16 bytes"),
            std::string::npos);
}

TEST(WatchCodecTest, DecodedCreateKeepsEveryField) {
  auto r = DecodeWatchRequest(
      R"({"create_request":{"key":"YQ==","range_end":"Yg==",)"
      R"("start_revision":"5","progress_notify":true,)"
      R"("filters":["NOPUT","NODELETE"],"prev_kv":true,"watch_id":"9"}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& c = std::get<mvcc::WatchCreateRequest>(r.value());
  EXPECT_EQ(c.key, "a");
  EXPECT_EQ(c.range_end, "b");
  EXPECT_EQ(c.start_revision, 5);
  EXPECT_TRUE(c.progress_notify);
  ASSERT_EQ(c.filters.size(), 2u);
  EXPECT_EQ(c.filters[1], mvcc::WatchCreateRequest::FilterType::kNoDelete);
  EXPECT_TRUE(c.prev_kv);
  EXPECT_EQ(c.watch_id, 9);
}

TEST(WatchCodecTest, ResponseIsOneNewlineTerminatedLine) {
  mvcc::WatchResponse resp;
  resp.header.revision = 8;
  resp.watch_id = 2;
  resp.events.push_back({.type = mvcc::Event::Type::kPut,
                         .kv = {.key = "k",
                                .create_revision = 8,
                                .mod_revision = 8,
                                .version = 1,
                                .value = "v"}});
  std::string out = EncodeWatchResponse(resp, {.cluster_id = 1});
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  EXPECT_EQ(out.rfind("{\"result\":{\"header\":{\"cluster_id\":\"1\","
                      "\"revision\":\"8\"},\"watch_id\":\"2\",",
                      0),
            0u);
}

}  // namespace
}  // namespace cairn::api
