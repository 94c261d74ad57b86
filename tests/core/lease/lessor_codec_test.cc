// The lessor snapshot codec: round trips (empty, many leases, negative ids,
// binary keys, large TTLs), the CRC-32C test vector, and hostile input:
// every truncation and every single-bit flip of a real snapshot is either
// rejected with kCorruption or decodes to an image that re-encodes to the
// same bytes; frames with a valid checksum but bad fields (id 0, ids or
// keys out of order, a key on two leases, bad TTLs, huge counts, trailing
// bytes) are rejected; seeded random garbage never crashes.
#include "core/lease/lessor_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "core/util/coding.h"
#include "core/util/crc32c.h"
#include "core/util/random.h"

namespace cairn::lease {
namespace {

LessorImage SampleImage() {
  LessorImage image;
  image.auto_id_counter = 17;
  image.leases.push_back(
      {.id = -5, .ttl_s = 10, .remaining_ttl_s = 0, .keys = {}});
  image.leases.push_back({.id = 1,
                          .ttl_s = 600,
                          .remaining_ttl_s = 480,
                          .keys = {"", "a", std::string("a\0b", 3), "\xff"}});
  image.leases.push_back({.id = INT64_MAX,
                          .ttl_s = kMaxLeaseTtlS,
                          .remaining_ttl_s = kMaxLeaseTtlS,
                          .keys = {"z"}});
  return image;
}

// Seals a hand-made body (after the magic) with magic and checksum.
std::string Seal(const std::string& body) {
  std::string out = std::string("CLS\x01", 4) + body;
  AppendFixed(out, Crc32c(out), 4);
  return out;
}

std::string LeaseBytes(int64_t id, int64_t ttl, int64_t remaining,
                       const std::vector<std::string>& keys) {
  std::string out;
  AppendFixed(out, uint64_t(id), 8);
  AppendFixed(out, uint64_t(ttl), 8);
  AppendFixed(out, uint64_t(remaining), 8);
  AppendFixed(out, keys.size(), 4);
  for (const std::string& k : keys) {
    AppendFixed(out, k.size(), 4);
    out += k;
  }
  return out;
}

std::string Header(uint64_t counter, uint32_t count) {
  std::string out;
  AppendFixed(out, counter, 8);
  AppendFixed(out, count, 4);
  return out;
}

Code DecodeCode(const std::string& bytes) {
  return DecodeLessorImage(bytes, 1000).status().code();
}

TEST(LessorCodecTest, RoundTrips) {
  for (const LessorImage& image : {LessorImage{}, SampleImage()}) {
    const std::string bytes = EncodeLessorImage(image);
    Result<LessorImage> back = DecodeLessorImage(bytes, 1000);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back.value(), image);
    EXPECT_EQ(EncodeLessorImage(back.value()), bytes);
  }
}

TEST(LessorCodecTest, EveryTruncationIsRejected) {
  const std::string bytes = EncodeLessorImage(SampleImage());
  for (size_t n = 0; n < bytes.size(); n++) {
    EXPECT_EQ(DecodeCode(bytes.substr(0, n)), Code::kCorruption) << n;
  }
  EXPECT_EQ(DecodeCode(bytes + "x"), Code::kCorruption);
}

TEST(LessorCodecTest, EveryBitFlipIsRejectedOrRoundTrips) {
  const std::string bytes = EncodeLessorImage(SampleImage());
  int rejected = 0;
  for (size_t i = 0; i < bytes.size(); i++) {
    for (int bit = 0; bit < 8; bit++) {
      std::string bad = bytes;
      bad[i] = char(bad[i] ^ (1 << bit));
      Result<LessorImage> r = DecodeLessorImage(bad, 1000);
      if (r.ok()) {
        EXPECT_EQ(EncodeLessorImage(r.value()), bad) << i << ":" << bit;
      } else {
        EXPECT_EQ(r.status().code(), Code::kCorruption) << i << ":" << bit;
        rejected++;
      }
    }
  }
  // CRC-32C detects every single-bit error.
  EXPECT_EQ(rejected, int(bytes.size() * 8));
}

TEST(LessorCodecTest, ValidChecksumButBadFieldsIsCorruption) {
  const std::string ok_lease = LeaseBytes(1, 10, 0, {"a"});
  EXPECT_TRUE(DecodeLessorImage(Seal(Header(0, 1) + ok_lease), 10).ok());
  // id 0
  EXPECT_EQ(DecodeCode(Seal(Header(0, 1) + LeaseBytes(0, 10, 0, {}))),
            Code::kCorruption);
  // ids out of order, and duplicated
  EXPECT_EQ(DecodeCode(Seal(Header(0, 2) + LeaseBytes(2, 10, 0, {}) +
                            LeaseBytes(1, 10, 0, {}))),
            Code::kCorruption);
  EXPECT_EQ(
      DecodeCode(Seal(Header(0, 2) + ok_lease + LeaseBytes(1, 10, 0, {}))),
      Code::kCorruption);
  // TTLs
  EXPECT_EQ(DecodeCode(Seal(Header(0, 1) + LeaseBytes(1, 0, 0, {}))),
            Code::kCorruption);
  EXPECT_EQ(
      DecodeCode(Seal(Header(0, 1) + LeaseBytes(1, kMaxLeaseTtlS + 1, 0, {}))),
      Code::kCorruption);
  EXPECT_EQ(DecodeCode(Seal(Header(0, 1) + LeaseBytes(1, 10, -1, {}))),
            Code::kCorruption);
  // keys out of order, duplicated, or on two leases
  EXPECT_EQ(DecodeCode(Seal(Header(0, 1) + LeaseBytes(1, 10, 0, {"b", "a"}))),
            Code::kCorruption);
  EXPECT_EQ(DecodeCode(Seal(Header(0, 1) + LeaseBytes(1, 10, 0, {"a", "a"}))),
            Code::kCorruption);
  EXPECT_EQ(
      DecodeCode(Seal(Header(0, 2) + ok_lease + LeaseBytes(2, 10, 0, {"a"}))),
      Code::kCorruption);
  // counts larger than the input can hold, and trailing bytes
  EXPECT_EQ(DecodeCode(Seal(Header(0, 0xFFFFFFFF))), Code::kCorruption);
  std::string huge_keys = Header(0, 1);
  AppendFixed(huge_keys, 1, 8);
  AppendFixed(huge_keys, 10, 8);
  AppendFixed(huge_keys, 0, 8);
  AppendFixed(huge_keys, 0xFFFFFFFF, 4);
  EXPECT_EQ(DecodeCode(Seal(huge_keys)), Code::kCorruption);
  EXPECT_EQ(DecodeCode(Seal(Header(0, 1) + ok_lease + "x")), Code::kCorruption);
  // magic and version
  std::string bad_version = Seal(Header(0, 0));
  bad_version[3] = 2;
  EXPECT_EQ(DecodeCode(bad_version), Code::kCorruption);
}

TEST(LessorCodecTest, LeaseLimitIsResourceExhausted) {
  const std::string bytes = EncodeLessorImage(SampleImage());
  EXPECT_EQ(DecodeLessorImage(bytes, 2).status().code(),
            Code::kResourceExhausted);
  EXPECT_TRUE(DecodeLessorImage(bytes, 3).ok());
}

TEST(LessorCodecTest, RandomGarbageNeverCrashes) {
  Random rng(99);
  for (int i = 0; i < 2000; i++) {
    std::string junk(rng.Uniform(64), '\0');
    for (char& c : junk) c = char(rng.Uniform(256));
    if (rng.OneIn(1, 2)) junk = Seal(junk);  // get past the checksum
    Result<LessorImage> r = DecodeLessorImage(junk, 1000);
    if (r.ok()) {
      EXPECT_EQ(EncodeLessorImage(r.value()), junk);
    } else {
      EXPECT_EQ(r.status().code(), Code::kCorruption) << i;
    }
  }
}

}  // namespace
}  // namespace cairn::lease
