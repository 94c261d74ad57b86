// GrpcServer (cli/cairn/grpc_server.h) over real gRPC on 127.0.0.1 with a
// generated etcd client stub and an in-test handler: a call's message
// reaches the handler as the gateway request it stands for, with the
// "token" metadata as its auth; the typed answer comes back as etcd's
// protobuf response; errors carry etcd's gRPC codes and messages; an
// oversized request is refused as etcd refuses it; a watch stream's
// requests reach its session and the session's responses come back as
// etcd's WatchResponse; lease keep-alive and auth calls take the unary
// path; a snapshot streams its chunks or the handler's refusal; a port in
// use is an error.
#include "cli/cairn/grpc_server.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "core/auth/auth_store.h"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace cairn::node {
namespace {

namespace pb = etcdserverpb;

// Records what reached it and answers with `answer`.
struct FakeHandler {
  std::mutex mu;
  std::vector<api::GatewayRequest> requests;
  std::vector<RequestAuth> auths;
  std::function<Result<HostAnswer>(const api::GatewayRequest&)> answer;
};

// A watch session that records its requests and answers each create with
// a created response, through the stream's encoder, as the host would.
class FakeWatchSession : public QueueWatchSession {
 public:
  explicit FakeWatchSession(WatchEncoder encode)
      : QueueWatchSession(1 << 20), encode_(std::move(encode)) {}
  void Submit(api::WatchRequest req) override {
    if (const auto* c = std::get_if<mvcc::WatchCreateRequest>(&req)) {
      mvcc::WatchResponse r;
      r.watch_id = c->watch_id;
      r.created = true;
      r.header.revision = 9;
      Push(encode_(r, {.cluster_id = 1, .member_id = 2, .raft_term = 4}));
    }
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(std::move(req));
  }
  std::vector<api::WatchRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  const WatchEncoder encode_;
  std::mutex mu_;
  std::vector<api::WatchRequest> requests_;
};

// Two chunks of dump, then the hash; refused for the token "bad".
Result<SnapshotChunkSource> FakeSnapshot(const RequestAuth& auth) {
  if (auth.token == "bad") return auth::ErrPermissionDenied();
  using Chunk = SnapshotStream::Chunk;
  auto chunks = std::make_shared<std::vector<Chunk>>(
      std::vector<Chunk>{{.blob = "ab", .remaining_bytes = 1},
                         {.blob = "c", .remaining_bytes = 0},
                         {.blob = "HASH", .remaining_bytes = 0}});
  auto next = std::make_shared<size_t>(0);
  return SnapshotChunkSource([chunks, next]() -> Result<std::optional<Chunk>> {
    if (*next == chunks->size()) return std::optional<Chunk>();
    return std::optional<Chunk>((*chunks)[(*next)++]);
  });
}

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<GrpcServer>> s = GrpcServer::Start(
        "127.0.0.1", 0,
        GrpcServerOptions{.max_request_bytes = 1000,
                          .watch_poll = std::chrono::milliseconds(20)},
        GrpcHandlers{.unary =
                         [this](const api::GatewayRequest& req,
                                const RequestAuth& auth) {
                           std::lock_guard<std::mutex> lock(fake_.mu);
                           fake_.requests.push_back(req);
                           fake_.auths.push_back(auth);
                           return fake_.answer(req);
                         },
                     .watch =
                         [this](const RequestAuth& auth, WatchEncoder encode) {
                           std::lock_guard<std::mutex> lock(fake_.mu);
                           fake_.auths.push_back(auth);
                           session_ = std::make_shared<FakeWatchSession>(
                               std::move(encode));
                           return session_;
                         },
                     .snapshot = FakeSnapshot});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials());
  }

  FakeHandler fake_;
  std::shared_ptr<FakeWatchSession> session_;  // guarded by fake_.mu
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

const api::ResponseHeader kMember{
    .cluster_id = 1, .member_id = 2, .revision = 3, .raft_term = 4};

TEST_F(GrpcServerTest, RangeReachesTheHandlerWithItsToken) {
  fake_.answer = [](const api::GatewayRequest&) -> Result<HostAnswer> {
    mvcc::RangeResponse r;
    r.kvs.push_back(mvcc::KeyValue{.key = "foo", .value = "bar"});
    r.count = 1;
    return HostAnswer{.response = server::Response(r), .header = kMember};
  };
  auto stub = pb::KV::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.AddMetadata("token", "tok.1");
  pb::RangeRequest req;
  req.set_key("foo");
  req.set_limit(3);
  pb::RangeResponse resp;
  grpc::Status s = stub->Range(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.kvs_size(), 1);
  EXPECT_EQ(resp.kvs(0).value(), "bar");
  EXPECT_EQ(resp.header().member_id(), 2u);
  EXPECT_EQ(resp.header().revision(), 3);
  std::lock_guard<std::mutex> lock(fake_.mu);
  ASSERT_EQ(fake_.requests.size(), 1u);
  const auto& r = std::get<mvcc::RangeRequest>(fake_.requests[0]);
  EXPECT_EQ(r.key, "foo");
  EXPECT_EQ(r.limit, 3);
  EXPECT_EQ(fake_.auths[0].token, "tok.1");
}

