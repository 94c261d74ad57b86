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

// Bit at a time, straight from the definition: the reference both the
// slice-by-8 and the hardware paths must match.
uint32_t BitwiseCrc32c(std::string_view data, uint32_t crc) {
  crc = ~crc;
  for (unsigned char b : data) {
    crc ^= b;
    for (int k = 0; k < 8; k++)
      crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
  }
  return ~crc;
}

TEST(Crc32cTest, AllPathsMatchTheDefinition) {
  std::string buf;
  uint32_t x = 12345;
  for (int i = 0; i < 300; i++) {
    x = x * 1103515245u + 12345u;
    buf.push_back(static_cast<char>(x >> 16));
  }
  // Every length up to 64 at every alignment, then longer runs, each
  // continuing from a non-zero CRC too.
  for (size_t off = 0; off < 8; off++) {
    for (size_t len = 0; off + len <= buf.size(); len += len < 64 ? 1 : 37) {
      const std::string_view d = std::string_view(buf).substr(off, len);
      for (uint32_t seed : {0u, 0xdeadbeefu}) {
        const uint32_t want = BitwiseCrc32c(d, seed);
        EXPECT_EQ(Crc32cPortable(d, seed), want) << off << " " << len;
        EXPECT_EQ(Crc32c(d, seed), want) << off << " " << len;
      }
    }
  }
  EXPECT_EQ(Crc32cPortable("123456789"), 0xe3069283u);
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

TEST(CodingTest, BigEndianOrdersLikeNumbers) {
  std::string a, b;
  AppendBigEndian64(a, 255);
  AppendBigEndian64(b, 256);
  EXPECT_EQ(a, std::string("\0\0\0\0\0\0\0\xff", 8));
  EXPECT_LT(a, b);
  EXPECT_EQ(DecodeBigEndian64(a), 255u);
  EXPECT_EQ(DecodeBigEndian64(b), 256u);
}

TEST(CodingTest, ReaderRoundTrips) {
  std::string out;
  AppendFixed(out, 0xdeadbeef, 4);
  AppendVarint(out, 300);
  AppendVarint(out, 3);
  out += "abc";
  out.push_back('\x07');
  ByteReader r(out);
  EXPECT_EQ(r.Fixed(4), 0xdeadbeefu);
  EXPECT_EQ(r.Varint(), 300u);
  EXPECT_EQ(r.LengthPrefixed(), "abc");
  EXPECT_FALSE(r.done());
  EXPECT_EQ(r.U8(), 7u);
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.U8(), 0u);  // past the end: fails and sticks
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.done());
}

TEST(CodingTest, ReaderRejectsBadInput) {
  // The reader borrows its input, so the bytes must outlive it.
  const std::string nonminimal_bytes("\x80\x00", 2);
  ByteReader nonminimal(nonminimal_bytes);
  nonminimal.Varint();
  EXPECT_FALSE(nonminimal.ok());
  const std::string too_long_bytes =
      "\x05"
      "ab";
  ByteReader too_long(too_long_bytes);
  EXPECT_EQ(too_long.LengthPrefixed(), "");
  EXPECT_FALSE(too_long.ok());
  ByteReader short_fixed("ab");
  EXPECT_EQ(short_fixed.Fixed(4), 0u);
  EXPECT_FALSE(short_fixed.ok());
}

}  // namespace
}  // namespace cairn
