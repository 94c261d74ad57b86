// cairnctl's pieces for user, role and auth: the argument rules of role
// grant/revoke-permission and --user, the password readers (over pipes,
// with stty replaced by /bin/true), the printers' renderings of role and
// user answers (expected texts recorded from etcdctl 3.4.23), clientv3's
// error texts, and the gateway client's token handling against a small
// HTTP server on 127.0.0.1 that plays etcd's /v3/auth/authenticate.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "cli/cairnctl/auth_args.h"
#include "cli/cairnctl/command.h"
#include "cli/cairnctl/password.h"
#include "cli/cairnctl/printer.h"

namespace cairn::ctl {
namespace {

using Words = std::vector<std::string>;
const std::string kNul(1, '\0');

TEST(AuthArgsTest, PermTypeAnyCase) {
  EXPECT_EQ(ParsePermType("read").value(), 0);
  EXPECT_EQ(ParsePermType("Write").value(), 1);
  EXPECT_EQ(ParsePermType("READWRITE").value(), 2);
  EXPECT_EQ(ParsePermType("rw").status().message(),
            "invalid permission type: rw");
  EXPECT_EQ(PermTypeOf("WRITE"), 1);
  EXPECT_EQ(PermTypeOf("2"), 2);
  EXPECT_EQ(PermTypeOf(""), 0);
}

TEST(AuthArgsTest, PermRangeForKeyRangePrefixAndFromKey) {
  PermRange r = PermRangeFromArgs({"foo"}, false, false).value();
  EXPECT_EQ(r.key, "foo");
  EXPECT_EQ(r.range_end, "");
  r = PermRangeFromArgs({"foo", "bar", "ignored"}, false, false).value();
  EXPECT_EQ(r.range_end, "bar");
  EXPECT_EQ(PermRangeFromArgs({"pre"}, true, false).value().range_end, "prf");
  EXPECT_EQ(PermRangeFromArgs({"a\xff"}, true, false).value().range_end, "b");
  EXPECT_EQ(PermRangeFromArgs({"fk"}, false, true).value().range_end, kNul);
}

TEST(AuthArgsTest, EmptyKeyMeansEveryKeyAndIgnoresEndKey) {
  PermRange r = PermRangeFromArgs({""}, false, false).value();
  EXPECT_EQ(r.key, kNul);
  EXPECT_EQ(r.range_end, "");
  r = PermRangeFromArgs({"", "zz"}, false, false).value();
  EXPECT_EQ(r.key, kNul);
  EXPECT_EQ(r.range_end, "");
  r = PermRangeFromArgs({""}, true, false).value();
  EXPECT_EQ(r.range_end, kNul);
  r = PermRangeFromArgs({""}, false, true).value();
  EXPECT_EQ(r.range_end, kNul);
}

TEST(AuthArgsTest, PermRangeErrorsAreEtcdctls) {
  EXPECT_EQ(PermRangeFromArgs({"x"}, true, true).status().message(),
            "--from-key and --prefix flags are mutually exclusive");
  EXPECT_EQ(PermRangeFromArgs({""}, true, true).status().message(),
            "--from-key and --prefix flags are mutually exclusive");
  EXPECT_EQ(PermRangeFromArgs({"x", "y"}, true, false).status().message(),
            "unexpected endkey argument with --prefix flag");
  EXPECT_EQ(PermRangeFromArgs({"x", "y"}, false, true).status().message(),
            "unexpected endkey argument with --from-key flag");
  EXPECT_EQ(PermRangeFromArgs({"x", "y"}, true, true).status().message(),
            "unexpected endkey argument with --prefix flag");
}

TEST(CredentialsTest, SplitsLikeEtcdctl) {
  Credentials c = CredentialsFromFlags("root:pw:x", "");
  EXPECT_EQ(c.user, "root");
  EXPECT_EQ(c.password, "pw:x");
  EXPECT_FALSE(c.must_ask);
  c = CredentialsFromFlags("root:pw", "other");  // --password wins whole
  EXPECT_EQ(c.user, "root:pw");
  EXPECT_EQ(c.password, "other");
  c = CredentialsFromFlags("root", "");
  EXPECT_EQ(c.user, "root");
  EXPECT_TRUE(c.must_ask);
  c = CredentialsFromFlags("", "pw");  // no --user: no authentication
  EXPECT_EQ(c.user, "");
  EXPECT_FALSE(c.must_ask);
}

// A pipe holding `text`, closed for writing; returns the read end.
int PipeWith(const std::string& text) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  EXPECT_EQ(write(fds[1], text.data(), text.size()),
            static_cast<ssize_t>(text.size()));
  close(fds[1]);
  return fds[0];
}

std::string Rest(int fd) {
  std::string rest;
  char c;
  while (read(fd, &c, 1) == 1) rest.push_back(c);
  return rest;
}

TEST(PasswordTest, ReadLineStopsAtNewlineAndKeepsTheRest) {
  const int fd = PipeWith("pw1\r\nsecond\nthird");
  EXPECT_EQ(ReadLineFd(fd).value(), "pw1");
  EXPECT_EQ(ReadLineFd(fd).value(), "second");
  EXPECT_EQ(ReadLineFd(fd).value(), "third");
  EXPECT_EQ(ReadLineFd(fd).value(), "");  // end of input
  close(fd);
}

TEST(PasswordTest, ScanWordIsScanfPercentS) {
  int fd = PipeWith("  pw2 more\nnext");
  EXPECT_EQ(ScanWord(fd), "pw2");
  EXPECT_EQ(Rest(fd), "more\nnext");  // one byte past the word
  close(fd);
  fd = PipeWith("\npw3");
  EXPECT_EQ(ScanWord(fd), "");  // a newline first: nothing
  close(fd);
  fd = PipeWith("");
  EXPECT_EQ(ScanWord(fd), "");
  close(fd);
  fd = PipeWith("last");
  EXPECT_EQ(ScanWord(fd), "last");
  close(fd);
}

TEST(PasswordTest, AskPrintsPromptTrimsAndEndsTheLine) {
  const int fd = PipeWith("  secret \nnext\n");
  std::ostringstream out;
  Result<std::string> pw =
      AskPassword("Password: ", out, {.fd = fd, .stty = "/bin/true"});
  ASSERT_TRUE(pw.ok()) << pw.status().message();
  EXPECT_EQ(pw.value(), "secret");
  EXPECT_EQ(out.str(), "Password: \n");
  EXPECT_EQ(Rest(fd), "next\n");
  close(fd);
}

TEST(PasswordTest, AskWithoutSttyFailsAsSpeakeasy) {
  const int fd = PipeWith("pw\n");
  std::ostringstream out;
  Result<std::string> pw =
      AskPassword("P: ", out, {.fd = fd, .stty = "/nonexistent/stty"});
  EXPECT_EQ(pw.status().message(),
            "failed turning off console echo for password entry:\n\tno such "
            "file or directory");
  EXPECT_EQ(out.str(), "P: \n");
  close(fd);
}

const char* kHeader =
    R"({"cluster_id":"7801232528081817440","member_id":"13458989633860879742",)"
    R"("revision":"1","raft_term":"2"})";

std::string Render(OutputFormat format,
                   const std::function<Status(Printer&)>& print,
                   Status* status = nullptr) {
  std::ostringstream out;
  std::ostringstream err;
  Printer p(Printer::Options{.format = format}, out, err);
  Status s = print(p);
  if (status != nullptr) *status = s;
  return out.str();
}

Json RoleAnswer() {
  return Json::parse(
      std::string(R"({"header":)") + kHeader +
      R"(,"perm":[{"permType":"WRITE","key":"AA==","range_end":"AA=="},)"
      R"({"key":"Zm9v"},)"
      R"({"permType":"READWRITE","key":"cHJl","range_end":"cHJm"},)"
      R"({"key":"Zms=","range_end":"AA=="}]})");
}

TEST(AuthPrinterTest, RoleGetSimple) {
  const std::string out = Render(OutputFormat::kSimple, [](Printer& p) {
    return p.RoleGet("r1", RoleAnswer());
  });
  EXPECT_EQ(out,
            "Role r1\nKV Read:\n\tfoo\n\t[pre, prf) (prefix pre)\n"
            "\t[fk, <open ended>\nKV Write:\n\t[" +
                kNul + ", <open ended>\n\t[pre, prf) (prefix pre)\n");
}

TEST(AuthPrinterTest, RoleGetJsonHasNumericTypesAndOmitsRead) {
  const std::string out = Render(OutputFormat::kJson, [](Printer& p) {
    return p.RoleGet("r1", RoleAnswer());
  });
  EXPECT_EQ(
      out,
      R"({"header":{"cluster_id":7801232528081817440,"member_id":13458989633860879742,"revision":1,"raft_term":2},)"
      R"("perm":[{"permType":1,"key":"AA==","range_end":"AA=="},{"key":"Zm9v"},)"
      R"({"permType":2,"key":"cHJl","range_end":"cHJm"},{"key":"Zms=","range_end":"AA=="}]})"
      "\n");
}

TEST(AuthPrinterTest, RoleGetFields) {
  const std::string out = Render(OutputFormat::kFields, [](Printer& p) {
    return p.RoleGet("r1", RoleAnswer());
  });
  EXPECT_EQ(out,
            "\"ClusterID\" : 7801232528081817440\n"
            "\"MemberID\" : 13458989633860879742\n"
            "\"Revision\" : 1\n\"RaftTerm\" : 2\n"
            "\"PermType\" :  WRITE\n\"Key\" : \"\\x00\"\n"
            "\"RangeEnd\" : \"\\x00\"\n"
            "\"PermType\" :  READ\n\"Key\" : \"foo\"\n\"RangeEnd\" : \"\"\n"
            "\"PermType\" :  READWRITE\n\"Key\" : \"pre\"\n"
            "\"RangeEnd\" : \"prf\"\n"
            "\"PermType\" :  READ\n\"Key\" : \"fk\"\n"
            "\"RangeEnd\" : \"\\x00\"\n");
}

TEST(AuthPrinterTest, UserAndRoleLists) {
  const Json users = Json::parse(std::string(R"({"header":)") + kHeader +
                                 R"(,"users":["alice","root"]})");
  EXPECT_EQ(Render(OutputFormat::kSimple,
                   [&](Printer& p) { return p.UserList(users); }),
            "alice\nroot\n");
  Status s;
  EXPECT_EQ(Render(
                OutputFormat::kFields,
                [&](Printer& p) { return p.UserList(users); }, &s),
            "");
  EXPECT_EQ(s.message(), "fields not supported as output format");
  const Json roles = Json::parse(std::string(R"({"header":)") + kHeader +
                                 R"(,"roles":["r1","r 2"]})");
  EXPECT_EQ(Render(OutputFormat::kFields,
                   [&](Printer& p) { return p.RoleList(roles); }),
            "\"ClusterID\" : 7801232528081817440\n"
            "\"MemberID\" : 13458989633860879742\n"
            "\"Revision\" : 1\n\"RaftTerm\" : 2\n"
            "\"Roles\" : \"r1\" \"r 2\"\n");
  EXPECT_EQ(Render(OutputFormat::kSimple,
                   [&](Printer& p) { return p.UserGet("alice", roles); }),
            "User: alice\nRoles: r1 r 2\n");
}

TEST(AuthPrinterTest, HeaderOnlyAnswers) {
  const Json resp = Json::parse(std::string(R"({"header":)") + kHeader + "}");
  EXPECT_EQ(
      Render(OutputFormat::kSimple,
             [&](Printer& p) { return p.UserGrantRole("alice", "r1", resp); }),
      "Role r1 is granted to user alice\n");
  EXPECT_EQ(
      Render(OutputFormat::kJson,
             [&](Printer& p) { return p.UserAdd("alice", resp); }),
      R"({"header":{"cluster_id":7801232528081817440,"member_id":13458989633860879742,"revision":1,"raft_term":2}})"
      "\n");
  Status s;
  Render(
      OutputFormat::kTable, [&](Printer& p) { return p.RoleAdd("r", resp); },
      &s);
  EXPECT_EQ(s.message(), "table not supported as output format");
  auto revoke = [&](const std::string& key, const std::string& end) {
    return Render(OutputFormat::kSimple, [&](Printer& p) {
      return p.RoleRevokePermission("r1", key, end, resp);
    });
  };
  EXPECT_EQ(revoke("foo", ""),
            "Permission of key foo is revoked from role r1\n");
  EXPECT_EQ(revoke("foo", "bar"),
            "Permission of range [foo, bar) is revoked from role r1\n");
  EXPECT_EQ(revoke("fk", kNul),
            "Permission of range [fk, <open ended> is revoked from role r1\n");
}

TEST(ClientErrorTextTest, EtcdErrorsPlainOthersAsGrpcPrintsThem) {
  EXPECT_EQ(ClientErrorText(7, "etcdserver: permission denied"),
            "etcdserver: permission denied");
  EXPECT_EQ(ClientErrorText(2,
                            "auth: authentication failed, password was "
                            "given for no password user"),
            "rpc error: code = Unknown desc = auth: authentication failed, "
            "password was given for no password user");
  EXPECT_EQ(ClientErrorText(42, "x"), "rpc error: code = Code(42) desc = x");
}

// Plays etcd's gateway for the token: /v3/auth/authenticate hands out
// "tok-N"; /v3/kv/range refuses the first token as invalid and accepts any
// later one, answering with the Authorization header it saw.
class FakeAuthServer {
 public:
  FakeAuthServer() {
    server_.Post("/v3/auth/authenticate", [this](const httplib::Request& req,
                                                 httplib::Response& res) {
      const Json body = Json::parse(req.body);
      if (body.value("password", "") != "pw") {
        res.status = 400;
        res.set_content(
            R"({"error":"x","code":3,"message":"etcdserver: authentication failed, invalid user ID or password"})",
            "application/json");
        return;
      }
      ++tokens_;
      res.set_content(R"({"token":"tok-)" + std::to_string(tokens_) + R"("})",
                      "application/json");
    });
    server_.Post("/v3/kv/range", [](const httplib::Request& req,
                                    httplib::Response& res) {
      const std::string token = req.get_header_value("Authorization");
      if (token == "tok-1") {
        res.status = 401;
        res.set_content(
            R"({"error":"x","code":16,"message":"etcdserver: invalid auth token"})",
            "application/json");
        return;
      }
      res.set_content(Json{{"seen", token}}.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // The socket listens from bind on: early connections wait in its
    // backlog until the loop accepts them.
  }
  ~FakeAuthServer() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::atomic<int> tokens_{0};  // handlers may run on any pool thread
  std::thread thread_;
};

TEST(GatewayAuthTest, TokenSentBareAndRenewedOnceWhenInvalid) {
  FakeAuthServer server;
  ClientOptions opts;
  opts.endpoints = {server.endpoint()};
  opts.username = "root";
  opts.password = "pw";
  auto client = GatewayClient::Create(opts).value();
  ASSERT_TRUE(client->Authenticate().ok());
  EXPECT_EQ(client->options().token, "tok-1");
  Result<Json> r = client->Call("/v3/kv/range", Json::object());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r.value()["seen"], "tok-2");
  EXPECT_EQ(client->options().token, "tok-2");
}

TEST(GatewayAuthTest, WrongPasswordIsTheServersError) {
  FakeAuthServer server;
  ClientOptions opts;
  opts.endpoints = {server.endpoint()};
  opts.username = "root";
  opts.password = "bad";
  auto client = GatewayClient::Create(opts).value();
  Status s = client->Authenticate();
  EXPECT_EQ(s.message(),
            "etcdserver: authentication failed, invalid user ID or password");
  EXPECT_EQ(client->options().token, "");
}

}  // namespace
}  // namespace cairn::ctl
