#include "cli/cairn/grpc_server.h"

#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iterator>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "cli/cairn/grpc_convert.h"
#include "cli/cairn/logger.h"
#include "core/api/gateway_error.h"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace cairn::node {

namespace pb = etcdserverpb;

namespace {

// etcd lets a message grow this much past --max-request-bytes before gRPC
// itself refuses it (embed's grpcOverheadBytes); the request is then
// checked against the limit proper, as the gateway checks it.
constexpr size_t kGrpcOverheadBytes = 512 * 1024;

// Converts and sends the large answers of KV calls, off the thread that
// has them (the node's host loop): one thread, in order.
class Finisher {
 public:
  Finisher()
      : thread_([this] {
          pthread_setname_np(pthread_self(), "grpc-finisher");
          Run();
        }) {}
  ~Finisher() { Stop(); }
  void Post(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopped_) {
        queue_.push_back(std::move(fn));
        cv_.notify_one();
        return;
      }
    }
    fn();  // after Stop (no call should be left by then): here and now
  }
  // Runs what is queued, then ends the thread. Idempotent.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    while (true) {
      std::deque<std::function<void()>> work;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopped
        work.swap(queue_);
      }
      for (auto& fn : work) fn();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopped_ = false;                     // guarded by mu_
  std::thread thread_;
};

// The KV calls handed to the host and not yet finished. Stop waits for
// them, so that they are answered rather than canceled.
class InFlight {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++n_;
  }
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--n_ == 0) cv_.notify_all();
  }
  // Waits until none is left, at most `limit`; whether any was left.
  bool Drain(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    const bool any = n_ > 0;
    cv_.wait_for(lock, limit, [this] { return n_ == 0; });
    return any;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t n_ = 0;  // guarded by mu_
};

// What every service shares: the handlers and the limits.
struct Core {
  GrpcUnaryHandler unary;
  GrpcUnaryAsyncHandler unary_async;
  Finisher* finisher = nullptr;
  InFlight* in_flight = nullptr;
  GrpcWatchHandler watch;
  GrpcSnapshotHandler snapshot;
  size_t max_request_bytes = 0;
  size_t max_watch_streams = 0;
  std::chrono::milliseconds watch_poll{200};
  bool cert_auth = false;  // --client-cert-auth over TLS
  // Watch streams open now.
  mutable std::atomic<size_t> watch_streams{0};
};

// The call's token and, under --client-cert-auth, its verified client
// certificate's CN (which serves as the user when no token is given, as
// etcd does).
RequestAuth AuthOf(const Core& core, const grpc::ServerContextBase& ctx) {
  RequestAuth auth;
  const auto& md = ctx.client_metadata();
  if (auto it = md.find("token"); it != md.end()) {
    auth.token.assign(it->second.data(), it->second.size());
  }
  if (core.cert_auth && ctx.auth_context() != nullptr &&
      ctx.auth_context()->IsPeerAuthenticated()) {
    const std::vector<grpc::string_ref> cn =
        ctx.auth_context()->FindPropertyValues("x509_common_name");
    if (!cn.empty()) auth.cert_common_name.assign(cn[0].data(), cn[0].size());
  }
  return auth;
}

// A call's request as the gateway would have decoded it, within
// --max-request-bytes.
template <typename In>
Result<api::GatewayRequest> Decode(const Core& core, const In& in) {
  Result<api::GatewayRequest> req = FromProto(in);
  if (!req.ok()) return req.status();
  Status size = api::CheckRequestSize(
      ClientApi::RequestBytes(req.value(), in.ByteSizeLong()),
      core.max_request_bytes);
  if (!size.ok()) return size;
  return req;
}

// One unary call: convert, check the size, serve, convert back.
template <typename In, typename Out>
grpc::Status Serve(const Core& core, const grpc::ServerContext& ctx,
                   const In& in, Out* out) {
  Result<api::GatewayRequest> req = Decode(core, in);
  if (!req.ok()) return ToGrpcStatus(req.status());
  Result<HostAnswer> answer = core.unary(req.value(), AuthOf(core, ctx));
  if (!answer.ok()) return ToGrpcStatus(answer.status());
  return ToGrpcStatus(ToProto(answer.value(), out));
}