TEST_F(GrpcServerTest, ErrorsAreEtcdsGrpcErrors) {
  fake_.answer = [](const api::GatewayRequest&) -> Result<HostAnswer> {
    return mvcc::ErrLeaseNotFound();
  };
  auto stub = pb::Lease::NewStub(channel_);
  grpc::ClientContext ctx;
  pb::LeaseRevokeRequest req;
  req.set_id(5);
  pb::LeaseRevokeResponse resp;
  grpc::Status s = stub->LeaseRevoke(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");
  std::lock_guard<std::mutex> lock(fake_.mu);
  ASSERT_EQ(fake_.requests.size(), 1u);
  EXPECT_EQ(std::get<api::LeaseRevokeRequest>(fake_.requests[0]).id, 5);
  EXPECT_EQ(fake_.auths[0].token, "");
}

TEST_F(GrpcServerTest, OversizedPutIsRefusedBeforeTheHandler) {
  fake_.answer = [](const api::GatewayRequest&) -> Result<HostAnswer> {
    return HostAnswer{.response = server::Response(mvcc::PutResponse{})};
  };
  auto stub = pb::KV::NewStub(channel_);
  grpc::ClientContext ctx;
  pb::PutRequest req;
  req.set_key("k");
  req.set_value(std::string(2000, 'x'));
  pb::PutResponse resp;
  grpc::Status s = stub->Put(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "etcdserver: request is too large");
  std::lock_guard<std::mutex> lock(fake_.mu);
  EXPECT_TRUE(fake_.requests.empty());
}

TEST_F(GrpcServerTest, WatchStreamReachesItsSession) {
  auto watch = pb::Watch::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.AddMetadata("token", "tok.2");
  auto stream = watch->Watch(&ctx);
  pb::WatchRequest create;
  create.mutable_create_request()->set_key("foo");
  create.mutable_create_request()->set_range_end("fop");
  create.mutable_create_request()->set_start_revision(3);
  create.mutable_create_request()->set_prev_kv(true);
  create.mutable_create_request()->set_watch_id(7);
  create.mutable_create_request()->add_filters(pb::WatchCreateRequest::NOPUT);
  ASSERT_TRUE(stream->Write(create));
  pb::WatchResponse resp;
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_TRUE(resp.created());
  EXPECT_EQ(resp.watch_id(), 7);
  EXPECT_EQ(resp.header().revision(), 9);
  EXPECT_EQ(resp.header().member_id(), 2u);
  EXPECT_EQ(resp.header().raft_term(), 4u);
  pb::WatchRequest empty;  // no member set: ignored
  ASSERT_TRUE(stream->Write(empty));
  pb::WatchRequest cancel;
  cancel.mutable_cancel_request()->set_watch_id(7);
  ASSERT_TRUE(stream->Write(cancel));
  pb::WatchRequest progress;
  progress.mutable_progress_request();
  ASSERT_TRUE(stream->Write(progress));
  std::shared_ptr<FakeWatchSession> session;
  for (int i = 0; i < 200; i++) {
    {
      std::lock_guard<std::mutex> lock(fake_.mu);
      session = session_;
    }
    if (session != nullptr && session->requests().size() == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_NE(session, nullptr);
  std::vector<api::WatchRequest> reqs = session->requests();
  ASSERT_EQ(reqs.size(), 3u);
  const auto& c = std::get<mvcc::WatchCreateRequest>(reqs[0]);
  EXPECT_EQ(c.key, "foo");
  EXPECT_EQ(c.range_end, "fop");
  EXPECT_EQ(c.start_revision, 3);
  EXPECT_TRUE(c.prev_kv);
  EXPECT_EQ(c.watch_id, 7);
  ASSERT_EQ(c.filters.size(), 1u);
  EXPECT_EQ(std::get<api::WatchCancelRequest>(reqs[1]).watch_id, 7);
  EXPECT_TRUE(std::holds_alternative<api::WatchProgressRequest>(reqs[2]));
  {
    std::lock_guard<std::mutex> lock(fake_.mu);
    EXPECT_EQ(fake_.auths.back().token, "tok.2");
  }
  // A half-closed stream goes on until the client cancels it; the session
  // is then closed.
  ASSERT_TRUE(stream->WritesDone());
  ctx.TryCancel();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  for (int i = 0; i < 200 && !session->closed(); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(session->closed());
}

TEST_F(GrpcServerTest, LeaseKeepAliveServesEachRequest) {
  fake_.answer = [](const api::GatewayRequest& req) -> Result<HostAnswer> {
    const auto& k = std::get<api::LeaseKeepAliveRequest>(req);
    if (k.id == 0) return mvcc::ErrLeaseNotFound();
    return HostAnswer{.response = server::Response(
                          api::LeaseKeepAliveResponse{.id = k.id, .ttl = 60}),
                      .header = kMember};
  };
  auto lease = pb::Lease::NewStub(channel_);
  grpc::ClientContext ctx;
  auto stream = lease->LeaseKeepAlive(&ctx);
  for (int64_t id : {5, 6}) {
    pb::LeaseKeepAliveRequest req;
    req.set_id(id);
    ASSERT_TRUE(stream->Write(req));
    pb::LeaseKeepAliveResponse resp;
    ASSERT_TRUE(stream->Read(&resp));
    EXPECT_EQ(resp.id(), id);
    EXPECT_EQ(resp.ttl(), 60);
    EXPECT_EQ(resp.header().revision(), 3);
  }
  pb::LeaseKeepAliveRequest bad;  // the handler's error ends the stream
  ASSERT_TRUE(stream->Write(bad));
  pb::LeaseKeepAliveResponse resp;
  EXPECT_FALSE(stream->Read(&resp));
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");
}

TEST_F(GrpcServerTest, AuthCallsTakeTheUnaryPath) {
  fake_.answer = [](const api::GatewayRequest& req) -> Result<HostAnswer> {
    EXPECT_TRUE(std::holds_alternative<api::AuthenticateRequest>(req));
    return HostAnswer{.response = server::Response(
                          api::AuthenticateResponse{.token = "abc.1"}),
                      .header = kMember};
  };
  auto auth = pb::Auth::NewStub(channel_);
  grpc::ClientContext ctx;
  pb::AuthenticateRequest req;
  req.set_name("root");
  req.set_password("x");
  pb::AuthenticateResponse resp;
  grpc::Status s = auth->Authenticate(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.token(), "abc.1");
  EXPECT_EQ(resp.header().member_id(), 2u);
  std::lock_guard<std::mutex> lock(fake_.mu);
  ASSERT_EQ(fake_.requests.size(), 1u);
  EXPECT_EQ(std::get<api::AuthenticateRequest>(fake_.requests[0]).name, "root");
}

TEST_F(GrpcServerTest, SnapshotStreamsItsChunks) {
  auto maintenance = pb::Maintenance::NewStub(channel_);
  grpc::ClientContext ctx;
  auto reader = maintenance->Snapshot(&ctx, pb::SnapshotRequest());
  std::vector<std::pair<std::string, uint64_t>> got;
  pb::SnapshotResponse resp;
  while (reader->Read(&resp)) {
    got.emplace_back(resp.blob(), resp.remaining_bytes());
    EXPECT_FALSE(resp.has_header());  // etcd 3.4 sends none
  }
  EXPECT_TRUE(reader->Finish().ok());
  const std::vector<std::pair<std::string, uint64_t>> want = {
      {"ab", 1}, {"c", 0}, {"HASH", 0}};
  EXPECT_EQ(got, want);
}

TEST_F(GrpcServerTest, SnapshotRefusedByTheHandler) {
  auto maintenance = pb::Maintenance::NewStub(channel_);
  grpc::ClientContext ctx;
  ctx.AddMetadata("token", "bad");
  auto reader = maintenance->Snapshot(&ctx, pb::SnapshotRequest());
  pb::SnapshotResponse resp;
  EXPECT_FALSE(reader->Read(&resp));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "etcdserver: permission denied");
}

// KV calls through GrpcHandlers::unary_async, answered later from
// another thread (as the host loop answers), small or large.
class GrpcAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GrpcHandlers handlers;
    handlers.unary = [](const api::GatewayRequest&,
                        const RequestAuth&) -> Result<HostAnswer> {
      ADD_FAILURE() << "a KV call took the blocking path";
      return Status(Code::kUnavailable, "blocking");
    };
    handlers.unary_async = [this](const api::GatewayRequest& req,
                                  const RequestAuth&, GrpcAnswerFn done) {
      std::lock_guard<std::mutex> lock(mu_);
      answerers_.emplace_back([this, req, done = std::move(done)] {
        std::this_thread::sleep_for(delay_);
        done(answer_(req));
      });
    };
    Result<std::unique_ptr<GrpcServer>> s =
        GrpcServer::Start("127.0.0.1", 0, {}, std::move(handlers));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    stub_ = pb::KV::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Stop();
    std::lock_guard<std::mutex> lock(mu_);
    for (std::thread& t : answerers_) t.join();
  }

  // `n` key-values of `bytes`-byte values.
  static Result<HostAnswer> Range(size_t n, size_t bytes) {
    mvcc::RangeResponse r;
    for (size_t i = 0; i < n; i++) {
      r.kvs.push_back(mvcc::KeyValue{.key = "k" + std::to_string(i),
                                     .value = std::string(bytes, 'v')});
    }
    r.count = static_cast<int64_t>(n);
    return HostAnswer{.response = server::Response(r), .header = kMember};
  }

  std::chrono::milliseconds delay_{20};
  std::function<Result<HostAnswer>(const api::GatewayRequest&)> answer_;
  std::mutex mu_;
  std::vector<std::thread> answerers_;  // guarded by mu_
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<pb::KV::Stub> stub_;
};

TEST_F(GrpcAsyncTest, SmallAndLargeAnswersComeWhole) {
  for (size_t n : {size_t{1}, size_t{200}}) {  // 200 KiB: the finisher's
    answer_ = [n](const api::GatewayRequest& req) {
      EXPECT_TRUE(std::holds_alternative<mvcc::RangeRequest>(req));
      return Range(n, 1024);
    };
    grpc::ClientContext ctx;
    pb::RangeRequest req;
    req.set_key("k");
    pb::RangeResponse resp;
    grpc::Status s = stub_->Range(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.kvs_size(), static_cast<int>(n));
    EXPECT_EQ(resp.kvs(static_cast<int>(n) - 1).value(),
              std::string(1024, 'v'));
    EXPECT_EQ(resp.count(), static_cast<int64_t>(n));
    EXPECT_EQ(resp.header().member_id(), 2u);
  }
}

TEST_F(GrpcAsyncTest, ErrorsAndBadRequestsAreEtcdsGrpcErrors) {
  answer_ = [](const api::GatewayRequest&) -> Result<HostAnswer> {
    return Status(Code::kCompacted,
                  "etcdserver: mvcc: required revision has been compacted");
  };
  {
    grpc::ClientContext ctx;
    pb::PutRequest req;
    req.set_key("k");
    pb::PutResponse resp;
    grpc::Status s = stub_->Put(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(s.error_message(),
              "etcdserver: mvcc: required revision has been compacted");
  }
  // Refused before the handler: past --max-request-bytes (1.5 MiB).
  grpc::ClientContext ctx;
  pb::PutRequest req;
  req.set_key("k");
  req.set_value(std::string(1600 * 1024, 'x'));
  pb::PutResponse resp;
  grpc::Status s = stub_->Put(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "etcdserver: request is too large");
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(answerers_.size(), 1u);
}

TEST_F(GrpcAsyncTest, StopWaitsForTheAnswersDue) {
  // Calls still waiting for their answers when the server stops get them.
  delay_ = std::chrono::milliseconds(300);
  answer_ = [](const api::GatewayRequest&) { return Range(100, 1024); };
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; i++) {
    clients.emplace_back([&] {
      grpc::ClientContext ctx;
      pb::RangeRequest req;
      req.set_key("k");
      pb::RangeResponse resp;
      grpc::Status s = stub_->Range(&ctx, req, &resp);
      if (s.ok() && resp.kvs_size() == 100) {
        ok++;
      } else {
        std::lock_guard<std::mutex> lock(mu_);
        ADD_FAILURE() << "code " << s.error_code() << ": " << s.error_message()
                      << " kvs " << resp.kvs_size();
      }
    });
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < end) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (answerers_.size() == 4) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server_->Stop();
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), 4);
}

TEST(GrpcServerStartTest, PortInUseIsAnError) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  Result<std::unique_ptr<GrpcServer>> s = GrpcServer::Start(
      "127.0.0.1", port, GrpcServerOptions{},
      GrpcHandlers{.unary = [](const api::GatewayRequest&,
                               const RequestAuth&) -> Result<HostAnswer> {
        return Status(Code::kIOError, "unused");
      }});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kIOError);
  ::close(fd);
}

}  // namespace
}  // namespace cairn::node
