// PeerTransport over real HTTP on 127.0.0.1 with ephemeral ports: two
// transports exchange thousands of messages in both directions, in order,
// batched into fewer POSTs; a dead peer (connection refused) and a slow
// one (accepts nothing) never block Send or the messages to a live peer
// and are reported unreachable; malformed bodies, foreign clusters and
// missing headers are refused (400/412) with nothing delivered; a
// multi-megabyte MsgSnap travels on the chunked snapshot stream and its
// outcome is reported. Waits poll against deadlines; nothing sleeps a
// fixed time.
#include "cli/cairn/peer_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cli/cairn/http_listener.h"
#include "cli/cairn/loop_poller.h"
#include "cli/cairn/peer_stream_reader.h"
#include "cli/cairn/peer_stream_set.h"
#include "core/raft/codec.h"
#include "tests/cli/raw_socket.h"

namespace cairn::node {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

bool WaitFor(const std::function<bool()>& cond, milliseconds limit) {
  auto deadline = steady_clock::now() + limit;
  while (steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return cond();
}

raft::Message AppMsg(uint64_t from, uint64_t to, uint64_t seq) {
  raft::Message m = raft::NewMsg(raft::MessageType::kApp, to, from);
  m.term = 3;
  m.index = seq;
  m.entries.push_back(raft::Entry{
      .term = 3, .index = seq + 1, .data = "payload-" + std::to_string(seq)});
  return m;
}

// Reads the streams a listener hands over on its own thread, as the
// node's host loop does (NodeHost::AdoptStream): a LoopPoller, a reader
// per stream, 410 for a removed sender.
class TestLoop {
 public:
  using Deliver = std::function<void(std::vector<raft::Message>)>;
  TestLoop(Deliver deliver, std::function<bool(uint64_t)> removed)
      : poller_(LoopPoller::Create().value()),
        streams_(*poller_, std::move(removed),
                 [deliver = std::move(deliver)](
                     std::vector<raft::Message>& msgs) { deliver(msgs); }),
        thread_([this] { Run(); }) {}
  ~TestLoop() {
    stop_ = true;
    poller_->Wake();
    thread_.join();
  }
  void Adopt(std::unique_ptr<PeerStreamReader> r) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      adopted_.push_back(std::move(r));
      ++adopted_count_;
    }
    poller_->Wake();
  }
  size_t adopted() {
    std::lock_guard<std::mutex> lock(mu_);
    return adopted_count_;
  }

 private:
  void Run() {
    while (!stop_.load()) {
      poller_->Wait(milliseconds(20));
      std::vector<std::unique_ptr<PeerStreamReader>> fresh;
      {
        std::lock_guard<std::mutex> lock(mu_);
        fresh.swap(adopted_);
      }
      for (auto& r : fresh) ASSERT_TRUE(streams_.Adopt(std::move(r)));
      streams_.Sweep(PeerStreamSet::Clock::now());
    }
    streams_.Clear();
  }

  std::unique_ptr<LoopPoller> poller_;
  PeerStreamSet streams_;  // the loop's
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::unique_ptr<PeerStreamReader>> adopted_;
  size_t adopted_count_ = 0;
  std::thread thread_;
};

