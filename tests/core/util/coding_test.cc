// CRC-32C against its standard check value and its extension property, and
// the fixed-width and varint encodings against hand-computed bytes.
#include "core/util/coding.h"

#include <gtest/gtest.h>

#include "core/util/crc32c.h"

namespace cairn {
namespace {

TEST(Crc32cTest, StandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, Extends) {
  EXPECT_EQ(Crc32c("6789", Crc32c("12345")), 0xe3069283u);
  EXPECT_EQ(Crc32c("", Crc32c("abc")), Crc32c("abc"));
}

TEST(CodingTest, FixedIsLittleEndian) {
  std::string out;
  AppendFixed(out, 0x0102030405060708ULL, 8);
  EXPECT_EQ(out, std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  out.clear();
  AppendFixed(out, 0xabcd, 2);
  EXPECT_EQ(out, "\xcd\xab");
}

TEST(CodingTest, VarintMatchesProtobuf) {
  std::string out;
  AppendVarint(out, 0);
  AppendVarint(out, 1);
  AppendVarint(out, 300);
  EXPECT_EQ(out, std::string("\x00\x01\xac\x02", 4));
  out.clear();
  AppendVarint(out, UINT64_MAX);
  EXPECT_EQ(out.size(), 10u);
  EXPECT_EQ(static_cast<uint8_t>(out.back()), 0x01);
}

TEST(CodingDeathTest, FixedWidthIsBounded) {
  std::string out;
  EXPECT_DEATH(AppendFixed(out, 1, 9), "AppendFixed of 9 bytes");
}

}  // namespace
}  // namespace cairn
