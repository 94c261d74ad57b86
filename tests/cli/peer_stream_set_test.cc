// PeerStreamSet over socketpairs and a real LoopPoller: a stream whose
// first messages came with its head is stepped at adoption, not when the
// sender next writes; later bytes are stepped when the poller sees them;
// a stream that ends is answered and forgotten; a removed sender gets
// 410; a silent one is closed unanswered; Clear answers 503.
#include "cli/cairn/peer_stream_set.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cli/cairn/loop_poller.h"
#include "cli/cairn/peer_transport.h"
#include "tests/cli/peer_stream_util.h"

namespace cairn::node {
namespace {

using std::chrono::milliseconds;
using testing::App;
using testing::Chunk;
using testing::kHead;
using testing::Pair;

struct Fixture {
  explicit Fixture(bool removed = false)
      : poller(LoopPoller::Create().value()),
        set(
            *poller, [removed](uint64_t) { return removed; },
            [this](std::vector<raft::Message>& msgs) {
              for (raft::Message& m : msgs) stepped.push_back(m.index);
            }) {}
  // A reader of `pair` that has taken `read` off the socket already.
  std::shared_ptr<PeerStreamReader> Reader(
      Pair& pair, std::string read, milliseconds idle = milliseconds(5000)) {
    return std::make_shared<PeerStreamReader>(
        pair.reader_fd, std::move(read), 1,
        PeerStreamReader::Options{.idle_timeout = idle}, nullptr);
  }
  // Lets the poller run the readers of what arrived.
  void Poll() { poller->Wait(milliseconds(100)); }

  std::unique_ptr<LoopPoller> poller;
  std::vector<uint64_t> stepped;  // the messages' indexes
  PeerStreamSet set;
};

TEST(PeerStreamSetTest, MessagesThatCameWithTheHeadAreSteppedAtAdoption) {
  Fixture f;
  Pair pair;
  // The guard read the head and a whole message; the socket holds
  // nothing, so no readiness will come for them.
  ASSERT_TRUE(
      f.set.Adopt(f.Reader(pair, kHead + Chunk(EncodeMessageBatch({App(7)})))));
  EXPECT_EQ(f.stepped, std::vector<uint64_t>{7});
  EXPECT_EQ(f.set.size(), 1u);
}

TEST(PeerStreamSetTest, LaterBytesAreSteppedWhenPolledAndTheEndIsAnswered) {
  Fixture f;
  Pair pair;
  ASSERT_TRUE(f.set.Adopt(f.Reader(pair, kHead)));
  EXPECT_TRUE(f.stepped.empty());
  pair.Send(Chunk(EncodeMessageBatch({App(1), App(2)})));
  f.Poll();
  EXPECT_EQ(f.stepped, (std::vector<uint64_t>{1, 2}));
  pair.Send(Chunk(EncodeMessageBatch({App(3)})) + "0\r\n\r\n");
  f.Poll();
  EXPECT_EQ(f.stepped, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(f.set.size(), 0u);  // ended, and forgotten
  EXPECT_EQ(pair.Answer().substr(0, 24), "HTTP/1.1 204 No Content\r");
}

TEST(PeerStreamSetTest, ARemovedSenderIsAnswered410AndNothingIsStepped) {
  Fixture f(/*removed=*/true);
  Pair pair;
  ASSERT_TRUE(
      f.set.Adopt(f.Reader(pair, kHead + Chunk(EncodeMessageBatch({App(7)})))));
  EXPECT_TRUE(f.stepped.empty());
  EXPECT_EQ(f.set.size(), 0u);
  const std::string answer = pair.Answer();
  EXPECT_EQ(answer.substr(0, 17), "HTTP/1.1 410 Gone");
  EXPECT_NE(answer.find("permanently removed"), std::string::npos);
}

TEST(PeerStreamSetTest, ASilentStreamIsClosedUnansweredAndClearAnswers503) {
  Fixture f;
  Pair silent;   // idle timeout 5 s
  Pair patient;  // idle timeout 60 s
  ASSERT_TRUE(f.set.Adopt(f.Reader(silent, kHead)));
  ASSERT_TRUE(f.set.Adopt(f.Reader(patient, kHead, milliseconds(60000))));
  const auto t0 = PeerStreamSet::Clock::now();
  // Before the idle timeout: neither is closed.
  f.set.Sweep(t0 + milliseconds(4600));
  EXPECT_EQ(f.set.size(), 2u);
  // Past it, but within a second of the last look: not looked at.
  f.set.Sweep(t0 + milliseconds(5400));
  EXPECT_EQ(f.set.size(), 2u);
  // A second after the last look: the silent one is closed, unanswered.
  f.set.Sweep(t0 + milliseconds(6000));
  EXPECT_EQ(f.set.size(), 1u);
  char byte;
  EXPECT_EQ(::recv(silent.sender, &byte, 1, MSG_DONTWAIT), 0);    // closed
  EXPECT_EQ(::recv(patient.sender, &byte, 1, MSG_DONTWAIT), -1);  // open
  Pair last;
  ASSERT_TRUE(f.set.Adopt(f.Reader(last, kHead)));
  f.set.Clear();
  EXPECT_EQ(f.set.size(), 0u);
  EXPECT_EQ(patient.Answer().substr(0, 12), "HTTP/1.1 503");
  EXPECT_EQ(last.Answer().substr(0, 12), "HTTP/1.1 503");
}

}  // namespace
}  // namespace cairn::node
