// TLS for the node (cli/cairn/tls.h) over real connections on 127.0.0.1,
// with a PKI made in the test through OpenSSL's API: etcd's errors for
// missing, partial, garbled and mismatched files; a TLS listener serving
// the client API, where --client-cert-auth refuses a client without a
// certificate or with another CA's, plain HTTP fails and is logged
// while the listener goes on serving, and the verified client
// certificate's CN reaches the handler (RequestAuth::cert_common_name,
// the hook auth uses); peer-style dialing verifies the server's CA.
#include "cli/cairn/tls.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <sstream>

#include "cli/cairn/client_api.h"
#include "cli/cairn/http_listener.h"
#include "cli/cairn/logger.h"
#include "tests/cli/test_pki.h"

namespace cairn::node {
namespace {

namespace fs = std::filesystem;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cairn-tls-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ca_ = MakeIdentity("test-ca", nullptr, 1);
    stranger_ca_ = MakeIdentity("stranger-ca", nullptr, 2);
    Write("ca", ca_);
    Write("stranger-ca", stranger_ca_);
    Identity server = MakeIdentity("server", &ca_, 3);
    Identity client = MakeIdentity("alice", &ca_, 4);
    Identity stranger = MakeIdentity("alice", &stranger_ca_, 5);
    Write("server", server);
    Write("client", client);
    Write("stranger", stranger);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const Identity& id) {
    ASSERT_TRUE(WriteIdentity(id, Path(name), Path(name + "-key")));
  }
  std::string Path(const std::string& name) const {
    return (dir_ / (name + ".pem")).string();
  }
  TlsInfo Server(bool client_cert_auth) const {
    return TlsInfo{Path("server"), Path("server-key"), Path("ca"),
                   client_cert_auth};
  }

  // A TLS listener serving the client API; the unary handler records
  // the CN it was given.
  void Serve(const TlsInfo& tls) {
    Result<std::unique_ptr<HttpListener>> l = HttpListener::Tls(tls, &logger_);
    ASSERT_TRUE(l.ok()) << l.status().message();
    listener_ = std::move(l).value();
    ClientApiHandlers handlers;
    handlers.unary = [this](const api::GatewayRequest&,
                            const RequestAuth& auth) -> Result<std::string> {
      std::lock_guard<std::mutex> lock(mu_);
      cns_.push_back(auth.cert_common_name);
      return std::string("{}");
    };
    api_ = std::make_unique<ClientApi>(ClientApiOptions{}, handlers);
    api_->RegisterHandlers(listener_->server());
    Result<int> port = listener_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok());
    port_ = port.value();
  }
  std::string Url(const char* scheme = "https") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
  }
  // POSTs a range request with `client`'s certificate (none when empty),
  // verifying the server with `ca`. Returns the HTTP status, or -1.
  int Range(const std::string& client, const std::string& ca = "ca") {
    TlsInfo dial{client.empty() ? "" : Path(client),
                 client.empty() ? "" : Path(client + "-key"), Path(ca), false};
    std::unique_ptr<httplib::Client> c = MakeClient(Url(), dial);
    c->set_connection_timeout(2, 0);
    c->set_read_timeout(2, 0);
    auto res = c->Post("/v3/kv/range", R"({"key":"Zm9v"})", "application/json");
    return res ? res->status : -1;
  }
  // The log once the listener has stopped (its threads write to it).
  std::string StoppedLog() {
    listener_->Stop();
    return log_.str();
  }
  std::vector<std::string> Cns() {
    std::lock_guard<std::mutex> lock(mu_);
    return cns_;
  }

  fs::path dir_;
  Identity ca_;
  Identity stranger_ca_;
  std::ostringstream log_;
  JsonLogger logger_{log_, LogLevel::kInfo, "t"};
  std::unique_ptr<ClientApi> api_;
  std::unique_ptr<HttpListener> listener_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> cns_;
};

TEST_F(TlsTest, GoodFilesLoad) {
  EXPECT_TRUE(CheckTlsFiles(Server(true)).ok());
  EXPECT_TRUE(CheckTlsFiles(TlsInfo{}).ok());
  EXPECT_TRUE(CheckTlsFiles(TlsInfo{.trusted_ca_file = Path("ca")}).ok());
}

