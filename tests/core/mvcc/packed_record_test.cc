#include "core/mvcc/packed_record.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn::mvcc {
namespace {

KvRecord Put(std::string key, std::string value, int64_t lease) {
  return KvRecord{.rev = Revision{300, 2},
                  .tombstone = false,
                  .kv = KeyValue{.key = std::move(key),
                                 .create_revision = 7,
                                 .mod_revision = 300,
                                 .version = 5,
                                 .value = std::move(value),
                                 .lease = lease}};
}

TEST(PackedRecordTest, PutRoundTripsEveryField) {
  for (const KvRecord& r :
       {Put("k", "", 0), Put(std::string(200, 'k'), std::string(5000, 'v'), 9),
        Put(std::string("a\0b", 3), "\xff\x00", -1)}) {
    PackedRecord p(r);
    EXPECT_EQ(p.rev, r.rev);
    EXPECT_FALSE(p.Unpack().tombstone);
    EXPECT_EQ(p.kv().key, r.kv.key);
    EXPECT_EQ(p.kv(), r.kv);
    EXPECT_EQ(p.Unpack(), r);
    EXPECT_EQ(p.payload_bytes(), r.kv.key.size() + r.kv.value.size());
  }
}

TEST(PackedRecordTest, TombstoneHoldsOnlyTheKey) {
  const KvRecord r{
      .rev = Revision{9, 0}, .tombstone = true, .kv = KeyValue{.key = "gone"}};
  PackedRecord p(r);
  EXPECT_TRUE(p.Unpack().tombstone);
  EXPECT_EQ(p.kv().key, "gone");
  EXPECT_EQ(p.kv(), KeyValue{.key = "gone"});
  EXPECT_EQ(p.Unpack(), r);
  EXPECT_EQ(p.payload_bytes(), 4u);
}

// A value large enough that the block's length prefix takes three bytes.
TEST(PackedRecordTest, LongBodyLengthPrefix) {
  const KvRecord r = Put("big", std::string(100000, 'x'), 1);
  PackedRecord p(r);
  EXPECT_EQ(p.Unpack(), r);
  EXPECT_GE(p.heap_bytes(), 100000u + 3);
  EXPECT_LE(p.heap_bytes(), 100000u + 20);
}

TEST(PackedRecordTest, BodyDecodeRejectsDamage) {
  std::string body;
  AppendKvRecordBody(Put("key", "value", 0), body);
  KvRecord out;
  ASSERT_TRUE(DecodeKvRecordBody(body, Revision{300, 2}, out).ok());
  EXPECT_FALSE(DecodeKvRecordBody(body + "x", Revision{300, 2}, out).ok());
  EXPECT_FALSE(
      DecodeKvRecordBody(body.substr(0, body.size() - 1), Revision{300, 2}, out)
          .ok());
  std::string bad_kind = body;
  bad_kind[0] = 2;
  Status s = DecodeKvRecordBody(bad_kind, Revision{300, 2}, out);
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_EQ(s.message(), "unknown record kind");
}

}  // namespace
}  // namespace cairn::mvcc