// One KV call through the callback API: handed over, finished by
// whoever has the answer (GrpcServer's header, threads). `out` lives
// until the call is finished.
template <typename In, typename Out>
grpc::ServerUnaryReactor* ServeAsync(const Core& core,
                                     grpc::CallbackServerContext* ctx,
                                     const In& in, Out* out) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  Result<api::GatewayRequest> req = Decode(core, in);
  if (!req.ok()) {
    reactor->Finish(ToGrpcStatus(req.status()));
    return reactor;
  }
  Finisher* finisher = core.finisher;
  InFlight* in_flight = core.in_flight;
  in_flight->Add();
  core.unary_async(
      req.value(), AuthOf(core, *ctx),
      [reactor, out, finisher, in_flight](Result<HostAnswer> answer) {
        const bool cheap =
            !answer.ok() || KeyValueBytes(answer.value()) <= kCheapAnswerBytes;
        auto finish = [reactor, out, in_flight, answer = std::move(answer)] {
          reactor->Finish(answer.ok()
                              ? ToGrpcStatus(ToProto(answer.value(), out))
                              : ToGrpcStatus(answer.status()));
          in_flight->Done();
        };
        if (cheap) {
          finish();
        } else {
          finisher->Post(std::move(finish));
        }
      });
  return reactor;
}

class KvService final : public pb::KV::CallbackService {
 public:
  explicit KvService(const Core& core) : core_(core) {}
  grpc::ServerUnaryReactor* Range(grpc::CallbackServerContext* ctx,
                                  const pb::RangeRequest* in,
                                  pb::RangeResponse* out) override {
    return ServeAsync(core_, ctx, *in, out);
  }
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* ctx,
                                const pb::PutRequest* in,
                                pb::PutResponse* out) override {
    return ServeAsync(core_, ctx, *in, out);
  }
  grpc::ServerUnaryReactor* DeleteRange(grpc::CallbackServerContext* ctx,
                                        const pb::DeleteRangeRequest* in,
                                        pb::DeleteRangeResponse* out) override {
    return ServeAsync(core_, ctx, *in, out);
  }
  grpc::ServerUnaryReactor* Txn(grpc::CallbackServerContext* ctx,
                                const pb::TxnRequest* in,
                                pb::TxnResponse* out) override {
    return ServeAsync(core_, ctx, *in, out);
  }
  grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext* ctx,
                                    const pb::CompactionRequest* in,
                                    pb::CompactionResponse* out) override {
    return ServeAsync(core_, ctx, *in, out);
  }

 private:
  const Core& core_;
};

