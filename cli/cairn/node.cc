#include "cli/cairn/node.h"

#include <httplib.h>
#include <sys/stat.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/cairn/client_api.h"
#include "cli/cairn/election_advance.h"
#include "cli/cairn/grpc_server.h"
#include "cli/cairn/http_listener.h"
#include "cli/cairn/leader_forward.h"
#include "cli/cairn/member_identity.h"
#include "cli/cairn/metrics.h"
#include "cli/cairn/node_host.h"
#include "cli/cairn/node_metrics.h"
#include "cli/cairn/peer_transport.h"
#include "cli/cairn/snapshot_stream.h"
#include "cli/cairn/store_check.h"
#include "cli/cairn/tls.h"
#include "core/api/cluster_codec.h"
#include "core/api/gateway_error.h"
#include "core/auth/bcrypt_hasher.h"
#include "core/storage/leveldb_backend.h"
#include "core/storage/leveldb_raft_log_store.h"
#include "core/util/strings.h"

namespace cairn::node {

namespace {

constexpr char kVersion[] = "3.4.23";

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// Who this member is and whom it starts with.
struct Membership {
  MemberIdentity identity;
  std::vector<api::Member> founding;  // empty when joining
  std::vector<api::Member> fetched;   // a joining member's view
};

// The membership of a running cluster, from one of its members' GET
// /members (an encoded MemberListResponse), over TLS with `tls` for an
// https URL.
Result<api::MemberListResponse> FetchMembers(const std::string& peer_url,
                                             const TlsInfo& tls) {
  std::unique_ptr<httplib::Client> cli = MakeClient(peer_url, tls);
  cli->set_connection_timeout(std::chrono::seconds(2));
  cli->set_read_timeout(std::chrono::seconds(5));
  auto res = cli->Get("/members");
  if (!res) {
    std::string why = httplib::to_string(res.error());
    if (std::string v = ClientVerifyError(*cli); !v.empty()) why += ": " + v;
    return Status(Code::kUnavailable, why);
  }
  if (res->status != 200) {
    return Status(Code::kUnavailable,
                  "unexpected HTTP status " + std::to_string(res->status));
  }
  api::MemberListResponse out;
  nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status(Code::kUnavailable, "bad member list from " + peer_url);
  }
  auto id_of = [](const nlohmann::json& v) -> uint64_t {
    return v.is_string()
               ? std::strtoull(v.get<std::string>().c_str(), nullptr, 10)
               : 0;
  };
  out.header.cluster_id =
      id_of(j["header"].value("cluster_id", nlohmann::json()));
  for (const auto& m : j.value("members", nlohmann::json::array())) {
    api::Member mem;
    mem.id = id_of(m.value("ID", nlohmann::json()));
    mem.name = m.value("name", "");
    mem.peer_urls = m.value("peerURLs", std::vector<std::string>{});
    mem.is_learner = m.value("isLearner", false);
    out.members.push_back(std::move(mem));
  }
  return out;
}

Result<Membership> JoinExisting(const NodeConfig& cfg, JsonLogger& logger) {
  std::vector<std::string> mine = cfg.initial_advertise_peer_urls;
  std::sort(mine.begin(), mine.end());
  for (const PeerSpec& p : cfg.initial_cluster) {
    if (p.name == cfg.name) continue;
    for (const std::string& url : p.peer_urls) {
      Result<api::MemberListResponse> list = FetchMembers(url, cfg.peer_tls);
      if (!list.ok()) {
        logger.Warn("failed to get cluster response",
                    {{"address", url}, {"error", list.status().message()}});
        continue;
      }
      for (api::Member m : list.value().members) {
        std::sort(m.peer_urls.begin(), m.peer_urls.end());
        if (m.peer_urls == mine) {
          return Membership{
              .identity = {.member_id = m.id,
                           .cluster_id = list.value().header.cluster_id},
              .fetched = list.value().members};
        }
      }
      return Status(
          Code::kUnavailable,
          "error validating peerURLs: member " + cfg.name + " with peer URLs " +
              Join(mine) +
              " is not in the cluster (add it with member add first)");
    }
  }
  return Status(
      Code::kUnavailable,
      "cannot fetch cluster info from peer urls: could not retrieve cluster "
      "information from the given URLs");
}

Result<Membership> DecideMembership(const NodeConfig& cfg,
                                    const std::string& identity_path,
                                    JsonLogger& logger) {
  Result<std::optional<MemberIdentity>> stored = ReadIdentity(identity_path);
  if (!stored.ok()) return stored.status();
  Membership m;
  if (cfg.initial_cluster_state == ClusterState::kNew) {
    Result<std::vector<api::Member>> founding = FoundingMembers(cfg);
    if (!founding.ok()) return founding.status();
    m.founding = founding.value();
    std::vector<uint64_t> ids;
    for (const api::Member& f : m.founding) {
      ids.push_back(f.id);
      if (f.name == cfg.name) m.identity.member_id = f.id;
    }
    m.identity.cluster_id = EtcdClusterId(ids);
  }
  if (stored.value().has_value()) {
    m.identity = *stored.value();  // a restart: the flags no longer count
    if (cfg.initial_cluster_state == ClusterState::kExisting) {
      // A joiner that stopped before its first snapshot still needs its
      // peers; best effort, the stored membership wins once there.
      Result<Membership> joined = JoinExisting(cfg, logger);
      if (joined.ok()) m.fetched = joined.value().fetched;
    }
    return m;
  }
  if (cfg.initial_cluster_state == ClusterState::kExisting) {
    Result<Membership> joined = JoinExisting(cfg, logger);
    if (!joined.ok()) return joined.status();
    m = joined.value();
  }
  if (Status s = WriteIdentity(identity_path, m.identity); !s.ok()) return s;
  return m;
}

server::Config ServerConfig(const NodeConfig& cfg, const Membership& m) {
  server::Config sc;
  sc.member_id = m.identity.member_id;
  sc.cluster_id = m.identity.cluster_id;
  sc.initial_members = m.founding;
  sc.name = cfg.name;
  sc.client_urls = cfg.advertise_client_urls;
  sc.tick_ms = static_cast<int64_t>(cfg.tick_ms);
  sc.election_ticks = cfg.election_ticks;
  sc.heartbeat_ticks = cfg.heartbeat_ticks;
  sc.snapshot_count = cfg.snapshot_count;
  // etcd: 5 s plus two election timeouts.
  sc.request_timeout_ms =
      5000 + 2 * static_cast<int64_t>(cfg.election_timeout_ms);
  sc.quota_bytes =
      cfg.quota_backend_bytes > 0 ? cfg.quota_backend_bytes : int64_t{2} << 30;
  sc.lessor.min_ttl_s = lease::MinTtlSeconds(
      cfg.election_ticks, static_cast<int64_t>(cfg.heartbeat_interval_ms));
  sc.lessor.id_seed = m.identity.cluster_id;
  sc.lessor.expired_retry_interval_ms = sc.request_timeout_ms;
  sc.auth_token_ttl_ms = static_cast<int64_t>(cfg.auth_token_ttl_s) * 1000;
  return sc;
}

}  // namespace