// A transport with its peer listener and what it received. With
// `loop_reads`, the listener hands its streams to a TestLoop, as the
// node's plain peer listeners do.
struct Member {
  explicit Member(uint64_t id, PeerTransportOptions opts = {},
                  bool loop_reads = false) {
    opts.local_id = id;
    opts.cluster_id = 0xc1;
    transport = std::make_unique<PeerTransport>(
        opts,
        PeerTransport::Callbacks{
            .deliver =
                [this](std::vector<raft::Message> ms) { Take(std::move(ms)); },
            .unreachable =
                [this](uint64_t peer) {
                  std::lock_guard<std::mutex> lock(mu);
                  unreachable.insert(peer);
                },
            .snapshot_status =
                [this](uint64_t peer, bool ok) {
                  std::lock_guard<std::mutex> lock(mu);
                  snap_status.emplace_back(peer, ok);
                },
            .is_removed =
                [this](uint64_t peer) {
                  std::lock_guard<std::mutex> lock(mu);
                  return removed.count(peer) != 0;
                },
            .removed_self =
                [this] {
                  std::lock_guard<std::mutex> lock(mu);
                  told_removed = true;
                },
            .adopt_stream =
                [this](std::unique_ptr<PeerStreamReader> r) {
                  loop->Adopt(std::move(r));
                }});
    transport->RegisterHandlers(listener.server());
    if (loop_reads) {
      loop = std::make_unique<TestLoop>(
          [this](std::vector<raft::Message> ms) { Take(std::move(ms)); },
          [this](uint64_t peer) {
            std::lock_guard<std::mutex> lock(mu);
            return removed.count(peer) != 0;
          });
      listener.set_plain_handoff(transport->StreamHandoff());
    }
    auto port = listener.Start("127.0.0.1", 0);
    EXPECT_TRUE(port.ok());
    url = "http://127.0.0.1:" + std::to_string(port.value());
  }
  ~Member() { Shutdown(); }
  void Take(std::vector<raft::Message> ms) {
    while (stall.load()) std::this_thread::sleep_for(milliseconds(1));
    std::lock_guard<std::mutex> lock(mu);
    deliveries++;
    for (raft::Message& m : ms) got.push_back(std::move(m));
  }
  // Closes this member's outgoing connections, then its listener (whose
  // threads would otherwise wait out the keep-alive of connected peers).
  void Shutdown() {
    transport.reset();
    listener.Stop();
    loop.reset();
  }
  size_t Received() {
    std::lock_guard<std::mutex> lock(mu);
    return got.size();
  }

  HttpListener listener;
  std::unique_ptr<PeerTransport> transport;
  std::unique_ptr<TestLoop> loop;  // with loop_reads
  std::string url;
  std::mutex mu;
  std::vector<raft::Message> got;
  size_t deliveries = 0;  // deliver calls
  std::set<uint64_t> unreachable;
  std::vector<std::pair<uint64_t, bool>> snap_status;
  std::set<uint64_t> removed;  // peers this member refuses (410)
  bool told_removed = false;
  // While set, delivery waits: the stream stops being read.
  std::atomic<bool> stall{false};
};

// Closes every member's connections before any listener stops.
void StopAll(std::initializer_list<Member*> members) {
  for (Member* m : members) m->transport.reset();
  for (Member* m : members) m->listener.Stop();
  for (Member* m : members) m->loop.reset();
}

// The stream tests run twice: streams read by the listener's workers, and
// handed to a loop (TestLoop).
class PeerStreamTest : public ::testing::TestWithParam<bool> {
 protected:
  bool loop_reads() const { return GetParam(); }
  // The streams went where they should.
  void ExpectAdopted(Member& m) {
    if (loop_reads()) {
      EXPECT_GT(m.loop->adopted(), 0u);
    }
  }
};
INSTANTIATE_TEST_SUITE_P(ByWorkerAndByLoop, PeerStreamTest, ::testing::Bool());

// A port with nothing listening: connections are refused.
int DeadPort() {
  HttpListener l;
  auto port = l.Start("127.0.0.1", 0);
  l.Stop();
  return port.value();
}

