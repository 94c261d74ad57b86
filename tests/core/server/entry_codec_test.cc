// The server's Raft entry codec (entry payloads, member changes, member
// records): every write request type round-trips (checked field by field
// for the simple ones and by re-encoding for txns, whose types have no
// equality), binary keys and extreme integers survive, and hostile input is
// rejected with kCorruption: every truncation, every single-bit flip, a
// wrong record kind, frames with a valid checksum but an unknown tag or
// enum, a huge count, trailing bytes, txns nested past kMaxTxnDepth; and
// seeded random garbage never crashes.
#include "core/server/entry_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "core/util/coding.h"
#include "core/util/crc32c.h"
#include "core/util/random.h"
#include "core/util/strings.h"

namespace cairn::server {
namespace {

mvcc::TxnRequest SampleTxn() {
  mvcc::TxnRequest t;
  mvcc::Compare c;
  c.result = mvcc::Compare::Result::kNotEqual;
  c.target = mvcc::Compare::Target::kValue;
  c.key = std::string("k\0ey", 4);
  c.value = "v";
  c.range_end = "\xff";
  t.compare.push_back(c);
  mvcc::RangeRequest q;
  q.key = "a";
  q.range_end = std::string(1, '\0');
  q.limit = -1;
  q.revision = INT64_MIN;
  q.sort_order = mvcc::SortOrder::kDescend;
  q.sort_target = mvcc::SortTarget::kValue;
  q.count_only = true;
  q.max_create_revision = INT64_MAX;
  t.success.push_back({q});
  t.success.push_back({mvcc::PutRequest{.key = "p", .value = "", .lease = 7}});
  t.success.push_back({std::monostate{}});
  mvcc::TxnRequest inner;
  inner.failure.push_back({mvcc::DeleteRangeRequest{.key = "d"}});
  t.failure.push_back({inner});
  return t;
}

std::vector<WriteRequest> SampleWrites() {
  api::AlarmRequest alarm;
  alarm.action = api::AlarmRequest::Action::kActivate;
  alarm.member_id = UINT64_MAX;
  alarm.alarm = api::AlarmType::kNoSpace;
  return {
      mvcc::PutRequest{.key = "foo",
                       .value = std::string("b\0r", 3),
                       .lease = -3,
                       .prev_kv = true,
                       .ignore_value = false,
                       .ignore_lease = true},
      mvcc::DeleteRangeRequest{.key = "a", .range_end = "z", .prev_kv = true},
      SampleTxn(),
      mvcc::CompactionRequest{.revision = 42, .physical = true},
      api::LeaseGrantRequest{.ttl = 9'000'000'000, .id = INT64_MIN},
      api::LeaseRevokeRequest{.id = 5},
      LeaseCheckpointRequest{
          {{.id = 1, .remaining_ttl_s = 480}, {.id = 2, .remaining_ttl_s = 0}}},
      alarm,
      api::MemberUpdateRequest{.id = 0xabc, .peer_urls = {"http://x:1", ""}},
      MemberAttributesRequest{.id = UINT64_MAX,
                              .name = "m\x01",
                              .client_urls = {"http://127.0.0.1:2379"}},
  };
}

TEST(EntryCodecTest, EveryWriteRoundTrips) {
  for (const WriteRequest& w : SampleWrites()) {
    const EntryPayload p{.request_id = 0x1234567890abcdefULL, .request = w};
    const std::string bytes = EncodeEntryPayload(p);
    Result<EntryPayload> back = DecodeEntryPayload(bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back.value().request_id, p.request_id);
    EXPECT_EQ(back.value().request.index(), w.index());
    EXPECT_EQ(EncodeEntryPayload(back.value()), bytes);
  }
}

TEST(EntryCodecTest, TheSessionRoundTripsWithAndWithoutAuth) {
  for (bool with_auth : {false, true}) {
    EntryPayload p{.request_id = 0x1234567890abcdefULL,
                   .session = 0xfedcba9876543211ULL,
                   .request = mvcc::PutRequest{.key = "k", .value = "v"}};
    if (with_auth) p.auth = auth::AuthInfo{.user = "u", .revision = 4};
    const std::string bytes = EncodeEntryPayload(p);
    EXPECT_EQ(bytes[5], 3);  // version byte after CRC and kind
    Result<EntryPayload> back = DecodeEntryPayload(bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back.value().request_id, p.request_id);
    EXPECT_EQ(back.value().session, p.session);
    EXPECT_EQ(back.value().auth.has_value(), with_auth);
    EXPECT_EQ(EncodeEntryPayload(back.value()), bytes);
  }
  // Without a session: the older versions, decoding with session 0.
  const std::string v1 = EncodeEntryPayload(
      {.request_id = 1, .request = mvcc::PutRequest{.key = "k"}});
  EXPECT_EQ(v1[5], 1);
  Result<EntryPayload> back = DecodeEntryPayload(v1);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value().session, 0u);
}

TEST(EntryCodecTest, FieldsSurvive) {
  const std::vector<WriteRequest> writes = SampleWrites();
  Result<EntryPayload> put =
      DecodeEntryPayload(EncodeEntryPayload({.request = writes[0]}));
  ASSERT_TRUE(put.ok());
  const auto& p = std::get<mvcc::PutRequest>(put.value().request);
  EXPECT_EQ(p.value, std::string("b\0r", 3));
  EXPECT_EQ(p.lease, -3);
  EXPECT_TRUE(p.prev_kv);
  EXPECT_TRUE(p.ignore_lease);
  Result<EntryPayload> txn =
      DecodeEntryPayload(EncodeEntryPayload({.request = writes[2]}));
  ASSERT_TRUE(txn.ok());
  const auto& t = std::get<mvcc::TxnRequest>(txn.value().request);
  ASSERT_EQ(t.success.size(), 3u);
  const auto& q = std::get<mvcc::RangeRequest>(t.success[0].request);
  EXPECT_EQ(q.revision, INT64_MIN);
  EXPECT_EQ(q.sort_order, mvcc::SortOrder::kDescend);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(t.success[2].request));
  const auto& inner = std::get<mvcc::TxnRequest>(t.failure[0].request);
  EXPECT_EQ(std::get<mvcc::DeleteRangeRequest>(inner.failure[0].request).key,
            "d");
  Result<EntryPayload> cp =
      DecodeEntryPayload(EncodeEntryPayload({.request = writes[6]}));
  ASSERT_TRUE(cp.ok());
  const auto& cps =
      std::get<LeaseCheckpointRequest>(cp.value().request).checkpoints;
  ASSERT_EQ(cps.size(), 2u);
  EXPECT_EQ(cps[0].id, 1);
  EXPECT_EQ(cps[0].remaining_ttl_s, 480);
  EXPECT_EQ(cps[1].id, 2);
}

TEST(EntryCodecTest, MemberChangeAndMemberRoundTrip) {
  MemberChange c;
  c.request_id = 9;
  c.kind = MemberChange::Kind::kPromote;
  c.member = {.id = 0xdeadbeef,
              .name = "n1",
              .peer_urls = {"http://a:2380"},
              .client_urls = {"http://a:2379", "http://b:2379"},
              .is_learner = true};
  Result<MemberChange> back = DecodeMemberChange(EncodeMemberChange(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value().request_id, 9u);
  EXPECT_EQ(back.value().kind, MemberChange::Kind::kPromote);
  EXPECT_EQ(back.value().member, c.member);
  Result<api::Member> m = DecodeMember(EncodeMember(c.member));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.value(), c.member);
  // A member record is not a member change, nor an entry payload.
  EXPECT_EQ(DecodeMemberChange(EncodeMember(c.member)).status().code(),
            Code::kCorruption);
  EXPECT_EQ(DecodeEntryPayload(EncodeMember(c.member)).status().code(),
            Code::kCorruption);
}

TEST(EntryCodecTest, EveryTruncationAndBitFlipIsRejected) {
  const std::string bytes =
      EncodeEntryPayload({.request_id = 77, .request = SampleWrites()[2]});
  for (size_t n = 0; n < bytes.size(); n++) {
    EXPECT_EQ(DecodeEntryPayload(bytes.substr(0, n)).status().code(),
              Code::kCorruption)
        << "length " << n;
  }
  for (size_t i = 0; i < bytes.size() * 8; i++) {
    std::string bad = bytes;
    bad[i / 8] = static_cast<char>(bad[i / 8] ^ (1 << (i % 8)));
    EXPECT_EQ(DecodeEntryPayload(bad).status().code(), Code::kCorruption)
        << "bit " << i;
  }
}

// Frames a hand-made body (kind 1 = entry payload, version 1) with a valid
// checksum, so that the field checks themselves are exercised.
std::string Seal(const std::string& fields, uint8_t kind = 1) {
  std::string body;
  body.push_back(static_cast<char>(kind));
  body.push_back(1);
  body += fields;
  std::string out;
  AppendFixed(out, Crc32c(body), 4);
  return out + body;
}

TEST(EntryCodecTest, ValidChecksumBadFieldsAreRejected) {
  // Request id 1, put of key "k" value "" lease 0, three false flags.
  const std::string good_put =
      std::string("\x01\x00\x01k\x00\x00", 6) + std::string("\x00\x00\x00", 3);
  ASSERT_TRUE(DecodeEntryPayload(Seal(good_put)).ok());
  const std::vector<std::string> bad = {
      std::string("\x01\x09", 2),                           // unknown tag
      good_put + "x",                                       // trailing byte
      std::string("\x01\x00\x01k\x00\x00\x02\x00\x00", 9),  // bool 2
      std::string("\x01\x00\xff\xff\xff\xff\x0f", 7),       // huge key length
      std::string("\x01\x06\xff\xff\xff\xff\x0f", 7),       // huge count
      std::string("\x81\x00\x00\x00\x01k\x00\x00\x00\x00\x00", 11),  // 0x81 00
  };
  for (const std::string& fields : bad) {
    EXPECT_EQ(DecodeEntryPayload(Seal(fields)).status().code(),
              Code::kCorruption)
        << EscapeBytes(fields);
  }
  EXPECT_EQ(DecodeEntryPayload(Seal(good_put, 2)).status().code(),
            Code::kCorruption);
}

TEST(EntryCodecTest, NestingPastTheLimitIsRejected) {
  auto nested = [](int depth) {
    mvcc::TxnRequest t;
    for (int i = 1; i < depth; i++) {
      mvcc::TxnRequest outer;
      outer.success.push_back({t});
      t = outer;
    }
    return EncodeEntryPayload({.request = t});
  };
  EXPECT_TRUE(DecodeEntryPayload(nested(kMaxTxnDepth)).ok());
  EXPECT_EQ(DecodeEntryPayload(nested(kMaxTxnDepth + 1)).status().code(),
            Code::kCorruption);
}

TEST(EntryCodecTest, RandomGarbageNeverCrashes) {
  Random rnd(20261125);
  int accepted = 0;
  for (int i = 0; i < 20000; i++) {
    std::string junk(rnd.Uniform(64), '\0');
    for (char& ch : junk) ch = static_cast<char>(rnd.Next());
    // Half the cases get a valid frame so that the field decoders run.
    if (i % 2 == 0) junk = Seal(junk);
    Result<EntryPayload> r = DecodeEntryPayload(junk);
    if (r.ok()) {
      accepted++;
      EXPECT_EQ(EncodeEntryPayload(r.value()), junk);
    }
    (void)DecodeMemberChange(junk);
  }
  EXPECT_LT(accepted, 20000);
}

}  // namespace
}  // namespace cairn::server