TEST_F(TlsTest, EtcdErrorsForBadFiles) {
  TlsInfo t = Server(false);
  t.cert_file = Path("nope");
  EXPECT_EQ(CheckTlsFiles(t).message(),
            "open " + Path("nope") + ": no such file or directory");
  t = Server(false);
  t.key_file = "";
  EXPECT_EQ(CheckTlsFiles(t).message(),
            "KeyFile and CertFile must both be present[key: , cert: " +
                Path("server") + "]");
  {
    std::FILE* f = std::fopen(Path("garbage").c_str(), "w");
    std::fputs("not a certificate\n", f);
    std::fclose(f);
  }
  t = Server(false);
  t.cert_file = Path("garbage");
  EXPECT_EQ(CheckTlsFiles(t).message(),
            "tls: failed to find any PEM data in certificate input");
  t = Server(false);
  t.key_file = Path("garbage");
  EXPECT_EQ(CheckTlsFiles(t).message(),
            "tls: failed to find any PEM data in key input");
  t = Server(false);
  t.key_file = Path("client-key");
  EXPECT_EQ(CheckTlsFiles(t).message(),
            "tls: private key does not match public key");
  t = Server(true);
  t.trusted_ca_file = Path("nope");
  EXPECT_EQ(CheckTlsFiles(t).message(),
            "open " + Path("nope") + ": no such file or directory");
  t.trusted_ca_file = Path("garbage");
  EXPECT_FALSE(CheckTlsFiles(t).ok());
  // A client's CA file only has to open, as clientv3's.
  EXPECT_TRUE(CheckClientTlsFiles({.cert_file = Path("client"),
                                   .key_file = Path("client-key"),
                                   .trusted_ca_file = Path("garbage")})
                  .ok());
  EXPECT_EQ(CheckClientTlsFiles({.cert_file = Path("client")}).message(),
            "KeyFile and CertFile must both be present[key: , cert: " +
                Path("client") + "]");
  // The listener refuses them too.
  t = Server(false);
  t.key_file = Path("client-key");
  Result<std::unique_ptr<HttpListener>> l = HttpListener::Tls(t, nullptr);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().message(), "tls: private key does not match public key");
}

TEST_F(TlsTest, ClientCertAuthGivesTheVerifiedCommonName) {
  Serve(Server(true));
  EXPECT_EQ(Range("client"), 200);
  EXPECT_EQ(Cns(), std::vector<std::string>{"alice"});
}

TEST_F(TlsTest, ClientCertAuthRefusesMissingAndForeignCertificates) {
  Serve(Server(true));
  EXPECT_EQ(Range(""), -1);
  EXPECT_EQ(Range("stranger"), -1);
  EXPECT_EQ(Range("client"), 200);  // still serving
  EXPECT_EQ(Cns(), std::vector<std::string>{"alice"});
  const std::string log = StoppedLog();
  EXPECT_NE(log.find("\"error\":\"tls: client didn't provide a certificate\""),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("\"error\":\"tls: failed to verify client certificate: "
                     "x509: certificate signed by unknown authority\""),
            std::string::npos)
      << log;
}

TEST_F(TlsTest, WithoutClientCertAuthNoCommonName) {
  Serve(Server(false));
  EXPECT_EQ(Range(""), 200);
  EXPECT_EQ(Range("client"), 200);  // not asked for: not sent
  EXPECT_EQ(Cns(), (std::vector<std::string>{"", ""}));
}

TEST_F(TlsTest, ClientVerifiesTheServerCa) {
  Serve(Server(false));
  TlsInfo dial{"", "", Path("stranger-ca"), false};
  std::unique_ptr<httplib::Client> c = MakeClient(Url(), dial);
  c->set_connection_timeout(2, 0);
  auto res = c->Get("/health");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), httplib::Error::SSLServerVerification);
  EXPECT_EQ(ClientVerifyError(*c),
            "x509: certificate signed by unknown authority");
}

TEST_F(TlsTest, PlainHttpFailsAndTheListenerGoesOn) {
  Serve(Server(true));
  // More connections than the server has threads.
  for (int i = 0; i < 20; ++i) {
    httplib::Client plain(Url("http"));
    plain.set_connection_timeout(2, 0);
    plain.set_read_timeout(2, 0);
    auto res = plain.Get("/health");
    EXPECT_FALSE(res) << res->status;
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Range("client"), 200);
  const std::string log = StoppedLog();
  EXPECT_NE(log.find("\"msg\":\"rejected connection\""), std::string::npos);
  EXPECT_NE(log.find("tls: first record does not look like a TLS handshake"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace cairn::node