class LeaseService final : public pb::Lease::Service {
 public:
  explicit LeaseService(const Core& core) : core_(core) {}
  // Each request is a unary keep-alive (forwarded to the leader by the
  // handler on a follower); an error ends the stream with it, as etcd's
  // leaseKeepAlive returns it. A client that half-closes ends the stream.
  grpc::Status LeaseKeepAlive(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<pb::LeaseKeepAliveResponse,
                               pb::LeaseKeepAliveRequest>* stream) override {
    pb::LeaseKeepAliveRequest in;
    while (stream->Read(&in)) {
      pb::LeaseKeepAliveResponse out;
      grpc::Status s = Serve(core_, *ctx, in, &out);
      if (!s.ok()) return s;
      if (!stream->Write(out)) break;
    }
    return grpc::Status::OK;
  }
  grpc::Status LeaseGrant(grpc::ServerContext* ctx,
                          const pb::LeaseGrantRequest* in,
                          pb::LeaseGrantResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status LeaseRevoke(grpc::ServerContext* ctx,
                           const pb::LeaseRevokeRequest* in,
                           pb::LeaseRevokeResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status LeaseTimeToLive(grpc::ServerContext* ctx,
                               const pb::LeaseTimeToLiveRequest* in,
                               pb::LeaseTimeToLiveResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status LeaseLeases(grpc::ServerContext* ctx,
                           const pb::LeaseLeasesRequest* in,
                           pb::LeaseLeasesResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }

 private:
  const Core& core_;
};

class ClusterService final : public pb::Cluster::Service {
 public:
  explicit ClusterService(const Core& core) : core_(core) {}
  grpc::Status MemberAdd(grpc::ServerContext* ctx,
                         const pb::MemberAddRequest* in,
                         pb::MemberAddResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status MemberRemove(grpc::ServerContext* ctx,
                            const pb::MemberRemoveRequest* in,
                            pb::MemberRemoveResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status MemberUpdate(grpc::ServerContext* ctx,
                            const pb::MemberUpdateRequest* in,
                            pb::MemberUpdateResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status MemberList(grpc::ServerContext* ctx,
                          const pb::MemberListRequest* in,
                          pb::MemberListResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status MemberPromote(grpc::ServerContext* ctx,
                             const pb::MemberPromoteRequest* in,
                             pb::MemberPromoteResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }

 private:
  const Core& core_;
};

class MaintenanceService final : public pb::Maintenance::Service {
 public:
  explicit MaintenanceService(const Core& core) : core_(core) {}
  // The gateway's snapshot stream, chunk by chunk (etcd 3.4 sends them
  // without a header); the last chunk is the dump's SHA-256.
  grpc::Status Snapshot(
      grpc::ServerContext* ctx, const pb::SnapshotRequest*,
      grpc::ServerWriter<pb::SnapshotResponse>* writer) override {
    if (!core_.snapshot) {
      return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "");
    }
    Result<SnapshotChunkSource> source = core_.snapshot(AuthOf(core_, *ctx));
    if (!source.ok()) return ToGrpcStatus(source.status());
    while (!ctx->IsCancelled()) {
      Result<std::optional<SnapshotStream::Chunk>> chunk = source.value()();
      if (!chunk.ok()) return ToGrpcStatus(chunk.status());
      if (!chunk.value().has_value()) return grpc::Status::OK;
      pb::SnapshotResponse resp;
      resp.set_remaining_bytes(chunk.value()->remaining_bytes);
      resp.set_blob(std::move(chunk.value()->blob));
      if (!writer->Write(resp)) break;
    }
    return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  }
  grpc::Status Alarm(grpc::ServerContext* ctx, const pb::AlarmRequest* in,
                     pb::AlarmResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status Status(grpc::ServerContext* ctx, const pb::StatusRequest* in,
                      pb::StatusResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status Defragment(grpc::ServerContext* ctx,
                          const pb::DefragmentRequest* in,
                          pb::DefragmentResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status Hash(grpc::ServerContext* ctx, const pb::HashRequest* in,
                    pb::HashResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status HashKV(grpc::ServerContext* ctx, const pb::HashKVRequest* in,
                      pb::HashKVResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }
  grpc::Status MoveLeader(grpc::ServerContext* ctx,
                          const pb::MoveLeaderRequest* in,
                          pb::MoveLeaderResponse* out) override {
    return Serve(core_, *ctx, *in, out);
  }

 private:
  const Core& core_;
};

// One open watch stream, counted while it lives.
class WatchSlot {
 public:
  explicit WatchSlot(std::atomic<size_t>& count) : count_(count) {}
  ~WatchSlot() { count_.fetch_sub(1); }
  WatchSlot(const WatchSlot&) = delete;
  WatchSlot& operator=(const WatchSlot&) = delete;

 private:
  std::atomic<size_t>& count_;
};

std::string EncodeProtoWatchResponse(const mvcc::WatchResponse& resp,
                                     const api::ResponseHeader& header) {
  pb::WatchResponse out;
  ToProto(resp, header, &out);
  return out.SerializeAsString();
}

using WatchStream =
    grpc::ServerReaderWriter<pb::WatchResponse, pb::WatchRequest>;

// Writes the session's responses until the session ends, a write fails or
// the call is over; then cancels the call, so that a reader blocked on
// the client's next request returns.
void WriteWatchResponses(grpc::ServerContext* ctx, WatchStream* stream,
                         QueueWatchSession& session,
                         std::chrono::milliseconds poll) {
  std::vector<std::string> batch;
  bool open = true;
  while (open && !ctx->IsCancelled()) {
    WatchSession::Poll p = session.NextEach(batch, poll);
    if (p == WatchSession::Poll::kEnd) break;
    if (p == WatchSession::Poll::kIdle) continue;
    for (const std::string& encoded : batch) {
      pb::WatchResponse resp;
      if (!resp.ParseFromString(encoded) || !stream->Write(resp)) {
        open = false;
        break;
      }
    }
  }
  ctx->TryCancel();
}

// Watch: the same session as the gateway's /v3/watch. This thread reads
// the client's requests and submits them; another writes the responses.
// A client that half-closes keeps its stream (etcd's recvLoop ends, the
// stream goes on) until it cancels the call.
class WatchService final : public pb::Watch::Service {
 public:
  explicit WatchService(const Core& core) : core_(core) {}
  grpc::Status Watch(grpc::ServerContext* ctx, WatchStream* stream) override {
    if (!core_.watch) {
      return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "");
    }
    if (core_.watch_streams.fetch_add(1) >= core_.max_watch_streams) {
      core_.watch_streams.fetch_sub(1);
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "too many watch streams");
    }
    WatchSlot slot(core_.watch_streams);
    std::shared_ptr<QueueWatchSession> session =
        core_.watch(AuthOf(core_, *ctx), EncodeProtoWatchResponse);
    std::thread writer(WriteWatchResponses, ctx, stream, std::ref(*session),
                       core_.watch_poll);
    pb::WatchRequest in;
    while (stream->Read(&in)) {
      api::WatchRequest req = FromProto(in);
      // A message that sets no member is ignored, as etcd ignores it.
      if (!std::holds_alternative<std::monostate>(req)) {
        session->Submit(std::move(req));
      }
    }
    writer.join();
    session->Close();
    return grpc::Status::OK;
  }

 private:
  const Core& core_;
};

class AuthService final : public pb::Auth::Service {
 public:
  explicit AuthService(const Core& core) : core_(core) {}
#define CAIRN_AUTH_METHOD(Method, Req, Resp)                       \
  grpc::Status Method(grpc::ServerContext* ctx, const pb::Req* in, \
                      pb::Resp* out) override {                    \
    return Serve(core_, *ctx, *in, out);                           \
  }
  CAIRN_AUTH_METHOD(AuthEnable, AuthEnableRequest, AuthEnableResponse)
  CAIRN_AUTH_METHOD(AuthDisable, AuthDisableRequest, AuthDisableResponse)
  CAIRN_AUTH_METHOD(Authenticate, AuthenticateRequest, AuthenticateResponse)
  CAIRN_AUTH_METHOD(UserAdd, AuthUserAddRequest, AuthUserAddResponse)
  CAIRN_AUTH_METHOD(UserGet, AuthUserGetRequest, AuthUserGetResponse)
  CAIRN_AUTH_METHOD(UserList, AuthUserListRequest, AuthUserListResponse)
  CAIRN_AUTH_METHOD(UserDelete, AuthUserDeleteRequest, AuthUserDeleteResponse)
  CAIRN_AUTH_METHOD(UserChangePassword, AuthUserChangePasswordRequest,
                    AuthUserChangePasswordResponse)
  CAIRN_AUTH_METHOD(UserGrantRole, AuthUserGrantRoleRequest,
                    AuthUserGrantRoleResponse)
  CAIRN_AUTH_METHOD(UserRevokeRole, AuthUserRevokeRoleRequest,
                    AuthUserRevokeRoleResponse)
  CAIRN_AUTH_METHOD(RoleAdd, AuthRoleAddRequest, AuthRoleAddResponse)
  CAIRN_AUTH_METHOD(RoleGet, AuthRoleGetRequest, AuthRoleGetResponse)
  CAIRN_AUTH_METHOD(RoleList, AuthRoleListRequest, AuthRoleListResponse)
  CAIRN_AUTH_METHOD(RoleDelete, AuthRoleDeleteRequest, AuthRoleDeleteResponse)
  CAIRN_AUTH_METHOD(RoleGrantPermission, AuthRoleGrantPermissionRequest,
                    AuthRoleGrantPermissionResponse)
  CAIRN_AUTH_METHOD(RoleRevokePermission, AuthRoleRevokePermissionRequest,
                    AuthRoleRevokePermissionResponse)
#undef CAIRN_AUTH_METHOD

 private:
  const Core& core_;
};

std::atomic<JsonLogger*> grpc_log_target{nullptr};

void LogGrpcLine(gpr_log_func_args* args) {
  JsonLogger* logger = grpc_log_target.load();
  if (logger == nullptr) return;
  const LogLevel level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? LogLevel::kError
      : args->severity == GPR_LOG_SEVERITY_INFO ? LogLevel::kInfo
                                                : LogLevel::kDebug;
  if (!logger->Enabled(level)) return;
  logger->Log(level, args->message != nullptr ? args->message : "",
              {{"caller", std::string(args->file != nullptr ? args->file : "") +
                              ":" + std::to_string(args->line)}});
}

}  // namespace

void RouteGrpcLogs(JsonLogger* logger) {
  grpc_log_target.store(logger);
  gpr_set_log_function(&LogGrpcLine);
}

class GrpcServer::Services {
 public:
  explicit Services(GrpcHandlers handlers, const GrpcServerOptions& options)
      : kv(core),
        lease(core),
        cluster(core),
        maintenance(core),
        watch(core),
        auth(core) {
    core.unary = std::move(handlers.unary);
    core.unary_async = std::move(handlers.unary_async);
    if (!core.unary_async) {
      core.unary_async = [unary = core.unary](const api::GatewayRequest& req,
                                              const RequestAuth& who,
                                              GrpcAnswerFn done) {
        done(unary(req, who));
      };
    }
    core.finisher = &finisher;
    core.in_flight = &in_flight;
    core.watch = std::move(handlers.watch);
    core.snapshot = std::move(handlers.snapshot);
    core.max_request_bytes = options.max_request_bytes;
    core.max_watch_streams = options.max_watch_streams;
    core.watch_poll = options.watch_poll;
    core.cert_auth = !options.tls.Empty() && options.tls.client_cert_auth;
  }
  Finisher finisher;
  InFlight in_flight;
  Core core;  // set before serving, read-only after
  KvService kv;
  LeaseService lease;
  ClusterService cluster;
  MaintenanceService maintenance;
  WatchService watch;
  AuthService auth;
};

GrpcServer::GrpcServer() = default;

namespace {

Result<std::string> ReadPem(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return Status::IOError("open " + path + ": cannot read");
  }
  return text;
}

// Plain, or TLS with the client URLs' certificate, key and CA; with
// client_cert_auth a client must present a certificate the CA signed.
Result<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const TlsInfo& tls) {
  if (tls.Empty()) return grpc::InsecureServerCredentials();
  Result<std::string> cert = ReadPem(tls.cert_file);
  if (!cert.ok()) return cert.status();
  Result<std::string> key = ReadPem(tls.key_file);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions opts(
      tls.client_cert_auth
          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!tls.trusted_ca_file.empty()) {
    Result<std::string> ca = ReadPem(tls.trusted_ca_file);
    if (!ca.ok()) return ca.status();
    opts.pem_root_certs = ca.value();
  }
  opts.pem_key_cert_pairs.push_back({key.value(), cert.value()});
  return grpc::SslServerCredentials(opts);
}

}  // namespace

GrpcServer::~GrpcServer() { Stop(); }

Result<std::unique_ptr<GrpcServer>> GrpcServer::Build(const std::string& host,
                                                      int port,
                                                      GrpcServerOptions options,
                                                      GrpcHandlers handlers) {
  std::unique_ptr<GrpcServer> s(new GrpcServer());
  s->services_ = std::make_unique<Services>(std::move(handlers), options);
  grpc::ServerBuilder builder;
  if (host.empty()) {
    // Handed connections take the path of accepted ones (the server's
    // channel arguments and resource quota apply).
    // TLS ones do their handshake here, with the client URLs' files.
    constexpr auto kFromFd =
        grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD;
    s->acceptor_ = builder.experimental().AddExternalConnectionAcceptor(
        kFromFd, grpc::InsecureServerCredentials());
    if (!options.tls.Empty()) {
      Result<std::shared_ptr<grpc::ServerCredentials>> creds =
          Credentials(options.tls);
      if (!creds.ok()) return creds.status();
      s->tls_acceptor_ = builder.experimental().AddExternalConnectionAcceptor(
          kFromFd, creds.value());
    }
  } else {
    Result<std::shared_ptr<grpc::ServerCredentials>> creds =
        Credentials(options.tls);
    if (!creds.ok()) return creds.status();
    builder.AddListeningPort(host + ":" + std::to_string(port), creds.value(),
                             &s->port_);
  }
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(options.max_request_bytes + kGrpcOverheadBytes));
  builder.SetMaxSendMessageSize(-1);  // unbounded, as etcd's
  // gRPC would share a port another process listens on (SO_REUSEPORT):
  // a port in use must be an error, as for the other listeners.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  grpc::ResourceQuota quota("cairn-grpc");
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  builder.RegisterService(&s->services_->kv);
  builder.RegisterService(&s->services_->lease);
  builder.RegisterService(&s->services_->cluster);
  builder.RegisterService(&s->services_->maintenance);
  builder.RegisterService(&s->services_->watch);
  builder.RegisterService(&s->services_->auth);
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || (!host.empty() && s->port_ == 0)) {
    return Status::IOError("listen tcp " + host + ":" + std::to_string(port) +
                           ": cannot serve gRPC there");
  }
  return s;
}

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(const std::string& host,
                                                      int port,
                                                      GrpcServerOptions options,
                                                      GrpcHandlers handlers) {
  return Build(host, port, std::move(options), std::move(handlers));
}

Result<std::unique_ptr<GrpcServer>> GrpcServer::StartUnbound(
    GrpcServerOptions options, GrpcHandlers handlers) {
  return Build("", 0, std::move(options), std::move(handlers));
}

void GrpcServer::AcceptFd(int fd, bool tls) {
  std::lock_guard<std::mutex> lock(mu_);
  auto* acceptor = tls ? tls_acceptor_.get() : acceptor_.get();
  if (stopped_ || server_ == nullptr || acceptor == nullptr) {
    ::close(fd);
    return;
  }
  grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters p;
  p.fd = fd;
  acceptor->HandleNewConnection(&p);
}

void GrpcServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  if (server_ == nullptr) return;
  // KV calls handed to the host get a second for their answers, and those
  // answers a moment to reach their clients: gRPC closes a connection as
  // soon as its last call is finished, and a client that has not read its
  // answer by then gets "Connection reset by peer" instead (under load,
  // 2 of 40 runs of GrpcAsyncTest.StopWaitsForTheAnswersDue).
  if (services_->in_flight.Drain(std::chrono::seconds(1))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // Other calls in progress get a second to finish; then they are
  // canceled.
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  server_->Wait();
  server_.reset();
  // Every call is finished: none is left for the finisher.
  services_->finisher.Stop();
}

}  // namespace cairn::node
