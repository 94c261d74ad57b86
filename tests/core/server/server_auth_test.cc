// Auth end to end through Servers: auth calls replicated through the log
// (a token issued through one member works on the other), permission
// checks on reads, writes, txns and watches with etcd's errors, tokens
// invalidated by a password change, the auth state surviving a snapshot
// install on a new member and a restart; and the log encoding of auth
// entries (old entries without auth info still decode).
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "core/auth/password_hasher.h"
#include "core/server/entry_codec.h"
#include "core/server/server.h"
#include "core/storage/memory_backend.h"
#include "tests/core/server/cluster_env.h"

namespace cairn::server {
namespace {

// Deterministic and cheap: "fake:" + password.
class FakeHasher : public auth::PasswordHasher {
 public:
  Result<std::string> Hash(std::string_view pw) const override {
    return "fake:" + std::string(pw);
  }
  bool Verify(std::string_view pw, std::string_view hash) const override {
    return auth::ConstantTimeEqual("fake:" + std::string(pw), hash);
  }
};

struct Member {
  uint64_t id = 0;
  MemoryLogStore log;
  storage::MemoryBackend backend;
  QueueTransport transport;
  NullLogger logger;
  std::unique_ptr<Random> random;
  std::unique_ptr<Server> server;
  uint64_t starts = 0;
};

class AuthCluster {
 public:
  explicit AuthCluster(int n) {
    for (int i = 1; i <= n; i++) {
      auto m = std::make_unique<Member>();
      m->id = i;
      members_.push_back(std::move(m));
    }
    for (auto& m : members_) {
      config_.initial_members.push_back(
          {.id = m->id, .peer_urls = {"http://m" + std::to_string(m->id)}});
    }
    for (auto& m : members_) Start(*m);
    members_[0]->server->Campaign();
    Run();
  }

  void Start(Member& m, bool founder = true) {
    Config c = config_;
    c.member_id = m.id;
    if (!founder) c.initial_members.clear();
    // A new seed for each start, as a real host's OS entropy is.
    m.random = std::make_unique<Random>(m.id * 77 + m.starts++);
    m.server = std::make_unique<Server>(c, m.log, m.backend, m.transport,
                                        m.logger, *m.random);
    m.server->Tick(now_ms_);
  }

  // Processes and delivers until quiet, advancing time a little.
  void Run(int rounds = 60) {
    for (int r = 0; r < rounds; r++) {
      now_ms_ += 10;
      for (auto& m : members_) {
        if (m->server == nullptr) continue;
        m->server->Tick(now_ms_);
        m->server->Process();
      }
      for (auto& m : members_) {
        std::vector<raft::Message> msgs = std::move(m->transport.out);
        m->transport.out.clear();
        for (const raft::Message& msg : msgs) {
          Member* to = Find(msg.to);
          if (to != nullptr && to->server != nullptr) to->server->Step(msg);
        }
      }
    }
  }

  Result<Response> Call(int member, Request req, const std::string& tok = "") {
    return CallAs(member, std::move(req), {.token = tok});
  }

  Result<Response> CallAs(int member, Request req,
                          const auth::Credentials& who) {
    Server& s = *members_[member]->server;
    const uint64_t t = next_token_++;
    s.Submit(t, std::move(req), who);
    for (int i = 0; i < 200; i++) {
      for (auto& m : members_) {
        if (m->server == nullptr) continue;
        for (ClientResponse& r : m->server->TakeResponses()) {
          if (r.client_token == t) return std::move(r.result);
        }
      }
      Run(1);
    }
    return Status(Code::kTimeout, "no answer");
  }

  std::string Token(int member, const std::string& name,
                    const std::string& pw) {
    Result<Response> r =
        Call(member, api::AuthenticateRequest{.name = name, .password = pw});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "";
    return std::get<api::AuthenticateResponse>(r.value()).token;
  }

  Member* Find(uint64_t id) {
    for (auto& m : members_) {
      if (m->id == id) return m.get();
    }
    return nullptr;
  }
  Member& at(int i) { return *members_[i]; }
  void Add(std::unique_ptr<Member> m) { members_.push_back(std::move(m)); }
  Config& config() { return config_; }
  const FakeHasher& hasher() const { return hasher_; }

