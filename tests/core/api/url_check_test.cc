// CheckUrl/CheckUrls/CheckMemberPeerUrls against the texts etcd 3.4.23
// printed for the same URLs given as flags (e.g. --listen-client-urls
// ftp://x:1) or as MemberAdd peer URLs.
#include "core/api/url_check.h"

#include <gtest/gtest.h>

namespace cairn::api {
namespace {

TEST(UrlCheckTest, GoodUrls) {
  for (const char* u :
       {"http://127.0.0.1:2379", "https://node-1.example:443",
        " http://localhost:2380 ", "unix://sock:0", "http://[::1]:2379",
        "http://user@host:1", "http://h:1?x=y"}) {
    EXPECT_TRUE(CheckUrl(u).ok()) << u << ": " << CheckUrl(u).ToString();
  }
}

TEST(UrlCheckTest, EtcdTexts) {
  struct Case {
    const char* url;
    const char* want;
  };
  const Case cases[] = {
      {"ftp://x:1",
       "URL scheme must be http, https, unix, or unixs: ftp://x:1"},
      {"foo", "URL scheme must be http, https, unix, or unixs: foo"},
      {"", "URL scheme must be http, https, unix, or unixs: "},
      {"not a url",
       "URL scheme must be http, https, unix, or unixs: not a url"},
      {"http://x",
       "URL address does not have the form \"host:port\": http://x"},
      {"http://a:1:2",
       "URL address does not have the form \"host:port\": http://a:1:2"},
      {"http://127.0.0.1:23795/path",
       "URL must not contain a path: http://127.0.0.1:23795/path"},
      {"http://127.0.0.1:1/",
       "URL must not contain a path: http://127.0.0.1:1/"},
  };
  for (const Case& c : cases) {
    Status s = CheckUrl(c.url);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.url;
    EXPECT_EQ(s.message(), c.want);
  }
}

TEST(UrlCheckTest, Lists) {
  EXPECT_EQ(CheckUrls({}).message(), "no valid URLs given");
  EXPECT_EQ(CheckUrls({"http://a:1", "b"}).message(),
            "URL scheme must be http, https, unix, or unixs: b");
  EXPECT_TRUE(CheckUrls({"http://a:1", "https://b:2"}).ok());
}

// etcd answered "etcdserver: given member URLs are invalid" (code 3) for
// {}, {"peerURLs":["not a url"]} and {"peerURLs":["http://a:1",null]}.
TEST(UrlCheckTest, MemberPeerUrls) {
  for (const auto& urls : std::vector<std::vector<std::string>>{
           {}, {"not a url"}, {"http://a:1", ""}}) {
    Status s = CheckMemberPeerUrls(urls);
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_EQ(s.message(), "etcdserver: given member URLs are invalid");
  }
  EXPECT_TRUE(CheckMemberPeerUrls({"http://127.0.0.1:23802"}).ok());
}

}  // namespace
}  // namespace cairn::api
