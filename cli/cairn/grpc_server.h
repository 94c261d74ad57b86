// GrpcServer: the node's gRPC front end, etcd 3.4's v3 API over gRPC
// (cli/cairn/grpc/proto) for stock etcd clients such as etcdctl 3.4. It is
// a thin adapter, as the JSON gateway (client_api.h) is: each call's
// message is converted to the api::GatewayRequest the gateway would have
// decoded (grpc_convert.h), checked against --max-request-bytes as the
// gateway checks it, handed to the same unary handler, and the typed
// answer converted back; errors become etcd's gRPC status codes and
// messages (api::ToGatewayError's mapping). The token of an
// authenticated client comes from the call's "token" metadata, as etcd
// reads it.
//
// Served: every unary method of KV, Lease, Cluster, Maintenance and Auth;
// the streams Watch (through the same watch sessions as the gateway's
// /v3/watch: requests go to WatchSession::Submit, the responses come back
// encoded as etcdserverpb.WatchResponse by grpc_convert's ToProto) and
// LeaseKeepAlive (each request served as the gateway's unary
// /v3/lease/keepalive, forwarded to the leader by the handler), and
// Maintenance.Snapshot (the chunks of the gateway's snapshot stream).
// It listens on its own address (--listen-grpc-urls), or is fed the
// connections that reach a client listener, plain or TLS, speaking HTTP/2
// (AcceptFd; GuardedServer::set_http2_handoff), so that, as with etcd,
// the client port serves both; over TLS the hand-off comes before the
// handshake (client_hello.h), which gRPC does. Its own address may serve
// TLS too (GrpcServerOptions::tls).
//
// Edge code. Threads: the KV calls use gRPC's callback API: a call is
// handed to GrpcHandlers::unary_async and its thread moves on; the
// answer is converted and sent by the thread that has it when it is
// small (KeyValueBytes up to 16 KiB), else by the server's own finisher
// thread, so that a large answer never holds up the node's host loop.
// Every other call runs on one of gRPC's synchronous server threads (at
// most GrpcServerOptions::max_threads at once; beyond that a call fails
// with RESOURCE_EXHAUSTED), which blocks in the handler until the answer
// is known; a watch stream holds that thread (reading
// requests) and one more of its own (writing responses) while it lasts,
// and at most max_watch_streams are open at once. The handlers must be
// thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cli/cairn/client_api.h"
#include "cli/cairn/host_answer.h"
#include "cli/cairn/snapshot_stream.h"
#include "cli/cairn/tls.h"
#include "cli/cairn/watch_session.h"
#include "core/api/requests.h"
#include "core/util/result.h"

namespace grpc {
class Server;
namespace experimental {
class ExternalConnectionAcceptor;
}
}  // namespace grpc

namespace cairn::node {

struct GrpcServerOptions {
  size_t max_request_bytes = 1572864;  // --max-request-bytes
  // Calls served at once (each holds a thread while its answer is due).
  int max_threads = 512;
  // Watch streams open at once (each holds two threads); over the bound
  // a new stream fails with UNAVAILABLE "too many watch streams", as the
  // gateway's /v3/watch answers 503.
  size_t max_watch_streams = 128;
  // How long a watch stream's writer waits for responses before checking
  // whether the call is over.
  std::chrono::milliseconds watch_poll{200};
  // TLS for Start's address, or for the connections AcceptFd is given
  // with `tls` (its certificate, key, trusted CA and client_cert_auth, as
  // the client URLs'); empty: plain. With
  // client_cert_auth the verified certificate's CN is the user of a call
  // without a token.
  TlsInfo tls;
};

// Serves one decoded request, blocking until it is answered (the node's:
// NodeHost::Call, forwarding a leader-only request to the leader).
using GrpcUnaryHandler = std::function<Result<HostAnswer>(
    const api::GatewayRequest& req, const RequestAuth& auth)>;

// Opens a watch stream (no requests yet) whose responses `encode` turns
// into queued messages (the node's: NodeHost::OpenWatch).
using GrpcWatchHandler = std::function<std::shared_ptr<QueueWatchSession>(
    const RequestAuth& auth, WatchEncoder encode)>;

// The chunks of one snapshot: each call gives the next, nullopt at the
// end, or the error that ends the stream.
using SnapshotChunkSource =
    std::function<Result<std::optional<SnapshotStream::Chunk>>()>;
// Opens a snapshot stream for `auth`, or refuses it (etcd: role root when
// auth is on).
using GrpcSnapshotHandler =
    std::function<Result<SnapshotChunkSource>(const RequestAuth& auth)>;

// Serves one decoded request without blocking: `done` is called once
// with the answer, on whichever thread has it (the node's: the host
// loop's, NodeHost::CallAsync). Only for requests no member forwards to
// its leader (the KV calls).
using GrpcAnswerFn = std::function<void(Result<HostAnswer>)>;
using GrpcUnaryAsyncHandler =
    std::function<void(const api::GatewayRequest& req, const RequestAuth& auth,
                       GrpcAnswerFn done)>;

struct GrpcHandlers {
  GrpcUnaryHandler unary;  // required
  // The KV calls (Range, Put, DeleteRange, Txn, Compact); empty: `unary`,
  // on one of gRPC's threads.
  GrpcUnaryAsyncHandler unary_async;
  GrpcWatchHandler watch;        // empty: Watch answers UNIMPLEMENTED
  GrpcSnapshotHandler snapshot;  // empty: Snapshot answers UNIMPLEMENTED
};

class JsonLogger;

// Sends gRPC's own log lines (such as why it cannot bind a port) to
// `logger` as JSON records at their level, with gRPC's source file and
// line as "caller", instead of gRPC's own format on stderr; null: drops
// them. Process-wide, as gRPC's log hook is: the binary calls it once,
// with a logger that is never destroyed (gRPC's threads may log until
// the process ends).
void RouteGrpcLogs(JsonLogger* logger);

class GrpcServer {
 public:
  // Listens on host:port (port 0: a free one) and starts serving.
  // Errors: kIOError when the address cannot be bound or a TLS file
  // cannot be read.
  static Result<std::unique_ptr<GrpcServer>> Start(const std::string& host,
                                                   int port,
                                                   GrpcServerOptions options,
                                                   GrpcHandlers handlers);
  // Listens nowhere: serves the connections given to AcceptFd.
  static Result<std::unique_ptr<GrpcServer>> StartUnbound(
      GrpcServerOptions options, GrpcHandlers handlers);
  ~GrpcServer();  // Stop()
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // The port it listens on (0 when unbound).
  int port() const { return port_; }
  // Serves the connected socket `fd` (whose peer is to send HTTP/2's
  // preface first, or with `tls` its TLS ClientHello), which it takes;
  // closes it once stopped, or when `tls` and the server has no TLS
  // options. Thread-safe.
  void AcceptFd(int fd, bool tls = false);
  // Stops accepting calls, waits for the calls in progress (their
  // handlers must return: stop the server before the host loop), and
  // stops. Idempotent.
  void Stop();

 private:
  class Services;
  GrpcServer();
  // Builds and starts the server; `host` empty: unbound.
  static Result<std::unique_ptr<GrpcServer>> Build(const std::string& host,
                                                   int port,
                                                   GrpcServerOptions options,
                                                   GrpcHandlers handlers);

  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  // Unbound: where AcceptFd hands plain connections, and TLS ones (when
  // the options have TLS).
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> tls_acceptor_;
  int port_ = 0;
  std::mutex mu_;         // orders AcceptFd before Stop
  bool stopped_ = false;  // guarded by mu_
};

}  // namespace cairn::node
