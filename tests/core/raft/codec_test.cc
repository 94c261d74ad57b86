// The binary codec: round trips of every encoded type with all fields
// set, and that every truncation, every single bit flip and trailing
// garbage is rejected with kCorruption instead of crashing.
#include "core/raft/codec.h"

#include <gtest/gtest.h>

#include "core/util/random.h"

namespace cairn::raft {
namespace {

Message FullMessage() {
  Message m = NewMsg(MessageType::kSnap, 2, 1);
  m.term = 7;
  m.log_term = 6;
  m.index = 1ull << 40;
  m.commit = 300;
  m.reject = true;
  m.reject_hint = 299;
  m.context = std::string("ctx\0x", 5);
  Entry e = NewEntry("hello");
  e.term = 6;
  e.index = 301;
  m.entries.push_back(e);
  ConfChange cc;
  cc.transition = ConfChangeTransition::kJointExplicit;
  cc.changes = {{ConfChangeType::kAddLearnerNode, 4},
                {ConfChangeType::kRemoveNode, 3}};
  Entry c = NewEntry(EncodeConfChange(cc), EntryType::kConfChange);
  c.term = 7;
  c.index = 302;
  m.entries.push_back(c);
  Snapshot s;
  s.metadata.index = 290;
  s.metadata.term = 5;
  s.metadata.conf_state.voters = {1, 2};
  s.metadata.conf_state.voters_outgoing = {1, 2, 3};
  s.metadata.conf_state.learners_next = {3};
  s.metadata.conf_state.learners = {4};
  s.metadata.conf_state.auto_leave = true;
  s.data = std::string(100, '\xff');
  m.snapshot = s;
  return m;
}

// Every prefix and every single-bit flip must be rejected.
template <typename Decode>
void ExpectAllCorruptionsRejected(const std::string& enc, Decode decode) {
  for (size_t n = 0; n < enc.size(); n++) {
    auto r = decode(std::string_view(enc).substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix " << n;
    EXPECT_EQ(r.status().code(), Code::kCorruption);
  }
  for (size_t i = 0; i < enc.size(); i++) {
    for (int bit = 0; bit < 8; bit++) {
      std::string bad = enc;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      auto r = decode(bad);
      ASSERT_FALSE(r.ok()) << "flip byte " << i << " bit " << bit;
      EXPECT_EQ(r.status().code(), Code::kCorruption);
    }
  }
  EXPECT_FALSE(decode(enc + "x").ok());
}

TEST(CodecTest, Crc32cKnownValue) {
  // The standard check value of CRC-32C.
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c("6789", Crc32c("12345")), 0xe3069283u);
}

TEST(CodecTest, MessageRoundTrip) {
  const Message m = FullMessage();
  const std::string enc = EncodeMessage(m);
  Result<Message> got = DecodeMessage(enc);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got.value(), m);
  Message empty;
  EXPECT_EQ(DecodeMessage(EncodeMessage(empty)).value(), empty);
}

TEST(CodecTest, MessageCorruptionRejected) {
  ExpectAllCorruptionsRejected(
      EncodeMessage(FullMessage()),
      [](std::string_view b) { return DecodeMessage(b); });
}

TEST(CodecTest, OtherTypesRoundTripAndRejectCorruption) {
  Entry e = NewEntry("payload", EntryType::kNormal);
  e.term = UINT64_MAX;
  e.index = 12345;
  EXPECT_EQ(DecodeEntry(EncodeEntry(e)).value(), e);
  ExpectAllCorruptionsRejected(
      EncodeEntry(e), [](std::string_view b) { return DecodeEntry(b); });
  HardState hs{9, 3, 77};
  EXPECT_EQ(DecodeHardState(EncodeHardState(hs)).value(), hs);
  ExpectAllCorruptionsRejected(EncodeHardState(hs), [](std::string_view b) {
    return DecodeHardState(b);
  });
  const Snapshot s = *FullMessage().snapshot;
  EXPECT_EQ(DecodeSnapshot(EncodeSnapshot(s)).value(), s);
  ExpectAllCorruptionsRejected(
      EncodeSnapshot(s), [](std::string_view b) { return DecodeSnapshot(b); });
  ConfChange cc;
  cc.changes = {{ConfChangeType::kAddNode, 9}};
  cc.context = "c";
  EXPECT_EQ(DecodeConfChange(EncodeConfChange(cc)).value(), cc);
  ExpectAllCorruptionsRejected(EncodeConfChange(cc), [](std::string_view b) {
    return DecodeConfChange(b);
  });
}

TEST(CodecTest, KindsAreNotInterchangeable) {
  EXPECT_EQ(DecodeEntry(EncodeHardState(HardState{1, 1, 1})).status().code(),
            Code::kCorruption);
}

TEST(CodecTest, RandomBytesNeverCrash) {
  Random rnd(42);
  for (int i = 0; i < 20000; i++) {
    std::string junk(rnd.Uniform(64), '\0');
    for (char& c : junk) c = static_cast<char>(rnd.Next());
    // Random bytes with a valid checksum exercise the body parser too.
    if (junk.size() >= 4 && rnd.OneIn(1, 2)) {
      const uint32_t crc = Crc32c(std::string_view(junk).substr(4));
      for (int k = 0; k < 4; k++) junk[k] = static_cast<char>(crc >> (8 * k));
      if (junk.size() > 5) {
        junk[4] = static_cast<char>(1 + rnd.Uniform(5));
        junk[5] = 1;
        const uint32_t crc2 = Crc32c(std::string_view(junk).substr(4));
        for (int k = 0; k < 4; k++) {
          junk[k] = static_cast<char>(crc2 >> (8 * k));
        }
      }
    }
    (void)DecodeMessage(junk);
    (void)DecodeEntry(junk);
    (void)DecodeSnapshot(junk);
    (void)DecodeConfChange(junk);
    (void)DecodeHardState(junk);
  }
}

}  // namespace
}  // namespace cairn::raft
