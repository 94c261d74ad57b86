// ClientApi over real HTTP on 127.0.0.1 with an in-test fake handler:
// requests are decoded by core/api and reach the handler; its bodies and
// Statuses come back as etcd's gateway prints them; unknown paths, wrong
// methods, bad JSON and oversized requests get etcd 3.4.23's answers
// (recorded with curl); /health, /version, /metrics; a /v3/watch stream
// is decoded and the session's responses are streamed back, and its body
// is read as it arrives (a two-way stream over one connection).
#include "cli/cairn/client_api.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

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

// Answers each request with what `answer` makes of it; ends once the
// request body has ended and every answer was taken, unless
// `outlives_requests` (as the node's sessions, whose watches go on).
class FakeSession : public WatchSession {
 public:
  using Answer = std::function<std::string(const api::WatchRequest&)>;
  explicit FakeSession(Answer answer, bool outlives_requests = false)
      : answer_(std::move(answer)), outlives_requests_(outlives_requests) {}
  Poll Next(std::string& out, std::chrono::milliseconds wait) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, wait, [&] { return !chunks_.empty() || ended_; });
    if (!chunks_.empty()) {
      out = chunks_.front();
      chunks_.pop_front();
      return Poll::kData;
    }
    return ended_ ? Poll::kEnd : Poll::kIdle;
  }
  void Submit(api::WatchRequest req) override {
    std::string a = answer_(req);
    std::lock_guard<std::mutex> lock(mu_);
    chunks_.push_back(std::move(a));
    cv_.notify_all();
  }
  void EndOfRequests() override {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = !outlives_requests_;
    cv_.notify_all();
  }

 private:
  Answer answer_;
  const bool outlives_requests_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  bool ended_ = false;
};

class ClientApiTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(1572864); }

  void Start(size_t max_request_bytes) {
    listener_ = std::make_unique<HttpListener>();
    ClientApiHandlers handlers;
    handlers.unary = [this](const api::GatewayRequest& req,
                            const RequestAuth& auth) -> Result<std::string> {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(api::DescribeRequest(req) + " token=" + auth.token);
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
                            const RequestAuth&) {
      // Watch ids count from 0 on each stream, as in etcd.
      auto session = std::make_shared<FakeSession>(
          [this, next_id = int64_t{0}](const api::WatchRequest& r) mutable {
            std::lock_guard<std::mutex> lock(mu_);
            seen_.push_back(api::DescribeWatchRequest(r));
            mvcc::WatchResponse resp;
            resp.header.revision = 1;
            if (const auto* x = std::get_if<api::WatchCancelRequest>(&r)) {
              resp.watch_id = x->watch_id;
              resp.canceled = true;
            } else if (std::holds_alternative<api::WatchProgressRequest>(r)) {
              resp.watch_id = -1;
            } else {
              resp.watch_id = next_id++;
              resp.created = true;
            }
            return api::EncodeWatchResponse(resp, kHeader);
          },
          sessions_outlive_requests_);
      for (auto& r : reqs) session->Submit(std::move(r));
      return session;
    };
    handlers.healthy = [this] { return healthy_.load(); };
    handlers.metrics = &metrics_;
    metrics_.GetCounter("etcd_server_proposals_failed_total", "Failed.").Inc();
    api_ = std::make_unique<ClientApi>(
        ClientApiOptions{.max_request_bytes = max_request_bytes,
                         .server_version = "0.1.0",
                         .max_watch_streams = max_watch_streams_},
        std::move(handlers));
    api_->RegisterHandlers(listener_->server());
    auto port = listener_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    port_ = port.value();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port.value());
  }

  void TearDown() override { listener_->Stop(); }

  size_t max_watch_streams_ = 512;
  bool sessions_outlive_requests_ = false;

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
  int port_ = 0;
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
  // etcd 3.4 serves /v3beta/ as /v3/, but not /v3alpha/.
  auto alpha = Post("/v3alpha/kv/range", R"({"key":"Zm9v"})");
  ASSERT_TRUE(alpha);
  EXPECT_EQ(alpha->status, 404);
  EXPECT_EQ(Seen().size(), 1u);  // only the compacted range got through
  auto beta = Post("/v3beta/kv/range", R"({"key":"Zm9v"})");
  ASSERT_TRUE(beta);
  EXPECT_EQ(beta->status, 200);
  ASSERT_EQ(Seen().size(), 2u);
  EXPECT_EQ(Seen().back().rfind("range key=foo", 0), 0u) << Seen().back();
  auto beta_get = client_->Get("/v3beta/kv/range");
  ASSERT_TRUE(beta_get);
  EXPECT_EQ(beta_get->status, 405);
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
  const std::string progress =
      "{\"result\":{\"header\":{\"cluster_id\":\"14841639068965178418\","
      "\"member_id\":\"10276657743932975437\",\"revision\":\"1\","
      "\"raft_term\":\"2\"},\"watch_id\":\"-1\"}}\n";
  EXPECT_EQ(res->body, created + progress);
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