// A socket that listens but never accepts nor answers: a stuck peer.
class BlackHole {
 public:
  BlackHole() {
    fd_ = testing::BindLoopback(&port_);
    EXPECT_EQ(::listen(fd_, 16), 0);
  }
  ~BlackHole() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_P(PeerStreamTest, ThousandsOfMessagesBothWaysInOrder) {
  PeerTransportOptions opts;
  opts.queue_messages = 100000;
  Member a(1, opts, loop_reads()), b(2, opts, loop_reads());
  a.transport->AddPeer(2, b.url);
  b.transport->AddPeer(1, a.url);
  const uint64_t kCount = 5000;
  std::thread ta([&] {
    for (uint64_t i = 0; i < kCount; ++i) a.transport->Send({AppMsg(1, 2, i)});
  });
  std::thread tb([&] {
    for (uint64_t i = 0; i < kCount; ++i) b.transport->Send({AppMsg(2, 1, i)});
  });
  ta.join();
  tb.join();
  ASSERT_TRUE(
      WaitFor([&] { return a.Received() == kCount; }, milliseconds(20000)));
  ASSERT_TRUE(
      WaitFor([&] { return b.Received() == kCount; }, milliseconds(20000)));
  for (uint64_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(b.got[i], AppMsg(1, 2, i)) << i;
    ASSERT_EQ(a.got[i], AppMsg(2, 1, i)) << i;
  }
  // The sender counts a batch once its POST is answered, which may be just
  // after the receiver handed the messages on.
  EXPECT_TRUE(
      WaitFor([&] { return a.transport->Stats(2).sent_messages == kCount; },
              milliseconds(5000)));
  PeerTransport::PeerStats s = a.transport->Stats(2);
  EXPECT_EQ(s.sent_messages, kCount);
  EXPECT_EQ(s.dropped_messages, 0u);
  EXPECT_LT(s.sent_batches, kCount);  // messages were batched
  EXPECT_TRUE(a.unreachable.empty());
  ExpectAdopted(a);
  ExpectAdopted(b);
  StopAll({&a, &b});
}

// The stuck peer's I/O timeout is 30 s: had it blocked anything, the live
// peer could not have all its messages in time, and Send would be slow.
TEST(PeerTransportTest, DeadAndStuckPeersDoNotBlockALiveOne) {
  PeerTransportOptions opts;
  opts.queue_messages = 64;
  opts.io_timeout = milliseconds(30000);
  Member a(1, opts), b(2, opts);
  BlackHole stuck;
  a.transport->AddPeer(2, b.url);
  a.transport->AddPeer(3, "http://127.0.0.1:" + std::to_string(DeadPort()));
  a.transport->AddPeer(4, "http://127.0.0.1:" + std::to_string(stuck.port()));
  const uint64_t kCount = 2000;
  auto start = steady_clock::now();
  steady_clock::duration in_send{};
  for (uint64_t i = 0; i < kCount; ++i) {
    auto before = steady_clock::now();
    a.transport->Send({AppMsg(1, 3, i), AppMsg(1, 4, i), AppMsg(1, 2, i)});
    in_send += steady_clock::now() - before;
    if (i % 50 == 49) {  // pace the live peer's queue, never the others
      WaitFor([&] { return b.Received() >= i + 1 - 10; }, milliseconds(5000));
    }
  }
  ASSERT_TRUE(
      WaitFor([&] { return b.Received() == kCount; }, milliseconds(15000)));
  EXPECT_LT(steady_clock::now() - start, milliseconds(20000));
  EXPECT_LT(in_send, milliseconds(1000));  // 6000 Sends never waited
  {
    std::lock_guard<std::mutex> lock(a.mu);
    EXPECT_TRUE(a.unreachable.count(3));
    EXPECT_TRUE(a.unreachable.count(4));
    EXPECT_FALSE(a.unreachable.count(2));
  }
  EXPECT_GT(a.transport->Stats(3).dropped_messages, 0u);
  EXPECT_GT(a.transport->Stats(4).dropped_messages, 0u);
  EXPECT_EQ(a.transport->Stats(2).dropped_messages, 0u);
  auto stop_start = steady_clock::now();
  StopAll({&a, &b});  // a stuck request is aborted, not waited out
  EXPECT_LT(steady_clock::now() - stop_start, milliseconds(10000));
}

TEST(PeerTransportTest, UnknownPeerIsReportedAtOnce) {
  Member a(1);
  a.transport->Send({AppMsg(1, 9, 0)});
  std::lock_guard<std::mutex> lock(a.mu);
  EXPECT_TRUE(a.unreachable.count(9));
}

TEST(PeerTransportTest, MalformedBodiesAreRefusedAndNothingIsDelivered) {
  Member b(2);
  httplib::Client c(b.url);
  httplib::Headers h = {{"X-Cairn-Cluster-ID", "00000000000000c1"},
                        {"X-Cairn-From", "0000000000000001"}};
  std::string good = EncodeMessageBatch({AppMsg(1, 2, 0), AppMsg(1, 2, 1)});
  std::string flipped = good;
  flipped[flipped.size() - 3] ^= 0x40;  // inside the second message
  std::string truncated = good.substr(0, good.size() - 1);
  std::string short_len = good + "\x05";
  for (const std::string& body :
       {std::string("garbage!"), flipped, truncated, short_len}) {
    auto res = c.Post("/raft/messages", h, body, "application/octet-stream");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << res->body;
  }
  auto foreign = c.Post("/raft/messages",
                        {{"X-Cairn-Cluster-ID", "00000000000000c2"},
                         {"X-Cairn-From", "0000000000000001"}},
                        good, "application/octet-stream");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 412);
  auto anonymous = c.Post("/raft/messages", good, "application/octet-stream");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 400);
  auto snap = c.Post("/raft/snapshot", h, good, "application/octet-stream");
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->status, 400);
  EXPECT_EQ(b.Received(), 0u);
  // The same connection still takes a good body.
  auto ok = c.Post("/raft/messages", h, good, "application/octet-stream");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 204);
  EXPECT_EQ(b.Received(), 2u);
  // A body's messages reach the host together, in one call.
  std::lock_guard<std::mutex> lock(b.mu);
  EXPECT_EQ(b.deliveries, 1u);
}

