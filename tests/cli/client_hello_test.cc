// ClassifyClientHello on ClientHellos made by OpenSSL (TLS 1.2 and 1.3,
// with and without ALPN), their prefixes, and bytes that are not one.
#include "cli/cairn/client_hello.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <string>

#include "tests/cli/test_pki.h"

namespace cairn::node {
namespace {

TEST(ClientHelloTest, H2AloneIsHttp2) {
  EXPECT_EQ(ClassifyClientHello(ClientHello({"h2"})), HelloKind::kHttp2Only);
  EXPECT_EQ(ClassifyClientHello(ClientHello({"h2"}, TLS1_2_VERSION)),
            HelloKind::kHttp2Only);
  // gRPC's C core offers its experimental name first.
  EXPECT_EQ(ClassifyClientHello(ClientHello({"grpc-exp", "h2"})),
            HelloKind::kHttp2Only);
}

TEST(ClientHelloTest, ClientsThatCanSpeakHttp11AreNot) {
  EXPECT_EQ(ClassifyClientHello(ClientHello({"h2", "http/1.1"})),
            HelloKind::kOther);
  EXPECT_EQ(ClassifyClientHello(ClientHello({"http/1.1"})), HelloKind::kOther);
  EXPECT_EQ(ClassifyClientHello(ClientHello({})), HelloKind::kOther);
  EXPECT_EQ(ClassifyClientHello(ClientHello({"h2c", "spdy/3"})),
            HelloKind::kOther);
}

TEST(ClientHelloTest, EveryPrefixIsIncomplete) {
  const std::string hello = ClientHello({"h2"});
  ASSERT_GT(hello.size(), 100u);
  for (size_t n = 0; n < hello.size(); n++) {
    ASSERT_EQ(ClassifyClientHello(hello.substr(0, n)), HelloKind::kIncomplete)
        << n;
  }
  // What follows the record does not matter.
  EXPECT_EQ(ClassifyClientHello(hello + "more"), HelloKind::kHttp2Only);
}

TEST(ClientHelloTest, WhatIsNotAClientHelloIsOther) {
  EXPECT_EQ(ClassifyClientHello("GET / HTTP/1.1\r\n"), HelloKind::kOther);
  EXPECT_EQ(ClassifyClientHello("PRI * HTTP/2.0"), HelloKind::kOther);
  // A handshake record that is not a ClientHello (a ServerHello, type 2).
  std::string hello = ClientHello({"h2"});
  std::string server_hello = hello;
  server_hello[5] = 2;
  EXPECT_EQ(ClassifyClientHello(server_hello), HelloKind::kOther);
  // A record longer than TLS allows.
  EXPECT_EQ(ClassifyClientHello(std::string("\x16\x03\x01\x40\x01", 5)),
            HelloKind::kOther);
  // A handshake message longer than its record (split over records).
  std::string split = hello;
  split[6] = '\x7f';
  EXPECT_EQ(ClassifyClientHello(split), HelloKind::kOther);
}

TEST(ClientHelloTest, TruncatedFieldsInsideTheRecordAreOther) {
  const std::string hello = ClientHello({"h2"});
  // Cut the record short while keeping its header's length consistent:
  // every field may run past the end; none is read beyond it.
  for (size_t body = 4; body + 5 < hello.size(); body += 3) {
    std::string cut = hello.substr(0, 5 + body);
    cut[3] = static_cast<char>(body >> 8);
    cut[4] = static_cast<char>(body & 0xff);
    const size_t message = body - 4;
    cut[6] = static_cast<char>(message >> 16);
    cut[7] = static_cast<char>((message >> 8) & 0xff);
    cut[8] = static_cast<char>(message & 0xff);
    const HelloKind k = ClassifyClientHello(cut);
    ASSERT_TRUE(k == HelloKind::kOther || k == HelloKind::kHttp2Only) << body;
  }
}

}  // namespace
}  // namespace cairn::node
