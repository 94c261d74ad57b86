// ClientApi over real HTTP on 127.0.0.1 with an in-test fake handler:
// requests are decoded by core/api and reach the handler; its bodies and
// Statuses come back as etcd's gateway prints them; unknown paths, wrong
// methods, bad JSON and oversized requests get etcd 3.4.23's answers
// (recorded with curl); /health, /version, /metrics; a /v3/watch stream
// is decoded and the session's responses are streamed back.
#include "cli/cairn/client_api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <deque>
#include <mutex>

#include "cli/cairn/http_listener.h"
#include "cli/cairn/metrics.h"
#include "core/api/describe.h"
#include "core/api/response_encoder.h"

namespace cairn::node {
namespace {

const api::ResponseHeader kHeader{.cluster_id = 14841639068965178418ull,
                                  .member_id = 10276657743932975437ull,
                                  .revision = 0,
                                  .raft_term = 2};

class FakeSession : public WatchSession {
 public:
  explicit FakeSession(std::deque<std::string> chunks)
      : chunks_(std::move(chunks)) {}
  Poll Next(std::string& out, std::chrono::milliseconds) override {
    if (chunks_.empty()) return Poll::kEnd;
    out = chunks_.front();
    chunks_.pop_front();
    return Poll::kData;
  }

 private:
  std::deque<std::string> chunks_;
};

class ClientApiTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(1572864); }