TEST(PeerTransportTest, SnapshotTravelsInChunks) {
  PeerTransportOptions opts;
  opts.snapshot_chunk_bytes = 64 << 10;
  Member a(1, opts), b(2, opts);
  a.transport->AddPeer(2, b.url);
  a.transport->AddPeer(3, "http://127.0.0.1:" + std::to_string(DeadPort()));
  raft::Message snap = raft::NewMsg(raft::MessageType::kSnap, 2, 1);
  snap.term = 4;
  snap.snapshot = raft::Snapshot{};
  snap.snapshot->metadata.index = 1000;
  snap.snapshot->metadata.term = 4;
  snap.snapshot->metadata.conf_state.voters = {1, 2, 3};
  snap.snapshot->data.resize(3 << 20);
  for (size_t i = 0; i < snap.snapshot->data.size(); ++i) {
    snap.snapshot->data[i] = static_cast<char>(i * 131 % 251);
  }
  raft::Message to_dead = snap;
  to_dead.to = 3;
  a.transport->Send({snap, to_dead, AppMsg(1, 2, 7)});
  ASSERT_TRUE(WaitFor([&] { return b.Received() == 2; }, milliseconds(10000)));
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(a.mu);
        return a.snap_status.size() == 2;
      },
      milliseconds(10000)));
  StopAll({&a, &b});  // nothing is delivered or reported after this
  const raft::Message* got_snap = nullptr;
  for (const auto& m : b.got) {
    if (m.type == raft::MessageType::kSnap) got_snap = &m;
  }
  ASSERT_NE(got_snap, nullptr);
  EXPECT_EQ(*got_snap, snap);
  std::set<std::pair<uint64_t, bool>> status(a.snap_status.begin(),
                                             a.snap_status.end());
  EXPECT_TRUE(status.count({2, true}));
  EXPECT_TRUE(status.count({3, false}));
}

// A removed member's messages are refused with 410 Gone and nothing is
// delivered; the removed member's transport reports it was removed, so
// that it stops even if it never applies its own removal.
TEST(PeerTransportTest, RemovedPeerIsToldSo) {
  Member a(1), b(2);
  {
    std::lock_guard<std::mutex> lock(a.mu);
    a.removed.insert(2);
  }
  b.transport->AddPeer(1, a.url);
  b.transport->Send({AppMsg(2, 1, 0)});
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard<std::mutex> lock(b.mu);
        return b.told_removed;
      },
      milliseconds(5000)));
  EXPECT_EQ(a.Received(), 0u);
  StopAll({&a, &b});
}

