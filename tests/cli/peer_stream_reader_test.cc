// PeerStreamReader over a socketpair: the bytes of a /raft/stream request
// arrive in pieces of every size, and the reader steps out exactly the
// messages of the frames they complete, answers as a worker would (204,
// 400 with the reason, 503 when dropped, nothing to a sender that left),
// and never blocks.
#include "cli/cairn/peer_stream_reader.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "cli/cairn/metrics.h"
#include "cli/cairn/peer_transport.h"
#include "tests/cli/peer_stream_util.h"

namespace cairn::node {
namespace {

using testing::App;
using testing::Chunk;
using testing::kHead;
using testing::Pair;

TEST(PeerStreamReaderTest, PiecesOfEverySizeGiveTheMessagesInOrder) {
  std::string body;
  std::vector<raft::Message> want;
  for (uint64_t i = 0; i < 6; ++i) want.push_back(App(i, i * 300));
  // Two frames in one chunk, one frame across two chunks, and the rest.
  const std::string f01 = EncodeMessageBatch({want[0], want[1]});
  const std::string f2 = EncodeMessageBatch({want[2]});
  const std::string f345 = EncodeMessageBatch({want[3], want[4], want[5]});
  const std::string all = kHead + Chunk(f01) + Chunk(f2.substr(0, 9)) +
                          Chunk(f2.substr(9)) + Chunk(f345) +
                          "0\r\nX-Trailer: t\r\n\r\n";
  for (size_t piece : {size_t{1}, size_t{7}, size_t{100}, all.size()}) {
    Pair p;
    Counter bytes;
    PeerStreamReader r(p.reader_fd, "", 1, {}, &bytes);
    std::vector<raft::Message> got;
    for (size_t at = 0; at < all.size(); at += piece) {
      p.Send(std::string_view(all).substr(at, piece));
      ASSERT_FALSE(r.ended()) << piece << " at " << at;
      r.Read(&got);
    }
    r.Read(&got);  // nothing more: must not block
    EXPECT_TRUE(r.ended()) << piece;
    EXPECT_EQ(got, want) << piece;
    EXPECT_EQ(bytes.value(), double(f01.size() + f2.size() + f345.size()));
    EXPECT_EQ(p.Answer(),
              "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n"
              "Connection: close\r\n\r\n");
  }
}

TEST(PeerStreamReaderTest, BytesAlreadyReadComeFirst) {
  Pair p;
  const std::string all =
      kHead + Chunk(EncodeMessageBatch({App(7)})) + "0\r\n\r\n";
  PeerStreamReader r(p.reader_fd, all.substr(0, 20), 1, {}, nullptr);
  p.Send(all.substr(20));
  std::vector<raft::Message> got;
  r.Read(&got);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], App(7));
  EXPECT_TRUE(r.ended());
}

// Bad input ends the stream with 400 and its reason, after the messages
// of the frames before it.
TEST(PeerStreamReaderTest, BadChunksAndFramesAreRefused) {
  const std::string good = Chunk(EncodeMessageBatch({App(1)}));
  std::string bad_frame = EncodeMessageBatch({App(2)});
  bad_frame[bad_frame.size() - 3] ^= 0x40;
  std::string long_frame = EncodeMessageBatch({App(3, 100)});
  struct Case {
    std::string bytes;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {good + "zz\r\n", "bad chunk size line"},
           {good + "3\r\nabcXY", "chunk not followed by CRLF"},
           {good + Chunk(bad_frame), "frame 1: "},
           {good + Chunk(long_frame), "over the limit"},
           {good + Chunk(EncodeMessageBatch({App(4)}).substr(0, 6)) +
                "0\r\n\r\n",
            "stream ended inside a frame"},
           {good + std::string(5000, '1'), "chunk size line too long"},
       }) {
    Pair p;
    PeerStreamReader r(p.reader_fd, "", 1, {.max_frame = 80}, nullptr);
    p.Send(kHead + c.bytes);
    std::vector<raft::Message> got;
    r.Read(&got);
    EXPECT_TRUE(r.ended()) << c.reason;
    ASSERT_EQ(got.size(), 1u) << c.reason;
    EXPECT_EQ(got[0], App(1));
    const std::string answer = p.Answer();
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 Bad Request\r\n")) << answer;
    EXPECT_NE(answer.find(c.reason), std::string::npos) << answer;
    got.clear();
    r.Read(&got);  // ended: reads nothing more
    EXPECT_TRUE(got.empty());
  }
}

TEST(PeerStreamReaderTest, ASenderThatLeavesIsClosedUnanswered) {
  Pair p;
  PeerStreamReader r(p.reader_fd, "", 1, {}, nullptr);
  p.Send(kHead + Chunk(EncodeMessageBatch({App(1)})));
  ::shutdown(p.sender, SHUT_WR);
  std::vector<raft::Message> got;
  // As the loop's poller does: the socket reads as ready until the end
  // has been read.
  for (int i = 0; i < 3 && !r.ended(); ++i) r.Read(&got);
  EXPECT_EQ(got.size(), 1u);  // what came before still counts
  EXPECT_TRUE(r.ended());
  EXPECT_EQ(p.Answer(), "");
}

TEST(PeerStreamReaderTest, DroppedIsAnswered503AndEndIsOnce) {
  Pair p;
  {
    PeerStreamReader r(p.reader_fd, "", 1, {}, nullptr);
    p.Send(kHead);
    std::vector<raft::Message> got;
    r.Read(&got);
    EXPECT_FALSE(r.ended());
  }
  EXPECT_TRUE(p.Answer().starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
  Pair q;
  {
    PeerStreamReader r(q.reader_fd, "", 1, {}, nullptr);
    r.End(410, "removed");
  }
  const std::string answer = q.Answer();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 410 Gone\r\n")) << answer;
  EXPECT_TRUE(answer.ends_with("\r\n\r\nremoved\n")) << answer;
}

TEST(PeerStreamReaderTest, IdleAfterTheTimeoutWithoutBytes) {
  Pair p;
  PeerStreamReader r(p.reader_fd, "", 1,
                     {.idle_timeout = std::chrono::milliseconds(50)}, nullptr);
  const auto now = PeerStreamReader::Clock::now();
  EXPECT_FALSE(r.Idle(now));
  EXPECT_TRUE(r.Idle(now + std::chrono::milliseconds(60)));
  p.Send(kHead);
  std::vector<raft::Message> got;
  r.Read(&got);
  EXPECT_FALSE(r.Idle(PeerStreamReader::Clock::now()));
}

}  // namespace
}  // namespace cairn::node