// A raw HTTP/1.1 connection, to send a request body in chunks while
// reading the response, as a streaming gateway client does.
class RawConn {
 public:
  explicit RawConn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval tv{.tv_sec = 10, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawConn() { ::close(fd_); }
  bool ok() const { return ok_; }
  void Send(const std::string& s) {
    ASSERT_EQ(::send(fd_, s.data(), s.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(s.size()));
  }
  void SendChunk(const std::string& s) {
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", s.size());
    Send(size + s + "\r\n");
  }
  // Reads until `needle` has arrived (true) or the peer closed or 10 s
  // passed (false). Everything read stays in received().
  bool ReadUntil(const std::string& needle) {
    while (received_.find(needle) == std::string::npos) {
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      received_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::string received_;
};

// The request body is read as it arrives: a cancel sent after the first
// answer was read still reaches the open stream, and the stream ends
// after the body does (for this fake; the node keeps it open).
TEST_F(ClientApiTest, WatchStreamIsTwoWay) {
  RawConn conn(port_);
  ASSERT_TRUE(conn.ok());
  conn.Send(
      "POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  conn.SendChunk(R"({"create_request":{"key":"Zm9v"}})");
  ASSERT_TRUE(conn.ReadUntil("\"created\":true")) << conn.received();
  conn.SendChunk(R"({"create_request":{"key":"YmFy"}})");
  ASSERT_TRUE(conn.ReadUntil("\"watch_id\":\"1\",\"created\":true"))
      << conn.received();
  // One message split over two chunks.
  conn.SendChunk(R"({"cancel_request":)");
  conn.SendChunk(R"({"watch_id":"1"}})");
  ASSERT_TRUE(conn.ReadUntil("\"watch_id\":\"1\",\"canceled\":true"))
      << conn.received();
  conn.Send("0\r\n\r\n");
  EXPECT_TRUE(conn.ReadUntil("\r\n0\r\n\r\n")) << conn.received();
  EXPECT_EQ(Seen(), (std::vector<std::string>{"watch-create key=foo",
                                              "watch-create key=bar",
                                              "watch-cancel watch_id=1"}));
}

// Over the bound of open watch streams a new one is answered 503 (and
// the connection closed); once a stream ends its place is free again.
TEST_F(ClientApiTest, WatchStreamsOverTheBoundGet503) {
  listener_->Stop();
  max_watch_streams_ = 1;
  Start(1572864);
  {
    RawConn conn(port_);
    ASSERT_TRUE(conn.ok());
    conn.Send(
        "POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    conn.SendChunk(R"({"create_request":{"key":"Zm9v"}})");
    ASSERT_TRUE(conn.ReadUntil("\"created\":true")) << conn.received();
    auto refused = Post("/v3/watch", R"({"create_request":{"key":"YmFy"}})");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 503);
    EXPECT_EQ(refused->body,
              R"({"error":"too many watch streams",)"
              R"("message":"too many watch streams","code":14})");
    EXPECT_EQ(refused->get_header_value("Connection"), "close");
    conn.Send("0\r\n\r\n");
    EXPECT_TRUE(conn.ReadUntil("\r\n0\r\n\r\n")) << conn.received();
  }
  // The first stream's place is freed when its response is over (bounded
  // wait: 5 s).
  int status = 0;
  for (int i = 0; i < 50 && status != 200; i++) {
    httplib::Client c("127.0.0.1", port_);
    auto res = c.Post("/v3/watch", R"({"create_request":{"key":"YmFy"}})",
                      "application/json");
    status = res ? res->status : 0;
    if (status != 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_EQ(status, 200);
}

// A stream whose client left ends while idle, though no event comes to
// fail a write to it (etcd's gateway ends it as Go's server cancels the
// request): its place under the bound is free again.
TEST_F(ClientApiTest, AnIdleWatchStreamEndsWhenItsClientLeaves) {
  listener_->Stop();
  max_watch_streams_ = 1;
  sessions_outlive_requests_ = true;
  Start(1572864);
  const std::string body = R"({"create_request":{"key":"Zm9v"}})";
  const std::string request =
      "POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  {
    RawConn conn(port_);
    ASSERT_TRUE(conn.ok());
    conn.Send(request);
    ASSERT_TRUE(conn.ReadUntil("\"created\":true")) << conn.received();
    // Its body has ended, the stream goes on: a second is refused.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto refused = Post("/v3/watch", body);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 503);
  }  // the client closes its connection
  bool created = false;
  for (int i = 0; i < 50 && !created; i++) {
    RawConn again(port_);
    ASSERT_TRUE(again.ok());
    again.Send(request);
    created = again.ReadUntil("\"created\":true");  // false: 503, closed
    if (!created) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(created);
}

}  // namespace
}  // namespace cairn::node