// Only live peers of this cluster that still take this member's messages
// count as answering; a stuck one costs the timeout, not more; nothing is
// delivered by the probe.
TEST(PeerTransportTest, CountReachableCountsOnlyPeersThatWouldTakeMessages) {
  Member a(1), b(2), refusing(4);
  {
    std::lock_guard<std::mutex> lock(refusing.mu);
    refusing.removed.insert(1);
  }
  BlackHole stuck;
  EXPECT_EQ(a.transport->CountReachable(milliseconds(200)), 0u);  // no peers
  a.transport->AddPeer(2, b.url);
  a.transport->AddPeer(3, "http://127.0.0.1:" + std::to_string(DeadPort()));
  a.transport->AddPeer(4, refusing.url);
  a.transport->AddPeer(6, "http://127.0.0.1:" + std::to_string(stuck.port()));
  EXPECT_EQ(a.transport->CountReachable(milliseconds(200)), 1u);
  // A member of another cluster is refused (412).
  {
    PeerTransport foreign({.local_id = 5, .cluster_id = 0xc2},
                          {.deliver = [](std::vector<raft::Message>) {}});
    foreign.AddPeer(2, b.url);
    EXPECT_EQ(foreign.CountReachable(milliseconds(200)), 0u);
  }
  a.transport->RemovePeer(2);
  EXPECT_EQ(a.transport->CountReachable(milliseconds(200)), 0u);
  EXPECT_EQ(b.Received(), 0u);
  StopAll({&a, &b, &refusing});
}

// A /raft/stream POST written by hand: `chunks` are sent one by one, each
// after `before(i)` returns; gives the answer's status (-1: none).
int StreamByHand(const std::string& url, std::vector<std::string> chunks,
                 const std::function<void(size_t)>& before,
                 const std::string& cluster = "00000000000000c1") {
  httplib::Client c(url);
  c.set_read_timeout(10, 0);
  httplib::Headers h = {{"X-Cairn-Cluster-ID", cluster},
                        {"X-Cairn-From", "0000000000000001"}};
  size_t next = 0;
  auto res = c.Post(
      "/raft/stream", h,
      [&](size_t, httplib::DataSink& sink) {
        if (next == chunks.size()) {
          sink.done();
          return true;
        }
        before(next);
        const std::string& chunk = chunks[next++];
        return sink.write(chunk.data(), chunk.size());
      },
      "application/octet-stream");
  return res ? res->status : -1;
}

// Frames are delivered as soon as they are whole, also when one is split
// across chunks; a bad frame ends the stream with 400, after the frames
// before it; a foreign cluster is refused (412) with nothing delivered.
TEST_P(PeerStreamTest, StreamDeliversEachFrameWhenWhole) {
  Member b(2, {}, loop_reads());
  const std::string one = EncodeMessageBatch({AppMsg(1, 2, 0)});
  const std::string two = EncodeMessageBatch({AppMsg(1, 2, 1)});
  const std::string three = EncodeMessageBatch({AppMsg(1, 2, 2)});
  std::string bad = three;
  bad[bad.size() - 3] ^= 0x40;
  std::vector<size_t> seen;  // messages received before each chunk
  int status = StreamByHand(
      b.url, {one, two.substr(0, 7), two.substr(7), three}, [&](size_t i) {
        if (i > 0) {
          // The previous chunk's whole frames arrive with no more data.
          const size_t want = i == 1 ? 1 : i == 2 ? 1 : 2;
          WaitFor([&] { return b.Received() >= want; }, milliseconds(5000));
        }
        seen.push_back(b.Received());
      });
  EXPECT_EQ(status, 204);
  EXPECT_EQ(seen, (std::vector<size_t>{0, 1, 1, 2}));
  // A loop answers as it reads the body's end, and steps the last frames
  // just after.
  ASSERT_TRUE(WaitFor([&] { return b.Received() == 3; }, milliseconds(5000)));
  EXPECT_EQ(b.got[2], AppMsg(1, 2, 2));

  // A loop closes the connection after its 400 with the client's last
  // chunk unread: the client may see the reset instead.
  const int bad_status = StreamByHand(b.url, {one, bad, one}, [](size_t) {});
  if (loop_reads()) {
    EXPECT_TRUE(bad_status == 400 || bad_status == -1) << bad_status;
  } else {
    EXPECT_EQ(bad_status, 400);
  }
  // The frame before the bad one.
  EXPECT_TRUE(WaitFor([&] { return b.Received() == 4; }, milliseconds(5000)));
  // The refusal comes before the body is read: a client still writing may
  // see its write fail rather than the 412 (the transport's sender learns
  // why from the plain POST that opens every streak of batches).
  const int foreign = StreamByHand(
      b.url, {one}, [](size_t) {}, "00000000000000c2");
  EXPECT_TRUE(foreign == 412 || foreign == -1) << foreign;
  EXPECT_EQ(b.Received(), 4u);
  ExpectAdopted(b);
  if (loop_reads()) {
    EXPECT_EQ(b.loop->adopted(), 2u);  // not the foreign one
  }
}

