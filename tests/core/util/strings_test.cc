// StrFormat and EscapeBytes: formatting of any length, and that rendered
// bytes never contain raw control characters.
#include "core/util/strings.h"

#include <gtest/gtest.h>

namespace cairn {
namespace {

TEST(StrFormatTest, Formats) {
  EXPECT_EQ(StrFormat("%s=%d", "term", 3), "term=3");
  EXPECT_EQ(StrFormat("empty"), "empty");
  EXPECT_EQ(StrFormat("%s", ""), "");
}

TEST(StrFormatTest, LongOutput) {
  std::string big(5000, 'x');
  EXPECT_EQ(StrFormat("<%s>", big.c_str()), "<" + big + ">");
}

TEST(EscapeBytesTest, PrintableStaysBinaryEscapes) {
  EXPECT_EQ(EscapeBytes("foo/bar"), "foo/bar");
  EXPECT_EQ(EscapeBytes(std::string("a\0b\n", 4)), "a\\x00b\\x0a");
  EXPECT_EQ(EscapeBytes("\xff\\"), "\\xff\\x5c");
}

}  // namespace
}  // namespace cairn