  void Start(size_t max_request_bytes) {
    listener_ = std::make_unique<HttpListener>();
    ClientApiHandlers handlers;
    handlers.unary = [this](const api::GatewayRequest& req,
                            const std::string& token) -> Result<std::string> {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(api::DescribeRequest(req) + " token=" + token);
      if (const auto* r = std::get_if<mvcc::RangeRequest>(&req);
          r != nullptr && r->revision == 99) {
        return Status(Code::kCompacted,
                      "mvcc: required revision has been compacted");
      }
      if (std::holds_alternative<mvcc::PutRequest>(req)) {
        return api::EncodePutResponse({.header = {.revision = 21}}, kHeader);
      }
      return std::string("{}");
    };
    handlers.watch = [this](std::vector<api::WatchRequest> reqs,
                            const std::string&) {
      std::deque<std::string> chunks;
      for (const auto& r : reqs) {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back(api::DescribeWatchRequest(r));
        mvcc::WatchResponse resp;
        resp.header.revision = 1;
        resp.created = true;
        chunks.push_back(api::EncodeWatchResponse(resp, kHeader));
      }
      return std::make_shared<FakeSession>(std::move(chunks));
    };
    handlers.healthy = [this] { return healthy_.load(); };
    handlers.metrics = &metrics_;
    metrics_.GetCounter("etcd_server_proposals_failed_total", "Failed.").Inc();
    api_ = std::make_unique<ClientApi>(
        ClientApiOptions{.max_request_bytes = max_request_bytes,
                         .server_version = "0.1.0"},
        std::move(handlers));
    api_->RegisterHandlers(listener_->server());
    auto port = listener_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port.value());
  }

  void TearDown() override { listener_->Stop(); }

  httplib::Result Post(const std::string& path, const std::string& body,
                       const httplib::Headers& headers = {}) {
    return client_->Post(path.c_str(), headers, body, "application/json");
  }

  std::vector<std::string> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

  std::mutex mu_;
  std::vector<std::string> seen_;
  std::atomic<bool> healthy_{true};
  MetricsRegistry metrics_;
  std::unique_ptr<HttpListener> listener_;
  std::unique_ptr<ClientApi> api_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ClientApiTest, UnaryRequestReachesTheHandler) {
  auto res = Post("/v3/kv/put", R"({"key":"Zm9v","value":"YmFy"})",
                  {{"Authorization", "tok123"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body,
            "{\"header\":{\"cluster_id\":\"14841639068965178418\","
            "\"member_id\":\"10276657743932975437\",\"revision\":\"21\","
            "\"raft_term\":\"2\"}}");
  EXPECT_EQ(Seen(),
            std::vector<std::string>{"put key=foo value=bar token=tok123"});
  auto members = Post("/v3/cluster/member/list", "");
  ASSERT_TRUE(members);
  EXPECT_EQ(members->status, 200);
  EXPECT_EQ(Seen().back(), "member-list token=");
}

TEST_F(ClientApiTest, ErrorsAsEtcdPrintsThem) {
  auto bad = Post("/v3/kv/range", R"({"key":"Zm9v")");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(
      bad->body,
      R"({"error":"unexpected EOF","message":"unexpected EOF","code":3})");
  auto compacted = Post("/v3/kv/range", R"({"key":"Zm9v","revision":"99"})");
  ASSERT_TRUE(compacted);
  EXPECT_EQ(compacted->status, 400);
  EXPECT_EQ(compacted->body,
            "{\"error\":\"etcdserver: mvcc: required revision has been "
            "compacted\",\"message\":\"etcdserver: mvcc: required revision "
            "has been compacted\",\"code\":11}");
  auto keepalive = Post("/v3/lease/keepalive", "xyz");
  ASSERT_TRUE(keepalive);
  EXPECT_EQ(keepalive->status, 500);
  EXPECT_NE(keepalive->body.find("\"code\":2"), std::string::npos);
  auto unknown = Post("/v3/nope", "{}");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(unknown->body, "Not Found\n");
  auto get = client_->Get("/v3/kv/put");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->body, "Method Not Allowed\n");
  EXPECT_EQ(Seen().size(), 1u);  // only the compacted range got through
}

TEST_F(ClientApiTest, MaxRequestBytes) {
  listener_->Stop();
  Start(1024);
  std::string big(1100, 'a');  // base64: "YWFh..." for "aaa"
  std::string value;
  for (size_t i = 0; i < big.size() / 3; ++i) value += "YWFh";
  auto res =
      Post("/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"" + value + "\"}");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body,
            "{\"error\":\"etcdserver: request is too large\",\"message\":"
            "\"etcdserver: request is too large\",\"code\":3}");
  EXPECT_TRUE(Seen().empty());
  // 900 value bytes (1200 of base64) fit: the limit counts decoded bytes.
  std::string fits;
  for (int i = 0; i < 300; ++i) fits += "YWFh";
  auto ok = Post("/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"" + fits + "\"}");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

// curl -d sends its body as a form; etcd's gateway reads it as JSON at
// any size, so must we (cpp-httplib alone refuses forms over 8 KiB).
TEST_F(ClientApiTest, LargeBodySentAsAForm) {
  std::string value;
  for (int i = 0; i < 30000; ++i) value += "YWFh";  // 90 KB of "aaa"
  auto res = client_->Post("/v3/kv/put",
                           "{\"key\":\"Zm9v\",\"value\":\"" + value + "\"}",
                           "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(Seen().size(), 1u);
}

TEST_F(ClientApiTest, HealthVersionMetrics) {
  auto health = client_->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "{\"health\":\"true\"}");
  healthy_ = false;
  health = client_->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(health->body, "{\"health\":\"false\"}");
  auto version = client_->Get("/version");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->body,
            "{\"etcdserver\":\"0.1.0\",\"etcdcluster\":\"3.4.0\"}");
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->get_header_value("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics->body.find("etcd_server_proposals_failed_total 1\n"),
            std::string::npos);
}

TEST_F(ClientApiTest, WatchStream) {
  auto res =
      Post("/v3/watch",
           R"({"create_request":{"key":"Zm9v"}} {"progress_request":{}})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const std::string created =
      "{\"result\":{\"header\":{\"cluster_id\":\"14841639068965178418\","
      "\"member_id\":\"10276657743932975437\",\"revision\":\"1\","
      "\"raft_term\":\"2\"},\"created\":true}}\n";
  EXPECT_EQ(res->body, created + created);
  EXPECT_EQ(Seen(), (std::vector<std::string>{"watch-create key=foo",
                                              "watch-progress"}));
  auto bad = Post("/v3/watch", R"({"create_request":{"key":1}})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 500);
  EXPECT_EQ(bad->body,
            "{\"error\":\"json: cannot unmarshal number into Go value of type "
            "[]uint8\",\"message\":\"json: cannot unmarshal number into Go "
            "value of type []uint8\",\"code\":2}");
  // A bad message after a good one ends the requests, not the stream.
  auto later = Post("/v3/watch", R"({"create_request":{"key":"Zm9v"}} junk)");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200);
  EXPECT_EQ(later->body, created);
}

}  // namespace
}  // namespace cairn::node