// A stream that never ends by itself does not hold the listener's Stop
// once the transport stops receiving.
TEST_P(PeerStreamTest, AnEndlessStreamDoesNotHoldStop) {
  auto b = std::make_unique<Member>(2, PeerTransportOptions{}, loop_reads());
  const std::string frame = EncodeMessageBatch({AppMsg(1, 2, 0)});
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    httplib::Client c(b->url);
    httplib::Headers h = {{"X-Cairn-Cluster-ID", "00000000000000c1"},
                          {"X-Cairn-From", "0000000000000001"}};
    c.Post(
        "/raft/stream", h,
        [&](size_t, httplib::DataSink& sink) {
          std::this_thread::sleep_for(milliseconds(20));
          return !stop.load() && sink.write(frame.data(), frame.size());
        },
        "application/octet-stream");
  });
  ASSERT_TRUE(WaitFor([&] { return b->Received() >= 3; }, milliseconds(5000)));
  const auto start = steady_clock::now();
  b->transport->StopReceiving();
  b->listener.Stop();
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  stop = true;
  sender.join();
}

// A loop takes at most max_loop_streams streams; the others are read by
// the listener's workers as before, and one that ends makes room again.
TEST(PeerTransportTest, StreamsBeyondTheLoopsBoundAreReadByWorkers) {
  PeerTransportOptions opts;
  opts.max_loop_streams = 1;
  Member b(2, opts, true);
  // Stream i sends message i every few ms until stop[i].
  std::array<std::atomic<bool>, 4> stop{};
  auto open = [&](uint64_t i) {
    stop[i] = false;
    return std::thread([&b, &stop, i] {
      const std::string frame = EncodeMessageBatch({AppMsg(1, 2, i)});
      httplib::Client c(b.url);
      httplib::Headers h = {{"X-Cairn-Cluster-ID", "00000000000000c1"},
                            {"X-Cairn-From", "0000000000000001"}};
      auto res = c.Post(
          "/raft/stream", h,
          [&](size_t, httplib::DataSink& sink) {
            if (stop[i].load()) {
              sink.done();
              return true;
            }
            std::this_thread::sleep_for(milliseconds(5));
            return sink.write(frame.data(), frame.size());
          },
          "application/octet-stream");
      EXPECT_TRUE(res && res->status == 204) << i;
    });
  };
  auto seen = [&b](uint64_t i) {
    std::lock_guard<std::mutex> lock(b.mu);
    return std::any_of(b.got.begin(), b.got.end(),
                       [i](const raft::Message& m) { return m.index == i; });
  };
  std::thread s1 = open(1);
  ASSERT_TRUE(WaitFor([&] { return seen(1); }, milliseconds(5000)));
  EXPECT_EQ(b.loop->adopted(), 1u);
  std::thread s2 = open(2);
  ASSERT_TRUE(WaitFor([&] { return seen(2); }, milliseconds(5000)));
  EXPECT_EQ(b.loop->adopted(), 1u);  // the second went to a worker
  stop[1] = true;
  s1.join();
  // Once the loop has closed the first, a third is the loop's again.
  ASSERT_TRUE(WaitFor(
      [&] {
        std::thread s = open(3);
        std::this_thread::sleep_for(milliseconds(20));
        stop[3] = true;
        s.join();
        return b.loop->adopted() == 2;
      },
      milliseconds(5000)));
  EXPECT_TRUE(seen(3));
  stop[2] = true;
  s2.join();
}

