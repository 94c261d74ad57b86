#include "core/api/go_json_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn::api {
namespace {

// The texts below are Go 1.19's encoding/json (json.NewDecoder(...).Decode)
// for the same inputs; the gateway cases are also checked against etcd in
// tests/testdata/api/decode_kv.txt.
TEST(GoJsonScanTest, WellFormedFirstValues) {
  for (const char* ok : {"{}", "[]", "[1,2.5e-3,-0,true,false,null]",
                         R"({"a":{"b":[{"c":"\u00e9\n"}]}})", "123", "\"s\"",
                         "{} trailing junk", "123x", " \t\r\n{ } "}) {
    EXPECT_EQ(GoJsonSyntaxError(ok), std::nullopt) << ok;
  }
}

TEST(GoJsonScanTest, EachRuleHasGosText) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"}", "invalid character '}' looking for beginning of value"},
      {"{,}",
       "invalid character ',' looking for beginning of object key string"},
      {R"({"a" 1})", "invalid character '1' after object key"},
      {R"({"a":1 "b"})", "invalid character '\"' after object key:value pair"},
      {"[1 2]", "invalid character '2' after array element"},
      {"[1,]", "invalid character ']' looking for beginning of value"},
      {"\"a\tb\"", "invalid character '\\t' in string literal"},
      {R"("\x")", "invalid character 'x' in string escape code"},
      {R"("\u12G4")",
       "invalid character 'G' in \\u hexadecimal character escape"},
      {"-a", "invalid character 'a' in numeric literal"},
      {"[1.]", "invalid character ']' after decimal point in numeric literal"},
      {"[1e+]", "invalid character ']' in exponent of numeric literal"},
      {"[01]", "invalid character '1' after array element"},
      {"[tx]", "invalid character 'x' in literal true (expecting 'r')"},
      {"[fale]", "invalid character 'e' in literal false (expecting 's')"},
      {"[nil]", "invalid character 'i' in literal null (expecting 'u')"},
      {"{\"a\":\x01}",
       "invalid character '\\x01' looking for beginning of value"},
      {"{\"a\":\xc3}",
       "invalid character '\xc3\x83' looking for beginning of value"},
      {"{\"a\":\x85}",
       "invalid character '\\u0085' looking for beginning of value"},
      {"{", "unexpected EOF"},
      {R"({"a":"b)", "unexpected EOF"},
      {"[1,", "unexpected EOF"},
      {"tru", "unexpected EOF"},
      {"-", "unexpected EOF"},  // the Decoder's EOF, not Unmarshal's text
  };
  for (const Case& c : cases) {
    EXPECT_EQ(GoJsonSyntaxError(c.in), std::string(c.want)) << c.in;
  }
}

TEST(GoJsonScanTest, NestingDeeperThanGoAllows) {
  EXPECT_EQ(
      GoJsonSyntaxError(std::string(10000, '[') + std::string(10000, ']')),
      std::nullopt);
  EXPECT_EQ(GoJsonSyntaxError(std::string(10001, '[')), "exceeded max depth");
}

TEST(GoJsonScanTest, QuoteChar) {
  EXPECT_EQ(GoQuoteChar('a'), "'a'");
  EXPECT_EQ(GoQuoteChar('\''), "'\\''");
  EXPECT_EQ(GoQuoteChar('"'), "'\"'");
  EXPECT_EQ(GoQuoteChar('\\'), "'\\\\'");
  EXPECT_EQ(GoQuoteChar('\n'), "'\\n'");
  EXPECT_EQ(GoQuoteChar(0x7f), "'\\x7f'");
  EXPECT_EQ(GoQuoteChar(0xa0), "'\\u00a0'");
  EXPECT_EQ(GoQuoteChar(0xe9), "'\xc3\xa9'");
}

}  // namespace
}  // namespace cairn::api
