// DumpBackend / RestoreBackend: a dump restores to exactly the same content
// (binary keys and values, empty values, an empty backend); restoring
// replaces everything (keys absent from the dump are gone) in one synced
// commit that survives a crash; every truncation and every single-bit flip
// of a dump is rejected as kCorruption without touching the backend; a
// backend whose Commit fails reports kIOError. The streaming encoder
// produces the same bytes and predicts their size exactly.
#include "core/storage/backend_snapshot.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/storage/memory_backend.h"

namespace cairn::storage {
namespace {

using Map = std::map<std::string, std::string>;

Map All(const Backend& b) {
  Map out;
  Status s = b.Scan({}, {}, [&](std::string_view k, std::string_view v) {
    out.emplace(std::string(k), std::string(v));
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

void Fill(Backend& b, const Map& content) {
  WriteBatch batch;
  for (const auto& [k, v] : content) batch.Put(k, v);
  ASSERT_TRUE(b.Commit(batch, false).ok());
}

const Map kContent = {{std::string("\0k", 2), std::string("\0v\xff", 3)},
                      {"empty", ""},
                      {"kv/0001", std::string(300, 'x')},
                      {"meta/kv", "m"}};

TEST(BackendSnapshotTest, RoundTripReplacesEverything) {
  MemoryBackend src;
  Fill(src, kContent);
  Result<std::string> dump = DumpBackend(src);
  ASSERT_TRUE(dump.ok());
  MemoryBackend dst;
  Fill(dst, {{"stale", "1"}, {"meta/kv", "old"}});
  ASSERT_TRUE(RestoreBackend(dst, dump.value()).ok());
  EXPECT_EQ(All(dst), kContent);
  // One synced commit: it survives a crash whole.
  dst.Crash();
  EXPECT_EQ(All(dst), kContent);
  // The encoding is canonical.
  EXPECT_EQ(DumpBackend(dst).value(), dump.value());
}

TEST(BackendSnapshotTest, EmptyBackendRoundTrips) {
  MemoryBackend src;
  Result<std::string> dump = DumpBackend(src);
  ASSERT_TRUE(dump.ok());
  MemoryBackend dst;
  Fill(dst, kContent);
  ASSERT_TRUE(RestoreBackend(dst, dump.value()).ok());
  EXPECT_TRUE(All(dst).empty());
}

TEST(BackendSnapshotTest, DamagedDumpIsRejectedUntouched) {
  MemoryBackend src;
  Fill(src, kContent);
  const std::string dump = DumpBackend(src).value();
  const Map before = {{"keep", "me"}};
  MemoryBackend dst;
  Fill(dst, before);
  for (size_t n = 0; n < dump.size(); n++) {
    Status s = RestoreBackend(dst, std::string_view(dump).substr(0, n));
    ASSERT_EQ(s.code(), Code::kCorruption) << "truncated to " << n;
  }
  for (size_t i = 0; i < dump.size(); i++) {
    for (int bit = 0; bit < 8; bit++) {
      std::string bad = dump;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Status s = RestoreBackend(dst, bad);
      ASSERT_EQ(s.code(), Code::kCorruption) << "byte " << i << " bit " << bit;
    }
  }
  EXPECT_EQ(RestoreBackend(dst, dump + "x").code(), Code::kCorruption);
  EXPECT_EQ(All(dst), before);
}

// Zero padding to a page boundary restores as the dump does; anything
// else after the trailer is corruption.
TEST(BackendSnapshotTest, ZeroPaddingUnderAPageIsAccepted) {
  MemoryBackend src;
  Fill(src, kContent);
  const std::string dump = DumpBackend(src).value();
  const size_t pad = DumpPaddingBytes(dump.size());
  ASSERT_GT(pad, 0u);
  EXPECT_EQ((dump.size() + pad) % kDumpAlignment, 0u);
  EXPECT_EQ(DumpPaddingBytes(dump.size() + pad), 0u);
  MemoryBackend dst;
  ASSERT_TRUE(RestoreBackend(dst, dump + std::string(pad, '\0')).ok());
  EXPECT_EQ(All(dst), kContent);
  const Map before = {{"keep", "me"}};
  MemoryBackend untouched;
  Fill(untouched, before);
  std::string nonzero = dump + std::string(pad, '\0');
  nonzero.back() = 1;
  EXPECT_EQ(RestoreBackend(untouched, nonzero).code(), Code::kCorruption);
  EXPECT_EQ(RestoreBackend(untouched, dump + std::string(kDumpAlignment, '\0'))
                .code(),
            Code::kCorruption);
  EXPECT_EQ(All(untouched), before);
}

TEST(BackendSnapshotTest, CorruptSourceCannotBeDumped) {
  MemoryBackend src;
  Fill(src, kContent);
  ASSERT_TRUE(src.CorruptValue("empty"));
  EXPECT_EQ(DumpBackend(src).status().code(), Code::kCorruption);
}

TEST(BackendSnapshotTest, FailedCommitIsReported) {
  MemoryBackend src;
  Fill(src, kContent);
  MemoryBackend dst;
  dst.FailCommits(1);
  EXPECT_EQ(RestoreBackend(dst, DumpBackend(src).value()).code(),
            Code::kIOError);
  EXPECT_TRUE(All(dst).empty());
}

// The streaming encoder gives DumpBackend's bytes piece by piece, and the
// sizes it predicts are exact, so a stream can announce its length.
TEST(BackendSnapshotTest, EncoderPiecesMatchTheDumpAndTheirSizes) {
  MemoryBackend src;
  Map content = kContent;
  content.emplace(std::string(200, 'k'), std::string(70000, 'v'));
  Fill(src, content);
  DumpEncoder enc;
  std::string out = enc.Header();
  size_t predicted = DumpEncoder::HeaderBytes();
  for (const auto& [k, v] : content) {
    const size_t before = out.size();
    enc.Record(out, k, v);
    EXPECT_EQ(out.size() - before, DumpEncoder::RecordBytes(k, v)) << k;
    predicted += DumpEncoder::RecordBytes(k, v);
  }
  const std::string trailer = enc.Trailer();
  EXPECT_EQ(trailer.size(), DumpEncoder::TrailerBytes(content.size()));
  out += trailer;
  predicted += trailer.size();
  EXPECT_EQ(out, DumpBackend(src).value());
  EXPECT_EQ(out.size(), predicted);
  MemoryBackend dst;
  ASSERT_TRUE(RestoreBackend(dst, out).ok());
  EXPECT_EQ(All(dst), content);
}

}  // namespace
}  // namespace cairn::storage