// A member removed while its stream is open: the next chunk is refused,
// nothing after the removal is delivered, and the removed member is told
// (by the plain POST after the stream failed; Raft keeps sending, as the
// loop here does).
TEST_P(PeerStreamTest, RemovalEndsAnOpenStream) {
  Member a(1, {}, loop_reads()), b(2);
  b.transport->AddPeer(1, a.url);
  // 50 messages, and more until a stream has come (a loop has it).
  uint64_t i = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        b.transport->Send({AppMsg(2, 1, i++)});
        return i >= 50 && (!loop_reads() || a.loop->adopted() > 0);
      },
      milliseconds(5000)));
  const uint64_t before = i;
  ASSERT_TRUE(
      WaitFor([&] { return a.Received() == before; }, milliseconds(5000)));
  {
    std::lock_guard<std::mutex> lock(a.mu);
    a.removed.insert(2);
  }
  ASSERT_TRUE(WaitFor(
      [&] {
        b.transport->Send({AppMsg(2, 1, i++)});
        std::lock_guard<std::mutex> lock(b.mu);
        return b.told_removed;
      },
      milliseconds(20000)));
  EXPECT_EQ(a.Received(), before);
  ExpectAdopted(a);
  StopAll({&a, &b});
}

// While the sender's thread waits in an open stream, Send writes the
// stream's socket itself (batches up to 64 KiB); once the receiver stops
// reading, the socket takes part of a message, then nothing, and the
// thread writes the rest and the queue; larger messages always go through
// the thread. Nothing is lost or reordered.
TEST_P(PeerStreamTest, WritesFromSendAndTheSenderKeepOrderWhenTheReaderStalls) {
  Member a(1), b(2, {}, loop_reads());
  a.transport->AddPeer(2, b.url);
  uint64_t seq = 0;
  for (; seq < 20; ++seq) {  // one at a time: the sender waits in between
    a.transport->Send({AppMsg(1, 2, seq)});
    ASSERT_TRUE(
        WaitFor([&] { return b.Received() == seq + 1; }, milliseconds(5000)));
  }
  b.stall = true;
  const std::string big(48 << 10, 'x');
  for (int i = 0; i < 400; ++i, ++seq) {
    raft::Message m = AppMsg(1, 2, seq);
    m.entries[0].data = i % 100 == 99 ? std::string(256 << 10, 'y') : big;
    a.transport->Send({std::move(m)});
  }
  std::this_thread::sleep_for(milliseconds(300));
  b.stall = false;
  for (int i = 0; i < 20; ++i, ++seq) a.transport->Send({AppMsg(1, 2, seq)});
  ASSERT_TRUE(
      WaitFor([&] { return b.Received() == seq; }, milliseconds(20000)));
  for (uint64_t i = 0; i < seq; ++i) {
    ASSERT_EQ(b.got[i].index, i) << i;
  }
  EXPECT_EQ(b.got[20].entries[0].data, big);
  EXPECT_EQ(b.got[119].entries[0].data, std::string(256 << 10, 'y'));
  // The sender counts a chunk once written, which may be just after the
  // receiver has it.
  EXPECT_TRUE(
      WaitFor([&] { return a.transport->Stats(2).sent_messages == seq; },
              milliseconds(5000)));
  const PeerTransport::PeerStats s = a.transport->Stats(2);
  EXPECT_EQ(s.sent_messages, seq);
  EXPECT_EQ(s.dropped_messages, 0u);
  EXPECT_TRUE(a.unreachable.empty());
  ExpectAdopted(b);
  StopAll({&a, &b});
}

TEST(PeerTransportTest, BatchCodecRoundTrip) {
  std::vector<raft::Message> msgs = {AppMsg(1, 2, 0), AppMsg(1, 2, 1)};
  auto r = DecodeMessageBatch(EncodeMessageBatch(msgs));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), msgs);
  EXPECT_TRUE(DecodeMessageBatch("").ok());
  EXPECT_EQ(DecodeMessageBatch("\x01").status().code(), Code::kCorruption);
  // Frames one by one, as a stream brings them.
  const std::string body = EncodeMessageBatch(msgs);
  std::vector<raft::Message> out;
  size_t used = 0;
  ASSERT_TRUE(
      DecodeMessageFrames(body.substr(0, body.size() - 1), 1 << 20, &used, &out)
          .ok());
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(used, body.size() - (body.size() - used));
  out.clear();
  EXPECT_EQ(DecodeMessageFrames(body, 4, &used, &out).code(),
            Code::kCorruption);  // a frame over the limit
}

}  // namespace
}  // namespace cairn::node