struct Node::Parts {
  JsonLogger* logger = nullptr;
  std::unique_ptr<auth::BcryptHasher> hasher;
  MetricsRegistry registry;
  std::unique_ptr<NodeMetrics> metrics;
  std::unique_ptr<PeerTransport> transport;
  std::unique_ptr<NodeHost> host;
  std::unique_ptr<ClientApi> client_api;
  std::vector<std::unique_ptr<HttpListener>> peer_listeners;
  std::vector<std::unique_ptr<HttpListener>> client_listeners;
  std::vector<std::unique_ptr<GrpcServer>> grpc_servers;
  std::unique_ptr<ElectionAdvance> election_advance;
};

namespace {

// etcd's lines about the TLS set-up of one kind of URL ("peer" or
// "client").
void LogTls(JsonLogger& logger, const char* kind,
            const std::vector<std::string>& urls, const TlsInfo& tls) {
  if (!tls.Empty()) {
    logger.Info(
        std::string("starting with ") + kind + " TLS",
        {{"tls-info", "cert = " + tls.cert_file + ", key = " + tls.key_file +
                          ", trusted-ca = " + tls.trusted_ca_file +
                          ", client-cert-auth = " +
                          (tls.client_cert_auth ? "true" : "false")}});
  }
  const std::string field = std::string(kind) + "-url";
  for (const std::string& url : urls) {
    if (url.rfind("http://", 0) != 0) continue;
    if (!tls.Empty()) {
      logger.Warn(
          "scheme is HTTP while key and cert files are present; ignoring "
          "key and cert files",
          {{field, url}});
    }
    if (tls.client_cert_auth) {
      logger.Warn(
          std::string("scheme is HTTP while --") +
              (std::string_view(kind) == "peer" ? "peer-" : "") +
              "client-cert-auth is enabled; ignoring client cert auth for "
              "this URL",
          {{field, url}});
    }
  }
}

// One listener per URL; https URLs serve TLS with `tls`.
Status Listen(std::vector<std::unique_ptr<HttpListener>>& out,
              const std::vector<std::string>& urls, const TlsInfo& tls,
              JsonLogger& logger,
              const std::function<void(HttpListener&)>& register_fn) {
  for (const std::string& url : urls) {
    Result<ListenAddress> addr = ParseListenUrl(url);
    if (!addr.ok()) return addr.status();
    std::unique_ptr<HttpListener> l;
    if (addr.value().tls) {
      Result<std::unique_ptr<HttpListener>> made =
          HttpListener::Tls(tls, &logger);
      if (!made.ok()) return made.status();
      l = std::move(made).value();
    } else {
      l = std::make_unique<HttpListener>();
    }
    register_fn(*l);
    Result<int> port = l->Start(addr.value().host, addr.value().port);
    if (!port.ok()) return port.status();
    out.push_back(std::move(l));
  }
  return Status::Ok();
}

// Fast-forwards the first election once enough peers answer (or at once
// for a lone voter), logged as etcd logs it.
std::unique_ptr<ElectionAdvance> StartElectionAdvance(const NodeConfig& cfg,
                                                      NodeHost& host,
                                                      PeerTransport& transport,
                                                      JsonLogger& logger) {
  ElectionAdvanceHooks hooks;
  hooks.peers_needed = [&host]() -> size_t {
    size_t voters = 0;
    bool voter = false;
    for (const api::Member& m : host.Members()) {
      if (m.is_learner) continue;
      voters++;
      voter = voter || m.id == host.member_id();
    }
    // Not yet known, or a learner (which never campaigns): never enough.
    if (!voter) return SIZE_MAX;
    return voters / 2;
  };
  hooks.peers_answering = [&transport](std::chrono::milliseconds timeout) {
    return transport.CountReachable(timeout);
  };
  const uint64_t tick_ms = cfg.tick_ms;
  const int election_ticks = cfg.election_ticks;
  hooks.advance = [&host, &logger, tick_ms, election_ticks](int ticks,
                                                            size_t peers) {
    host.AdvanceTicks(ticks);
    JsonLogger::Fields f = {
        {"local-member-id", MemberIdHex(host.member_id())},
        {"forward-ticks", ticks},
        {"forward-duration", std::to_string(ticks * tick_ms) + "ms"},
        {"election-ticks", election_ticks},
        {"election-timeout", std::to_string(election_ticks * tick_ms) + "ms"}};
    if (peers == 0) {
      logger.Info("started as single-node; fast-forwarding election ticks", f);
      return;
    }
    f["active-remote-members"] = peers;
    logger.Info("initialized peer connections; fast-forwarding election ticks",
                f);
  };
  return std::make_unique<ElectionAdvance>(
      ElectionAdvanceOptions{.election_ticks = election_ticks},
      std::move(hooks));
}

void RegisterPeerRoutes(httplib::Server& srv, NodeHost& host) {
  srv.Get("/members", [&host](const httplib::Request&, httplib::Response& res) {
    api::MemberListResponse list;
    list.header.cluster_id = host.cluster_id();
    list.header.member_id = host.member_id();
    list.members = host.Members();
    res.set_content(api::EncodeMemberListResponse(list), "application/json");
  });
}

// The line source of one snapshot stream, logging its start and end as
// etcd does.
std::function<std::optional<std::string>()> SnapshotSource(NodeHost& host,
                                                           JsonLogger& logger) {
  auto stream = std::make_shared<SnapshotStream>(host.OpenSnapshotView());
  return [stream, &logger, started = false]() mutable {
    std::optional<std::string> line = stream->Next();
    if (!started) {
      started = true;
      logger.Info("sending database snapshot to client",
                  {{"total-bytes", stream->total_bytes()}});
    }
    if (!line.has_value()) {
      logger.Info("sent database snapshot to client",
                  {{"total-bytes", stream->total_bytes()}});
    }
    return line;
  };
}

// The chunk source of one gRPC snapshot stream, logged as SnapshotSource.
SnapshotChunkSource SnapshotChunks(NodeHost& host, JsonLogger& logger) {
  auto stream = std::make_shared<SnapshotStream>(host.OpenSnapshotView());
  return [stream, &logger, started = false]() mutable {
    Result<std::optional<SnapshotStream::Chunk>> chunk = stream->NextChunk();
    if (!started) {
      started = true;
      logger.Info("sending database snapshot to client",
                  {{"total-bytes", stream->total_bytes()}});
    }
    if (chunk.ok() && !chunk.value().has_value()) {
      logger.Info("sent database snapshot to client",
                  {{"total-bytes", stream->total_bytes()}});
    }
    return chunk;
  };
}

ClientApiHandlers MakeHandlers(NodeHost& host, const MetricsRegistry& reg,
                               JsonLogger& logger, const TlsInfo& client_tls) {
  ClientApiHandlers h;
  h.snapshot = [&host, &logger](const RequestAuth&) {
    return SnapshotSource(host, logger);
  };
  h.snapshot_auth = [&host](const RequestAuth& auth) {
    return host.CheckMaintenance(auth);
  };
  h.unary = [&host, client_tls](
                const api::GatewayRequest& req,
                const RequestAuth& auth) -> Result<std::string> {
    UnaryAnswer a = host.Call(req, {}, auth);
    if (!a.forward_url.empty()) {
      return ForwardToLeader(a.forward_url, req, auth.token, client_tls);
    }
    if (!a.answer.ok()) return a.answer.status();
    return EncodeGatewayJson(a.answer.value());
  };
  h.unary_async =
      [&host, client_tls](
          const api::GatewayRequest& req, const RequestAuth& auth,
          std::function<void(ClientApiHandlers::UnaryResult, bool)> done) {
        host.CallAsync(req, auth,
                       [done = std::move(done), req, token = auth.token,
                        client_tls](UnaryAnswer a) mutable {
                         // Encoding a small answer costs less than waking a
                         // thread for it; a large one (or a forward) is left to
                         // the front end's.
                         const bool cheap = a.forward_url.empty() &&
                                            (!a.answer.ok() ||
                                             KeyValueBytes(a.answer.value()) <=
                                                 kCheapAnswerBytes);
                         done(
                             [a = std::move(a), req = std::move(req),
                              token = std::move(token),
                              client_tls]() -> Result<std::string> {
                               if (!a.forward_url.empty()) {
                                 return ForwardToLeader(a.forward_url, req,
                                                        token, client_tls);
                               }
                               if (!a.answer.ok()) return a.answer.status();
                               return EncodeGatewayJson(a.answer.value());
                             },
                             cheap);
                       });
      };
  h.watch = [&host](std::vector<api::WatchRequest> reqs,
                    const RequestAuth& auth) {
    return host.OpenWatch(std::move(reqs), auth);
  };
  h.healthy = [&host] { return host.has_leader(); };
  h.metrics = &reg;
  return h;
}

// The gRPC front end's handlers: the gateway's paths, typed.
GrpcHandlers MakeGrpcHandlers(NodeHost& host, JsonLogger& logger,
                              const TlsInfo& client_tls) {
  GrpcHandlers h;
  h.unary = [&host, client_tls](const api::GatewayRequest& req,
                                const RequestAuth& auth) -> Result<HostAnswer> {
    UnaryAnswer a = host.Call(req, {}, auth);
    if (a.forward_url.empty()) return std::move(a.answer);
    Result<std::string> body =
        ForwardToLeader(a.forward_url, req, auth.token, client_tls);
    if (!body.ok()) return body.status();
    return DecodeForwardedAnswer(req, body.value());
  };
  h.unary_async = [&host](const api::GatewayRequest& req,
                          const RequestAuth& auth, GrpcAnswerFn done) {
    host.CallAsync(req, auth, [done = std::move(done)](UnaryAnswer a) {
      // The KV calls are never forwarded (LeaderOnly in node_host.cc).
      if (!a.forward_url.empty()) {
        done(Status(Code::kUnavailable, "request cannot be forwarded here"));
        return;
      }
      done(std::move(a.answer));
    });
  };
  h.watch = [&host](const RequestAuth& auth, WatchEncoder encode) {
    return host.OpenWatch({}, auth, std::move(encode));
  };
  h.snapshot =
      [&host, &logger](const RequestAuth& auth) -> Result<SnapshotChunkSource> {
    Status s = host.CheckMaintenance(auth);
    if (!s.ok()) return s;
    return SnapshotChunks(host, logger);
  };
  return h;
}

// One gRPC server per --listen-grpc-urls URL (https:// ones with the
// client TLS files).
Status ListenGrpc(std::vector<std::unique_ptr<GrpcServer>>& out,
                  const NodeConfig& cfg, NodeHost& host, JsonLogger& logger) {
  for (const std::string& url : cfg.listen_grpc_urls) {
    Result<ListenAddress> addr = ParseListenUrl(url);
    if (!addr.ok()) return addr.status();
    GrpcServerOptions options{.max_request_bytes = cfg.max_request_bytes};
    if (addr.value().tls) options.tls = cfg.client_tls;
    Result<std::unique_ptr<GrpcServer>> server =
        GrpcServer::Start(addr.value().host, addr.value().port, options,
                          MakeGrpcHandlers(host, logger, cfg.client_tls));
    if (!server.ok()) return server.status();
    out.push_back(std::move(server).value());
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Node>> Node::Start(const NodeConfig& cfg,
                                          JsonLogger& logger) {
  // The files first, as etcd loads them while setting up its listeners
  // (peer ones first), before anything is written.
  if (Status s = CheckTlsFiles(cfg.peer_tls); !s.ok()) return s;
  if (Status s = CheckTlsFiles(cfg.client_tls); !s.ok()) return s;
  LogTls(logger, "peer", cfg.listen_peer_urls, cfg.peer_tls);
  LogTls(logger, "client", cfg.listen_client_urls, cfg.client_tls);
  const std::string member_dir = cfg.data_dir + "/member";
  if (::mkdir(member_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IOError("cannot access data directory: " + member_dir);
  }
  Result<Membership> m =
      DecideMembership(cfg, member_dir + "/identity", logger);
  if (!m.ok()) return m.status();
  Result<Stores> stores = OpenStores(member_dir);
  if (!stores.ok()) return stores.status();
  logger.Info("starting member",
              {{"member-id", MemberIdHex(m.value().identity.member_id)},
               {"cluster-id", MemberIdHex(m.value().identity.cluster_id)}});

  auto p = std::make_unique<Parts>();
  Parts* parts = p.get();  // stable: the callbacks outlive nothing in it
  p->logger = &logger;
  p->hasher = std::make_unique<auth::BcryptHasher>(cfg.bcrypt_cost);
  p->metrics = std::make_unique<NodeMetrics>(
      p->registry, m.value().identity.member_id, kVersion);
  PeerTransport::Callbacks cb;
  cb.deliver = [parts](std::vector<raft::Message> msgs) {
    parts->host->Deliver(std::move(msgs));
  };
  cb.unreachable = [parts](uint64_t peer) {
    parts->host->ReportUnreachable(peer);
  };
  cb.snapshot_status = [parts](uint64_t peer, bool ok) {
    parts->host->ReportSnapshot(peer, ok);
  };
  cb.is_removed = [parts](uint64_t peer) {
    return parts->host->WasRemoved(peer);
  };
  cb.removed_self = [parts] { parts->host->ReportRemovedSelf(); };
  cb.adopt_stream = [parts](std::unique_ptr<PeerStreamReader> stream) {
    parts->host->AdoptStream(std::move(stream));
  };
  Result<std::unique_ptr<LoopPoller>> poller = LoopPoller::Create();
  if (!poller.ok()) return poller.status();
  p->transport = std::make_unique<PeerTransport>(
      PeerTransportOptions{.local_id = m.value().identity.member_id,
                           .cluster_id = m.value().identity.cluster_id,
                           .max_receive_bytes = std::max<size_t>(
                               64 << 20, 4 * cfg.max_request_bytes),
                           .tls = cfg.peer_tls},
      std::move(cb), p->metrics.get(), &logger);
  server::Config sc = ServerConfig(cfg, m.value());
  sc.password_hasher = p->hasher.get();
  p->host = std::make_unique<NodeHost>(
      NodeHostOptions{.server = sc,
                      .known_members = m.value().fetched,
                      .compaction_mode = cfg.auto_compaction_mode,
                      .compaction_retention = cfg.auto_compaction_retention,
                      .password_hasher = p->hasher.get(),
                      .data_dir = member_dir,
                      .disk_reserve_bytes = cfg.disk_reserve_bytes},
      std::move(stores.value().log), std::move(stores.value().backend),
      *p->transport, logger, p->metrics.get(), std::move(poller).value());
  Status s = Listen(p->peer_listeners, cfg.listen_peer_urls, cfg.peer_tls,
                    logger, [parts](HttpListener& l) {
                      parts->transport->RegisterHandlers(l.server());
                      // Plain peer streams are read by the host loop.
                      if (!l.tls()) {
                        l.set_plain_handoff(parts->transport->StreamHandoff());
                      }
                      RegisterPeerRoutes(l.server(), *parts->host);
                    });
  if (!s.ok()) return s;
  p->host->Start();
  if (cfg.initial_election_tick_advance) {
    p->election_advance =
        StartElectionAdvance(cfg, *p->host, *p->transport, logger);
  }
  p->client_api = std::make_unique<ClientApi>(
      ClientApiOptions{.max_request_bytes = cfg.max_request_bytes,
                       .server_version = kVersion},
      MakeHandlers(*p->host, p->registry, logger, cfg.client_tls));
  // gRPC on the client port: connections that speak HTTP/2 only go to a
  // gRPC server listening nowhere of its own (TLS ones before their
  // handshake, which it does with the client URLs' files).
  GrpcServerOptions fed_options{.max_request_bytes = cfg.max_request_bytes};
  fed_options.tls = cfg.client_tls;  // used by https:// listeners only
  Result<std::unique_ptr<GrpcServer>> fed = GrpcServer::StartUnbound(
      fed_options, MakeGrpcHandlers(*p->host, logger, cfg.client_tls));
  if (!fed.ok()) return fed.status();
  p->grpc_servers.push_back(std::move(fed).value());
  s = Listen(p->client_listeners, cfg.listen_client_urls, cfg.client_tls,
             logger,
             [parts, grpc = parts->grpc_servers.back().get()](HttpListener& l) {
               parts->client_api->RegisterHandlers(l.server());
               l.set_http2_handoff(
                   [grpc, tls = l.tls()](int fd) { grpc->AcceptFd(fd, tls); });
             });
  if (!s.ok()) return s;
  logger.Info("serving client requests",
              {{"listen-client-urls", Join(cfg.listen_client_urls)}});
  s = ListenGrpc(p->grpc_servers, cfg, *p->host, logger);
  if (!s.ok()) return s;
  if (!cfg.listen_grpc_urls.empty()) {
    logger.Info("serving client requests over gRPC",
                {{"listen-grpc-urls", Join(cfg.listen_grpc_urls)}});
  }
  return std::unique_ptr<Node>(new Node(std::move(p)));
}

Node::Node(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Node::~Node() {
  if (parts_ == nullptr) return;
  // Clients first (their handlers wait on the loop), then the loop, then
  // the peers (the loop sends through the transport).
  for (auto& l : parts_->client_listeners) l->Stop();
  for (auto& g : parts_->grpc_servers) g->Stop();
  parts_->election_advance.reset();
  parts_->host->Stop();
  parts_->transport->StopReceiving();
  for (auto& l : parts_->peer_listeners) l->Stop();
  parts_->transport.reset();
}

void Node::Shutdown(std::chrono::milliseconds grace) {
  // Stops accepting client connections; requests already in handlers
  // finish while the loop still runs.
  std::thread clients([this] {
    for (auto& l : parts_->client_listeners) l->Stop();
    for (auto& g : parts_->grpc_servers) g->Stop();
  });
  parts_->host->Shutdown(grace);
  clients.join();
}

bool Node::WaitRemoved(std::chrono::milliseconds timeout) {
  return parts_->host->WaitStopped(timeout) && parts_->host->removed();
}

}  // namespace cairn::node