 private:
  FakeHasher hasher_;
  Config config_ = [this] {
    Config c;
    c.cluster_id = 0xa1;
    c.tick_ms = 10;
    c.election_ticks = 10;
    c.snapshot_count = 1000;
    c.password_hasher = &hasher_;
    return c;
  }();
  int64_t now_ms_ = 0;
  uint64_t next_token_ = 1;
  std::vector<std::unique_ptr<Member>> members_;
};

Status StatusOf(const Result<Response>& r) { return r.status(); }

// root/rootpw (role root); alice/pw with role r: READ on prefix /foo,
// WRITE on "a"; auth enabled. Calls go to member 0 (the leader).
void SetUpAuth(AuthCluster& c) {
  ASSERT_TRUE(
      c.Call(0, api::AuthUserAddRequest{.name = "root", .password = "rootpw"})
          .ok());
  ASSERT_TRUE(
      c.Call(0, api::AuthUserGrantRoleRequest{.user = "root", .role = "root"})
          .ok());
  ASSERT_TRUE(c.Call(0, api::AuthRoleAddRequest{.name = "r"}).ok());
  api::AuthRoleGrantPermissionRequest g{.name = "r", .has_perm = true};
  g.perm = {.perm_type = api::Permission::Type::kRead,
            .key = "/foo",
            .range_end = "/fop"};
  ASSERT_TRUE(c.Call(0, g).ok());
  g.perm = {.perm_type = api::Permission::Type::kWrite, .key = "a"};
  ASSERT_TRUE(c.Call(0, g).ok());
  ASSERT_TRUE(
      c.Call(0, api::AuthUserAddRequest{.name = "alice", .password = "pw"})
          .ok());
  ASSERT_TRUE(
      c.Call(0, api::AuthUserGrantRoleRequest{.user = "alice", .role = "r"})
          .ok());
  ASSERT_TRUE(c.Call(0, api::AuthEnableRequest{}).ok());
  c.Run(20);  // the followers apply it too
}

TEST(ServerAuthTest, EnableNeedsRoot) {
  AuthCluster c(1);
  EXPECT_EQ(StatusOf(c.Call(0, api::AuthEnableRequest{})),
            auth::ErrRootUserNotExist());
  EXPECT_EQ(StatusOf(c.Call(0, api::AuthenticateRequest{.name = "root"})),
            auth::ErrAuthNotEnabled());
  EXPECT_EQ(StatusOf(c.Call(0, api::AuthUserAddRequest{.name = ""})),
            auth::ErrUserEmpty());
  // The log holds the hash only.
  ASSERT_TRUE(
      c.Call(0, api::AuthUserAddRequest{.name = "root", .password = "s3cret"})
          .ok());
  EXPECT_EQ(c.at(0).server->state().auth().FindUser("root")->password_hash,
            "fake:s3cret");
  EXPECT_EQ(StatusOf(c.Call(0, api::AuthEnableRequest{})),
            auth::ErrRootRoleNotExist());
}

TEST(ServerAuthTest, TokensAndPermissionsAcrossMembers) {
  AuthCluster c(2);
  SetUpAuth(c);
  EXPECT_EQ(StatusOf(c.Call(1, api::AuthenticateRequest{.name = "alice",
                                                        .password = "no"})),
            auth::ErrAuthFailed());
  EXPECT_EQ(StatusOf(c.Call(
                1, api::AuthenticateRequest{.name = "bob", .password = "pw"})),
            auth::ErrAuthFailed());
  // Issued through the follower, accepted by the leader too.
  const std::string alice = c.Token(1, "alice", "pw");
  c.Run(20);  // a token works on a member once it applied its entry
  ASSERT_NE(alice.find('.'), std::string::npos);
  EXPECT_EQ(alice.find('.'), 16u);
  const std::string root = c.Token(0, "root", "rootpw");
  for (int m : {0, 1}) {
    EXPECT_TRUE(c.Call(m, mvcc::RangeRequest{.key = "/foo/x"}, alice).ok());
    EXPECT_TRUE(
        c.Call(m, mvcc::RangeRequest{.key = "/foo/x", .serializable = true},
               alice)
            .ok());
    EXPECT_EQ(StatusOf(c.Call(m, mvcc::RangeRequest{.key = "a"}, alice)),
              auth::ErrPermissionDenied());
  }
  EXPECT_TRUE(
      c.Call(0, mvcc::PutRequest{.key = "a", .value = "1"}, alice).ok());
  EXPECT_EQ(StatusOf(c.Call(1, mvcc::PutRequest{.key = "/foo/x"}, alice)),
            auth::ErrPermissionDenied());
  EXPECT_EQ(
      StatusOf(c.Call(0, mvcc::PutRequest{.key = "a", .prev_kv = true}, alice)),
      auth::ErrPermissionDenied());
  EXPECT_EQ(StatusOf(c.Call(0, mvcc::PutRequest{.key = "a"})),
            auth::ErrUserEmpty());
  EXPECT_EQ(StatusOf(c.Call(0, mvcc::RangeRequest{.key = "a"}, "bogus.1")),
            auth::ErrInvalidAuthToken());
  // Txns: every compare READ, every op its own permission, nested too.
  mvcc::TxnRequest txn;
  txn.compare.push_back({.key = "/foo/y"});
  txn.success.push_back({mvcc::PutRequest{.key = "a"}});
  EXPECT_TRUE(c.Call(0, txn, alice).ok());
  txn.compare.push_back({.key = "a"});
  EXPECT_EQ(StatusOf(c.Call(0, txn, alice)), auth::ErrPermissionDenied());
  mvcc::TxnRequest nested;
  nested.success.push_back({mvcc::PutRequest{.key = "z"}});
  mvcc::TxnRequest outer;
  outer.success.push_back({nested});
  EXPECT_EQ(StatusOf(c.Call(0, outer, alice)), auth::ErrPermissionDenied());
  EXPECT_TRUE(c.Call(0, outer, root).ok());
  // Admin calls: root only; a user may get itself and its roles.
  EXPECT_EQ(StatusOf(c.Call(0, api::AuthUserListRequest{}, alice)),
            auth::ErrPermissionDenied());
  EXPECT_EQ(StatusOf(c.Call(0, api::AuthUserListRequest{})),
            auth::ErrUserEmpty());
  EXPECT_TRUE(c.Call(0, api::AuthUserGetRequest{.name = "alice"}, alice).ok());
  EXPECT_TRUE(c.Call(0, api::AuthRoleGetRequest{.role = "r"}, alice).ok());
  EXPECT_EQ(StatusOf(c.Call(0, api::AuthUserGetRequest{.name = "root"}, alice)),
            auth::ErrPermissionDenied());
  EXPECT_EQ(StatusOf(c.Call(0, api::MemberRemoveRequest{.id = 2}, alice)),
            auth::ErrPermissionDenied());
  EXPECT_EQ(c.at(0).server->CheckMaintenance({.token = alice}),
            Status(Code::kIOError, "auth: permission denied"));
  EXPECT_TRUE(c.at(0).server->CheckMaintenance({.token = root}).ok());
  EXPECT_EQ(
      StatusOf(c.Call(0, api::AuthUserDeleteRequest{.name = "root"}, root)),
      auth::ErrInvalidAuthMgmt());
  Result<Response> list = c.Call(1, api::AuthUserListRequest{}, root);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(std::get<api::AuthUserListResponse>(list.value()).users,
            (std::vector<std::string>{"alice", "root"}));
  // Watches are checked at creation.
  EXPECT_EQ(c.at(1)
                .server->CreateWatch(7, {.key = "a"}, {.token = alice})
                .status()
                .message(),
            "rpc error: code = PermissionDenied desc = etcdserver: permission "
            "denied");
  EXPECT_TRUE(
      c.at(1).server->CreateWatch(7, {.key = "/foo/1"}, {.token = alice}).ok());
  // A password change kills the user's tokens on every member.
  ASSERT_TRUE(c.Call(0,
                     api::AuthUserChangePasswordRequest{.name = "alice",
                                                        .password = "pw2"},
                     root)
                  .ok());
  c.Run(20);  // applied everywhere
  for (int m : {0, 1}) {
    EXPECT_EQ(StatusOf(c.Call(m, mvcc::RangeRequest{.key = "/foo"}, alice)),
              auth::ErrInvalidAuthToken());
  }
  const std::string alice2 = c.Token(0, "alice", "pw2");
  c.Run(20);
  EXPECT_TRUE(c.Call(1, mvcc::RangeRequest{.key = "/foo"}, alice2).ok());
  // Disabling drops every token.
  ASSERT_TRUE(c.Call(0, api::AuthDisableRequest{}, root).ok());
  EXPECT_EQ(StatusOf(c.Call(0, mvcc::RangeRequest{.key = "a"}, root)),
            auth::ErrInvalidAuthToken());
  EXPECT_TRUE(c.Call(0, mvcc::RangeRequest{.key = "a"}).ok());
}

// With --client-cert-auth a request without a token is its certificate
// CN's (etcd's AuthInfoFromTLS); a token, when given, wins.
TEST(ServerAuthTest, CertificateCommonNameIsTheUser) {
  AuthCluster c(2);
  SetUpAuth(c);
  const auth::Credentials alice_cert{.cert_common_name = "alice"};
  for (int m : {0, 1}) {
    EXPECT_TRUE(
        c.CallAs(m, mvcc::RangeRequest{.key = "/foo/x"}, alice_cert).ok());
    EXPECT_EQ(StatusOf(c.CallAs(m, mvcc::RangeRequest{.key = "a"}, alice_cert)),
              auth::ErrPermissionDenied());
  }
  EXPECT_TRUE(
      c.CallAs(0, mvcc::PutRequest{.key = "a", .value = "1"}, alice_cert).ok());
  EXPECT_EQ(StatusOf(c.CallAs(0, api::AuthUserListRequest{}, alice_cert)),
            auth::ErrPermissionDenied());
  EXPECT_TRUE(
      c.CallAs(0, api::AuthUserListRequest{}, {.cert_common_name = "root"})
          .ok());
  EXPECT_TRUE(
      c.at(0).server->CheckMaintenance({.cert_common_name = "root"}).ok());
  EXPECT_EQ(c.at(0).server->CheckMaintenance(alice_cert),
            Status(Code::kIOError, "auth: permission denied"));
  // A CN no user has: denied, not "user name is empty".
  EXPECT_EQ(StatusOf(c.CallAs(0, mvcc::RangeRequest{.key = "/foo/x"},
                              {.cert_common_name = "mallory"})),
            auth::ErrPermissionDenied());
  EXPECT_TRUE(
      c.at(1).server->CreateWatch(9, {.key = "/foo/1"}, alice_cert).ok());
  EXPECT_FALSE(c.at(1).server->CreateWatch(9, {.key = "a"}, alice_cert).ok());
  // The token decides when there is one: root's token over alice's CN.
  const std::string root = c.Token(0, "root", "rootpw");
  EXPECT_TRUE(c.CallAs(0, api::AuthUserListRequest{},
                       {.token = root, .cert_common_name = "alice"})
                  .ok());
  EXPECT_EQ(
      StatusOf(c.CallAs(0, api::AuthUserListRequest{},
                        {.token = "bogus.1", .cert_common_name = "root"})),
      auth::ErrInvalidAuthToken());
  // With auth disabled the CN does not matter.
  ASSERT_TRUE(c.Call(0, api::AuthDisableRequest{}, root).ok());
  c.Run(20);
  EXPECT_TRUE(c.CallAs(1, mvcc::RangeRequest{.key = "a"},
                       {.cert_common_name = "mallory"})
                  .ok());
}

TEST(ServerAuthTest, TokensExpireAfterTtl) {
  AuthCluster c(1);
  SetUpAuth(c);
  const std::string alice = c.Token(0, "alice", "pw");
  c.Run(200);  // 2 s: within the 300 s TTL
  EXPECT_TRUE(c.Call(0, mvcc::RangeRequest{.key = "/foo"}, alice).ok());
  for (int i = 0; i < 31; i++) c.Run(1000);  // 310 s unused
  EXPECT_EQ(StatusOf(c.Call(0, mvcc::RangeRequest{.key = "/foo"}, alice)),
            auth::ErrInvalidAuthToken());
}

TEST(ServerAuthTest, SurvivesSnapshotAndRestart) {
  AuthCluster c(1);
  SetUpAuth(c);
  const auth::AuthStore want = c.at(0).server->state().auth();
  c.at(0).server->Snapshot();
  // A new member gets the auth state through the snapshot.
  auto m = std::make_unique<Member>();
  m->id = 9;
  Member* joiner = m.get();
  c.Add(std::move(m));
  ASSERT_TRUE(c.Call(0,
                     api::MemberAddRequest{.peer_urls = {"http://m9"},
                                           .is_learner = true},
                     c.Token(0, "root", "rootpw"))
                  .ok());
  // The member id is the server's choice: find it.
  uint64_t id = 0;
  for (const api::Member& mm : c.at(0).server->state().Members()) {
    if (mm.peer_urls == std::vector<std::string>{"http://m9"}) id = mm.id;
  }
  ASSERT_NE(id, 0u);
  joiner->id = id;
  c.Start(*joiner, /*founder=*/false);
  c.Run(200);
  ASSERT_TRUE(joiner->server->state().auth() == want);
  EXPECT_TRUE(joiner->server->state().auth().enabled());
  // A restart loads it from the backend (tokens do not survive it, as in
  // etcd).
  const std::string alice = c.Token(0, "alice", "pw");
  c.at(0).server.reset();
  c.Start(c.at(0));
  c.at(0).server->Campaign();
  c.Run(100);
  EXPECT_TRUE(c.at(0).server->state().auth() == want);
  EXPECT_EQ(StatusOf(c.Call(0, mvcc::RangeRequest{.key = "/foo"}, alice)),
            auth::ErrInvalidAuthToken());
  const std::string again = c.Token(0, "alice", "pw");
  EXPECT_TRUE(c.Call(0, mvcc::RangeRequest{.key = "/foo"}, again).ok());
}

TEST(ServerAuthTest, EntryCodecCarriesAuthInfo) {
  api::AuthRoleGrantPermissionRequest g{.name = "r", .has_perm = true};
  g.perm = {.perm_type = api::Permission::Type::kReadWrite,
            .key = "k",
            .range_end = std::string("\0", 1)};
  const std::vector<AuthOp> ops = {
      api::AuthEnableRequest{},
      AuthenticateOp{.name = "u", .verified_hash = "h", .token_prefix = "p"},
      api::AuthUserAddRequest{
          .name = "u", .no_password = true, .hashed_password = "h"},
      api::AuthUserChangePasswordRequest{.name = "u", .hashed_password = "h2"},
      api::AuthUserRevokeRoleRequest{.name = "u", .role = "r"},
      g,
      api::AuthRoleRevokePermissionRequest{
          .role = "r", .key = "k", .range_end = "l"}};
  // An unknown permission type (any int32 from JSON) round-trips too.
  api::AuthRoleGrantPermissionRequest odd = g;
  odd.perm.perm_type = static_cast<api::Permission::Type>(-7);
  {
    const std::string bytes = EncodeEntryPayload(
        EntryPayload{.request = AuthWriteRequest{.op = odd}});
    Result<EntryPayload> back = DecodeEntryPayload(bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    const auto& op = std::get<AuthWriteRequest>(back.value().request).op;
    EXPECT_EQ(std::get<api::AuthRoleGrantPermissionRequest>(op).perm, odd.perm);
  }
  for (const AuthOp& op : ops) {
    EntryPayload p{.request_id = 5,
                   .request = AuthWriteRequest{.op = op},
                   .auth = auth::AuthInfo{.user = "u", .revision = 9}};
    const std::string bytes = EncodeEntryPayload(p);
    Result<EntryPayload> back = DecodeEntryPayload(bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(EncodeEntryPayload(back.value()), bytes);
    ASSERT_TRUE(back.value().auth.has_value());
    EXPECT_EQ(back.value().auth->user, "u");
    EXPECT_EQ(back.value().auth->revision, 9u);
  }
  // A password given in a user add is never encoded.
  EntryPayload p{
      .request = AuthWriteRequest{
          .op = api::AuthUserAddRequest{
              .name = "u", .password = "PLAIN", .hashed_password = "h"}}};
  EXPECT_EQ(EncodeEntryPayload(p).find("PLAIN"), std::string::npos);
  // Without auth info: the old version-1 bytes, decoding with none.
  EntryPayload old{.request_id = 1, .request = mvcc::PutRequest{.key = "k"}};
  const std::string v1 = EncodeEntryPayload(old);
  EXPECT_EQ(v1[5], 1);  // version byte after CRC and kind
  Result<EntryPayload> back = DecodeEntryPayload(v1);
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back.value().auth.has_value());
}

}  // namespace
}  // namespace cairn::server
