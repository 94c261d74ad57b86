// Tests the gateway's base64: encoding against RFC 4648's vectors, and
// decoding against Go's base64.StdEncoding, including the byte offsets Go
// reports (etcd 3.4's gateway answers "illegal base64 data at input byte N";
// "!!!" -> 0 and "Zm9" -> 0 were seen on a real etcd).
#include "core/api/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn::api {
namespace {

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("foob"), "Zm9vYg==");
  EXPECT_EQ(EncodeBase64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(EncodeBase64(std::string("\0\xff", 2)), "AP8=");
}

TEST(Base64Test, RoundTripsEveryByteAndLength) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= bytes.size(); n += 7) {
    std::string s = bytes.substr(0, n);
    Result<std::string> r = DecodeBase64(EncodeBase64(s));
    ASSERT_TRUE(r.ok()) << n;
    EXPECT_EQ(r.value(), s);
  }
}

std::string ErrorOf(const std::string& text) {
  Result<std::string> r = DecodeBase64(text);
  return r.ok() ? "ok:" + r.value() : r.status().message();
}

TEST(Base64Test, ReportsGoOffsets) {
  EXPECT_EQ(ErrorOf("!!!"), "illegal base64 data at input byte 0");
  EXPECT_EQ(ErrorOf("Zm9"), "illegal base64 data at input byte 0");
  EXPECT_EQ(ErrorOf("Zm9vY"), "illegal base64 data at input byte 4");
  EXPECT_EQ(ErrorOf("Zm9v!"), "illegal base64 data at input byte 4");
  EXPECT_EQ(ErrorOf("Z==="), "illegal base64 data at input byte 1");
  EXPECT_EQ(ErrorOf("Zg="), "illegal base64 data at input byte 3");
  EXPECT_EQ(ErrorOf("Zg=x"), "illegal base64 data at input byte 2");
  EXPECT_EQ(ErrorOf("Zm8=Zm8="), "illegal base64 data at input byte 4");
  EXPECT_EQ(ErrorOf("Zm9v-_"), "illegal base64 data at input byte 4");
}

TEST(Base64Test, SkipsNewlinesAndAllowsNonZeroTrailingBits) {
  EXPECT_EQ(ErrorOf("Zm\r\n9v"), "ok:foo");
  EXPECT_EQ(ErrorOf("Zm8=\n"), "ok:fo");
  EXPECT_EQ(ErrorOf("Zh=="), "ok:f");  // Go's StdEncoding is not strict
  EXPECT_EQ(ErrorOf(""), "ok:");
}

}  // namespace
}  // namespace cairn::api
